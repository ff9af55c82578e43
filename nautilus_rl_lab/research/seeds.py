"""Multi-seed confidence: train the same config with N seeds, score each out of sample.

One seed's result is an anecdote: the same PPO config can win or lose depending on its seed.
`train_seeds(config, seeds)` trains every seed (in parallel worker processes by default,
one `TrainingNode` engine set per process, or on a Ray cluster: `nautilus_rl_lab.sweeps`), backtests each trained agent on `config.test_data`
(the range nothing in training read), and returns a `SeedsResult` with the per-seed table,
the equity curves and percentile-bootstrap confidence intervals of the mean of each metric.
A portfolio config (`env.instruments`) is scored on `test`, a portfolio env of the same
instruments on its test ranges (a `test_data` is one instrument's), in portfolio backtests.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import msgspec
import numpy as np
import pandas as pd

from nautilus_rl_lab.agents.base import load_agent
from nautilus_rl_lab.data.splits import check_disjoint
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation.backtest import run_backtest
from nautilus_rl_lab.evaluation.portfolio import run_portfolio_backtest
from nautilus_rl_lab.evaluation.statistics import bootstrap_ci
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.research.walk_forward import TestRun, run_stats
from nautilus_rl_lab.sweeps import SweepConfig, SweepTask, choose_where, open_sweep
from nautilus_rl_lab.training.config import TrainConfig
from nautilus_rl_lab.training.train import train
from nautilus_rl_lab.validation import check_folder

log = logging.getLogger(__name__)

CI_METRICS = ("total_return_%", "sharpe", "sortino", "max_drawdown_%", "psr")


@dataclass
class SeedsResult:
    """Per-seed out-of-sample metrics and equity curves of one config."""

    table: pd.DataFrame
    equity: pd.DataFrame

    def confidence(
        self,
        confidence: float = 0.95,
        seed: int = 0,
        metrics: Sequence[str] | None = CI_METRICS,
    ) -> pd.DataFrame:
        """Mean, median and bootstrap CI of the mean over seeds, one row per metric.

        `metrics=None` takes every numeric column (orders, fills, turnover, hit rate, ...)
        but `periods_per_year`, the annualisation convention (refused if the seeds differ
        in it). `seeds` counts the seeds with a finite value: a NaN (e.g. no round trips for
        the hit rate) is left out of that metric's mean, not counted as 0.
        """
        if "periods_per_year" in self.table and self.table["periods_per_year"].nunique() > 1:
            raise ValueError("the seeds' statistics were annualised with different periods")
        if metrics is None:
            numeric = self.table.apply(pd.to_numeric, errors="coerce").notna().any()
            metrics = [c for c in self.table.columns if numeric[c] and c != "periods_per_year"]
        rows = {}
        for metric in metrics:
            values = self.table[metric].to_numpy(dtype=np.float64)
            low, high = bootstrap_ci(values, np.mean, confidence=confidence, seed=seed)
            rows[metric] = {
                "mean": float(np.nanmean(values)),
                "median": float(np.nanmedian(values)),
                "ci_low": low,
                "ci_high": high,
                "seeds": int(np.isfinite(values).sum()),
            }
        return pd.DataFrame(rows).T


def _train_and_test(
    config_json: bytes, seed: int, run_dir: str, test_json: bytes | None = None
) -> tuple[int, pd.Series, dict]:
    """Worker: train `seed`, backtest the best (else final) agent on the test range (a
    portfolio's: on the portfolio env `test_json`)."""
    config = TrainConfig.parse(config_json)
    config = msgspec.structs.replace(config, seed=seed, run_dir=run_dir)
    result = train(config)
    agent = result.best_agent or result.final_agent
    run: TestRun
    if test_json is not None:
        test = TrainingNodeConfig.parse(test_json)
        run = run_portfolio_backtest(load_agent(agent), test, name=f"seed_{seed}")
    else:
        test_env = config.test_env
        assert test_env is not None  # train_seeds checks it
        run = run_backtest(agent, test_env, name=f"seed_{seed}")
    stats = {**run_stats(run), "agent": str(agent)}
    return seed, run.equity, stats


def portfolio_test(config: TrainConfig, test: TrainingNodeConfig | None) -> TrainingNodeConfig:
    """`test` checked as the test env of the portfolio `config`: the same instruments, each
    one's data disjoint from its training data (unless `config.allow_overlap`), played as one
    episode over all of it."""
    if test is None or not test.assets:
        raise ConfigError(
            "`test` must be a portfolio env (`instruments`) on the test ranges: a portfolio "
            "`config` is scored on it (a `test_data` is one instrument's data)"
        )
    trained = [asset.instrument for asset in config.env.assets]
    tested = [asset.instrument for asset in test.assets]
    if trained != tested:
        raise ConfigError(
            "`test.instruments` must be `config.env.instruments`' instruments in the same "
            "order: the policy decides for those"
        )
    for i, (fit, held_out) in enumerate(zip(config.env.assets, test.assets, strict=True)):
        check_disjoint(
            {f"env.instruments[{i}].data": fit.data, f"test.instruments[{i}].data": held_out.data},
            allow_overlap=config.allow_overlap,
        )
    return msgspec.structs.replace(test, random_start=False, episode_length=None)


def train_seeds(
    config: TrainConfig,
    seeds: Sequence[int],
    *,
    run_dir: str | os.PathLike[str] | None = None,
    max_workers: int | None = None,
    executor: Executor | None = None,
    sweep: SweepConfig | None = None,
    progress: bool = False,
    test: TrainingNodeConfig | None = None,
) -> SeedsResult:
    """Train `config` once per seed into `<run_dir>/seed_<s>` and score each on `test_data`.

    Runs where `sweep` says (e.g. `SweepConfig(executor="ray")`), else on `executor` (e.g. a
    thread pool for debugging), else in a `ProcessPoolExecutor` (spawned processes,
    `max_workers` defaults to the number of cores; 1 trains in this process). Each seed's
    result is kept in `<run_dir>/tasks`: a re-run skips the seeds already there. `progress`
    shows a progress bar over the finished seeds. A portfolio `config` is scored on `test`
    (`portfolio_test`), a single-instrument one on `config.test_data`.
    """
    test_json: bytes | None = None
    if config.env.assets:
        test_json = portfolio_test(config, test).json()
    elif test is not None:
        raise ConfigError(
            "`test` is for portfolio configs; a single-instrument config is scored on `test_data`"
        )
    elif config.test_data is None:
        raise ConfigError("`test_data` is required: each seed is scored on that untouched range")
    if isinstance(seeds, str | bytes) or not isinstance(seeds, Sequence):
        raise ConfigError(f"`seeds` must be a list of ints, was {seeds!r}")
    bad = [s for s in seeds if isinstance(s, bool) or not isinstance(s, int | np.integer) or s < 0]
    if bad:
        raise ConfigError(f"`seeds` must be ints >= 0 (SB3 and numpy seeds), was {list(seeds)}")
    if len(set(seeds)) != len(seeds) or not seeds:
        raise ConfigError(f"`seeds` must be distinct and not empty, was {list(seeds)}")
    if max_workers is not None and (isinstance(max_workers, bool) or not max_workers >= 1):
        raise ConfigError(f"`max_workers` must be >= 1 or None, was {max_workers!r}")
    root = check_folder("run_dir", run_dir or config.run_dir)
    payload = config.json()
    identity = payload if test_json is None else payload + test_json
    tasks = [
        SweepTask(
            f"seed {seed}",
            (payload, seed, str(root / f"seed_{seed}"), test_json),
            identity + b"%d" % seed,
        )
        for seed in seeds
    ]
    where = choose_where(sweep, executor, max_workers, min(len(tasks), os.cpu_count() or 1))
    with open_sweep(where) as runner:
        results = runner.map(
            _train_and_test, tasks, results_dir=root / "tasks", desc="seeds", progress=progress
        )
    table = pd.DataFrame({seed: stats for seed, _, stats in results}).T
    table.index.name = "seed"
    equity = pd.DataFrame({seed: curve for seed, curve, _ in results})
    log.info("trained %d seeds into %s", len(results), root)
    return SeedsResult(table, equity)
