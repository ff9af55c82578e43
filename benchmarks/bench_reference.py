"""Benchmark: our env's random steps/s next to an outside reference, gym-anytrading's `forex-v0`,
on the same bars.

Prints one JSON line per env (`make bench`), figure `reference`: `TrainingNode` (real
Nautilus fills, fees and margin; window-8 observation, whole-sample episodes) and `forex-v0`
(pure numpy: a pip-based P&L over a price array, no orders or fills) over the bundled
sample's closes with the same window, both built with `gym.make` (the same Gymnasium
wrappers), stepped with seeded random actions for `--steps` steps per round (resets at episode
ends included), rounds interleaved `--repeats` times, medians reported;
`ratio_ours_theirs` is ours over `forex-v0`. gym-anytrading is a dev extra; nothing is
downloaded (its data is replaced by our bars).
Usage: `python benchmarks/bench_reference.py [--repeats 5] [--steps 6000]`.
"""

from __future__ import annotations

import argparse
import warnings

import gymnasium as gym
from harness import emit_medians, forex_env, interleaved, random_steps_rate

import nautilus_rl_lab  # noqa: F401  registers NautilusTrading-v0
from nautilus_rl_lab.data.source import load_frame
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.schemes import SchemeConfig

WINDOW = 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=6_000)
    args = parser.parse_args()
    # forex-v0's observations are views of one array; Gymnasium's checker says so every run
    warnings.filterwarnings("ignore", message=".*share an object.*")
    config = TrainingNodeConfig(
        observation=SchemeConfig(name="window", params={"window": WINDOW}),
        episode_length=None,
        random_start=False,
        seed=0,
    )
    closes = load_frame(config.data, None)["close"].astype(float).tolist()
    envs = {
        "training_node": gym.make("NautilusTrading-v0", config=config),
        "forex-v0": forex_env(closes, WINDOW),
    }
    try:
        for env in envs.values():
            env.reset(seed=0)
        samples = interleaved(
            {
                name: (lambda env=env: random_steps_rate(env, args.steps))
                for name, env in envs.items()
            },
            args.repeats,
        )
    finally:
        for env in envs.values():
            env.close()
    emit_medians(
        "reference",
        "env",
        samples,
        unit="steps_per_s",
        baseline="forex-v0",
        ratio="ratio_ours_theirs",
        fields={
            "policy": "random",
            "bars": len(closes),
            "window": WINDOW,
            "steps": args.steps,
            "repeats": args.repeats,
        },
    )


if __name__ == "__main__":
    main()
