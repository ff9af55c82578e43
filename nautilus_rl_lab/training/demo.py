"""The main job (`make demo`): train PPO on the bundled EUR/USD sample, backtest it out of
sample against the baselines and write the tear sheet and figures into `runs/<timestamp>/`.

Decisions: training uses Jan-Aug 2017, validation (early stopping, best-agent selection) Sep
2017, and the final out-of-sample test Oct-Dec 2017, which nothing before the report reads;
the observation adds Nautilus indicators (EMA, RSI) to the return window; the agent trades
one standard lot (100k units) on a 100k USD account. The budget fits a few minutes on two
cores; fast mode (`NRL_FAST=1`, `nautilus_rl_lab.fast_mode(True)` or `fast=True`) shrinks
every budget to seconds for CI. The best
agent found by the held-out evaluation during training is the one backtested. Results on real
EUR/USD hourly bars are what they are: the demo shows the pipeline, not an edge.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.evaluation.backtest import EvaluationResult, backtest_agent
from nautilus_rl_lab.fast import fast_mode
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.reports.tearsheet import ReportFiles, write_report
from nautilus_rl_lab.schemes.registry import SchemeConfig
from nautilus_rl_lab.training.config import TrainConfig
from nautilus_rl_lab.training.train import TrainResult, train
from nautilus_rl_lab.validation import check_folder

log = logging.getLogger(__name__)

TRAIN_RANGE = ("2017-01-01", "2017-09-01")
VALIDATION_RANGE = ("2017-09-01", "2017-10-01")
TEST_RANGE = ("2017-10-01", None)


def demo_config(run_dir: str | os.PathLike[str], *, fast: bool | None = None) -> TrainConfig:
    """The demo's `TrainConfig`: PPO on 8 envs (2 in fast mode, with a tiny budget).

    8 envs of 128 steps make the same 1,024-step rollout as 2 of 512 at about 1.5x the env-steps/s
    on 2 cores (`benchmarks/bench_training.py --n-envs 2 4 8`): each policy call and each
    lock-stepped vector step serves more envs.
    """
    fast = fast_mode() if fast is None else fast
    env = TrainingNodeConfig(
        data=DataSourceConfig(kind="sample", start=TRAIN_RANGE[0], end=TRAIN_RANGE[1]),
        observation=SchemeConfig(
            name="window", params={"window": 8, "features": ["ema:20", "rsi:14"]}
        ),
        action=SchemeConfig(name="target_position", params={"trade_size": 100_000}),
        reward=SchemeConfig(name="log_return"),
        episode_length=256,
        seed=0,
    )
    return TrainConfig(
        algorithm="PPO",
        hyperparameters={
            "n_steps": 128,
            "batch_size": 128,
            "n_epochs": 4 if fast else 8,
            "learning_rate": 3e-4,
            "gamma": 0.95,
            "ent_coef": 0.01,
            "policy_kwargs": {"net_arch": [64, 64]},
        },
        total_timesteps=1_024 if fast else 40_000,
        n_envs=2 if fast else 8,
        vec_env="dummy" if fast else "shared",
        seed=0,
        env=env,
        eval_data=DataSourceConfig(
            kind="sample", start=VALIDATION_RANGE[0], end=VALIDATION_RANGE[1]
        ),
        test_data=DataSourceConfig(kind="sample", start=TEST_RANGE[0], end=TEST_RANGE[1]),
        eval_freq=512 if fast else 10_000,
        checkpoint_freq=512 if fast else 10_000,
        run_dir=str(run_dir),
        normalize_rewards=True,
        progress_bar=not fast,
    )


@dataclass
class DemoResult:
    """Everything the demo produced."""

    run_dir: Path
    training: TrainResult
    evaluation: EvaluationResult
    report: ReportFiles
    wall_time: float


def run_demo(root: str | os.PathLike[str] = "runs", *, fast: bool | None = None) -> DemoResult:
    """Train, backtest out of sample against the baselines, write the report; see the module doc."""
    started = time.perf_counter()
    fast = fast_mode() if fast is None else fast
    run_dir = check_folder("root", root) / time.strftime("%Y%m%d-%H%M%S")
    while run_dir.exists():  # two demos in the same second
        run_dir = run_dir.with_name(run_dir.name + "-1")
    config = demo_config(run_dir, fast=fast)
    log.info("training %s for %d steps into %s", config.algorithm, config.total_timesteps, run_dir)
    training = train(config)
    agent = training.best_agent or training.final_agent
    log.info("backtesting %s out of sample", agent)
    evaluation = backtest_agent(
        agent, config.range_env("test"), role="test", n_random=2 if fast else 5, rule="bollinger"
    )
    report = write_report(evaluation, run_dir / "report")
    return DemoResult(run_dir, training, evaluation, report, time.perf_counter() - started)
