"""Record the golden results: run every case of `cases.py` and write its gzip JSON under `data/`.

Usage (from the repository root): `python -m tests.golden.record [--only CASE ...]
[--train-ppo] [--out DIR]`. `--train-ppo` first trains the tiny PPO bundle the PPO cases
trade (2,048 steps, one env, a 16-unit network) and stores its agent directory as
`data/ppo_bundle`; without it the stored bundle is used, so a recording on another Nautilus
version trades the same policy. Each record carries the versions it was made with (`meta`,
which the parity test does not compare).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.golden.cases import (
    CASES,
    DATA,
    OBSERVATION,
    PPO_BUNDLE,
    PPO_TRAIN_DATA,
    record_path,
    write_record,
)

log = logging.getLogger("golden")


def versions() -> dict[str, str]:
    """Versions of what produced a record (kept beside it, not compared)."""
    import nautilus_trader
    import numpy
    import pandas
    import stable_baselines3

    return {
        "python": sys.version.split()[0],
        "nautilus_trader": nautilus_trader.__version__,
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "stable_baselines3": stable_baselines3.__version__,
    }


def train_ppo(target: Path = PPO_BUNDLE) -> Path:
    """Train the tiny PPO bundle and copy its `final/` agent directory to `target`."""
    from nautilus_rl_lab.nodes.training import TrainingNodeConfig
    from nautilus_rl_lab.training import TrainConfig, train

    with tempfile.TemporaryDirectory() as run_dir:
        config = TrainConfig(
            algorithm="PPO",
            hyperparameters={
                "n_steps": 256,
                "batch_size": 64,
                "n_epochs": 2,
                "policy_kwargs": {"net_arch": [16]},
            },
            total_timesteps=2_048,
            n_envs=1,
            vec_env="dummy",
            seed=0,
            env=TrainingNodeConfig(
                data=PPO_TRAIN_DATA, observation=OBSERVATION, episode_length=256, seed=0
            ),
            eval_freq=0,
            checkpoint_freq=0,
            run_dir=run_dir,
            tensorboard=False,
        )
        result = train(config)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(result.final_agent, target)
    return target


def record(case: str, out: Path) -> Path:
    """Run `case` and write its record (with `meta`) to `out`."""
    data: dict[str, Any] = {"case": case, "meta": versions(), **CASES[case]()}
    path = record_path(case, out)
    write_record(path, data)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(CASES), help="cases to record")
    parser.add_argument("--train-ppo", action="store_true", help="train the PPO bundle first")
    parser.add_argument("--out", type=Path, default=DATA, help="folder for the records")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.train_ppo:
        log.info("trained %s", train_ppo())
    args.out.mkdir(parents=True, exist_ok=True)
    for case in args.only or sorted(CASES):
        path = record(case, args.out)
        log.info("%s: %d bytes", path, path.stat().st_size)


if __name__ == "__main__":
    main()
