"""Benchmark: PPO training throughput on `TrainingNode`s next to the same PPO on gym-anytrading.

Prints one JSON line per figure (`make bench`):

- `training`: env-steps/s of `PPO.learn` with the demo's hyperparameters and envs
  (`TrainingNode`s under `VecNormalize`), for each vec env kind of `TrainConfig.vec_env` and
  each env count of `--n-envs` (the demo's 1,024-step rollout split among them), and of the
  same PPO on gym-anytrading's `forex-v0` (an outside reference without real fills: a
  pip-based P&L over a price array) over the same bars' closes with the same number of envs,
  window and `VecNormalize`; `ratio_ours_theirs` is each kind over `forex-v0` at that count.

Runs are interleaved, `--repeats` times, the median reported; torch uses one thread as in the
demo. gym-anytrading is a dev extra; nothing is downloaded (its data is replaced by our bars).
Usage: `python benchmarks/bench_training.py [--repeats 3] [--steps 4096] [--kinds dummy shared]
[--n-envs 2 8]`.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

import torch
from harness import emit, forex_env
from stable_baselines3 import PPO
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv, VecEnv, VecNormalize

from nautilus_rl_lab.data.source import load_frame
from nautilus_rl_lab.training import make_vec_env
from nautilus_rl_lab.training.config import VEC_ENV_KINDS
from nautilus_rl_lab.training.demo import demo_config

WINDOW = 8  # the demo's observation window


def learn_rate(make_venv: Callable[[], VecEnv], hyperparameters: dict, steps: int) -> float:
    """Env-steps/s of one `PPO.learn(steps)` on a fresh `VecNormalize(make_venv())`."""
    venv = VecNormalize(make_venv(), norm_reward=True)
    try:
        model = PPO("MlpPolicy", venv, seed=0, device="cpu", **hyperparameters)
        gc.collect()
        started = time.perf_counter()
        model.learn(total_timesteps=steps)
        return model.num_timesteps / (time.perf_counter() - started)
    finally:
        venv.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=4096)
    parser.add_argument("--kinds", nargs="+", choices=VEC_ENV_KINDS, default=list(VEC_ENV_KINDS))
    parser.add_argument("--n-envs", nargs="+", type=int, default=[2, 4, 8])
    args = parser.parse_args()
    torch.set_num_threads(1)
    base = demo_config("/tmp/nrl-bench-training", fast=False)
    closes = load_frame(base.env.data, None)["close"].astype(float).tolist()
    rollout = base.hyperparameters["n_steps"] * base.n_envs
    runs: dict[tuple[str, int], tuple[Callable[[], VecEnv], dict]] = {}
    for n_envs in args.n_envs:
        hyperparameters = {**base.hyperparameters, "n_steps": rollout // n_envs}
        for kind in args.kinds:
            fields = {**_fields(base), "vec_env": kind, "n_envs": n_envs}
            runs[kind, n_envs] = (
                lambda fields=fields: make_vec_env(base.__class__(**fields)),
                hyperparameters,
            )
        runs["forex-v0", n_envs] = (
            lambda n_envs=n_envs: DummyVecEnv(
                [lambda: Monitor(forex_env(closes, WINDOW))] * n_envs
            ),
            hyperparameters,
        )
    rates: dict[tuple[str, int], list[float]] = {key: [] for key in runs}
    for _ in range(args.repeats):
        for key, (make, hyperparameters) in runs.items():
            rates[key].append(learn_rate(make, hyperparameters, args.steps))
    for (name, n_envs), samples in rates.items():
        ours = statistics.median(samples)
        record = {
            "figure": "training",
            "env": name,
            "algorithm": "PPO",
            "n_envs": n_envs,
            "n_steps": runs[name, n_envs][1]["n_steps"],
            "steps": args.steps,
            "env_steps_per_s": round(ours, 1),
            "repeats": args.repeats,
        }
        if name != "forex-v0":
            theirs = statistics.median(rates["forex-v0", n_envs])
            record["ratio_ours_theirs"] = round(ours / theirs, 3)
        emit(record)


def _fields(config: object) -> dict:
    return {name: getattr(config, name) for name in config.__struct_fields__}  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
