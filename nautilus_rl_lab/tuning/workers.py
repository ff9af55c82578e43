"""`tune_on_workers`: several tuning workers, run as sweep tasks (e.g. on Ray), on one study.

The study lives in Optuna's storage, never in the workers: each worker is a plain `tune` /
`tune_rule` call against `config.storage`, which numbers the trials (once each, across all
workers) and stops them at `n_trials`. On a Ray cluster the workers may run on any node, so
the storage must be a server every node reaches (PostgreSQL), not a local sqlite file; the
password variable its URL names must be set in the environment of every node's `ray start`.
"""

from __future__ import annotations

from concurrent.futures import Executor

import optuna

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.sweeps import SweepConfig, SweepTask, open_sweep
from nautilus_rl_lab.tuning.config import RuleTuneConfig, TuneConfig
from nautilus_rl_lab.tuning.rules import tune_rule
from nautilus_rl_lab.tuning.study import finished_trials, open_study
from nautilus_rl_lab.tuning.tune import tune


def tune_worker(config: TuneConfig | RuleTuneConfig) -> int:
    """Task: one worker's `tune`/`tune_rule` call; the study's finished trials when it stopped."""
    study = tune_rule(config) if isinstance(config, RuleTuneConfig) else tune(config)
    return finished_trials(study)


def tune_on_workers(
    config: TuneConfig | RuleTuneConfig,
    workers: int,
    *,
    sweep: SweepConfig | Executor | None = None,
    progress: bool = False,
) -> optuna.Study:
    """Run `workers` tuning workers where `sweep` says (default a local pool); the study after.

    The study is created here first, so the workers only load it.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"`workers` must be an int >= 1, was {workers!r}")
    on_ray = isinstance(sweep, SweepConfig) and sweep.executor == "ray"
    if on_ray and config.database_url().startswith("sqlite"):
        raise ConfigError(
            f"`storage` {config.storage_url!r} is a file on this machine; Ray workers on other "
            "nodes would each open their own: use a server, e.g. postgresql://user:${PW}@host/db"
        )
    open_study(config)
    identity = config.json()
    tasks = [
        SweepTask(f"tuning worker {i}", (config,), identity + b"%d" % i) for i in range(workers)
    ]
    with open_sweep(sweep or SweepConfig(max_workers=workers)) as runner:
        runner.map(tune_worker, tasks, desc="workers", progress=progress)
    return open_study(config)
