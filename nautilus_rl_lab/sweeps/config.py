"""`SweepConfig`: where a sweep's tasks run (this process, a local process pool, a Ray cluster)."""

from __future__ import annotations

import math
from concurrent.futures import Executor

from nautilus_rl_lab.config import LabConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.validation import check_choice

EXECUTORS = ("process", "pool", "ray")


class SweepConfig(LabConfig, frozen=True, forbid_unknown_fields=True):
    """Where a sweep's tasks run and what each task asks for.

    `executor`: `process` (one after another in this process), `pool` (a local
    `ProcessPoolExecutor` of spawned processes, `max_workers` of them, default one per core)
    or `ray` (tasks on the Ray cluster at `address`: `auto` finds the cluster this machine
    joined, `ray://host:port` goes through Ray Client, `host:port` is the head's GCS). On Ray
    each task reserves `num_cpus` CPUs and is retried up to `max_retries` times when its
    worker process or node dies.
    """

    executor: str = "pool"
    max_workers: int | None = None
    address: str = "auto"
    num_cpus: float = 1.0
    max_retries: int = 3

    def __post_init__(self) -> None:
        check_choice("executor", self.executor, EXECUTORS)
        workers = self.max_workers
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)):
            raise ConfigError(f"`max_workers` must be an int >= 1 or None, was {workers!r}")
        if workers is not None and workers < 1:
            raise ConfigError(f"`max_workers` must be an int >= 1 or None, was {workers!r}")
        if workers is not None and self.executor != "pool":
            raise ConfigError(
                f"`max_workers` sizes the local pool; executor {self.executor!r} ignores it: "
                "remove it (a Ray cluster runs as many tasks as it has CPUs for)"
            )
        number = isinstance(self.num_cpus, int | float) and not isinstance(self.num_cpus, bool)
        if not number or not math.isfinite(self.num_cpus) or self.num_cpus <= 0:
            raise ConfigError(f"`num_cpus` must be a number > 0, was {self.num_cpus!r}")
        retries = self.max_retries
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ConfigError(f"`max_retries` must be an int >= 0, was {retries!r}")
        if not self.address:
            raise ConfigError("`address` must name a Ray cluster: 'auto', 'ray://host:port', ...")


def choose_where(
    sweep: SweepConfig | None,
    executor: Executor | None,
    max_workers: int | None,
    default_workers: int,
) -> SweepConfig | Executor:
    """Where a sweep runs from its `sweep`, `executor` and `max_workers` arguments.

    `sweep` says it in full; an `executor` (any `concurrent.futures.Executor`) is used as
    given; otherwise a local pool of `max_workers` (default `default_workers`), or this
    process when that is 1.
    """
    if sweep is not None and (executor is not None or max_workers is not None):
        raise ConfigError(
            "pass either `sweep` (a SweepConfig) or `executor`/`max_workers`, not both: "
            f"`sweep` {sweep!r} already says where the tasks run"
        )
    if sweep is not None:
        return sweep
    if executor is not None:
        return executor
    workers = max_workers or default_workers
    return SweepConfig(executor="process") if workers == 1 else SweepConfig(max_workers=workers)
