"""Sweep tasks as Ray tasks: connect once, share data through the object store, stream results.

Ray is an optional extra (`pip install nautilus_rl_lab[cluster]`), imported only here and
only when a sweep runs on it. The driver stays connected after a sweep (connecting costs
seconds); `ray.shutdown()` disconnects it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.sweeps.config import SweepConfig
from nautilus_rl_lab.sweeps.task import SweepTask, noted

log = logging.getLogger(__name__)


def sweep_task(function: Callable[..., Any], *args: Any) -> Any:
    """What a Ray worker runs (its process title reads `ray::sweep_task` meanwhile)."""
    return function(*args)


@functools.cache
def _remote(ray: Any) -> Any:
    """`sweep_task` as a Ray remote function, made once per process (Ray exports it once)."""
    return ray.remote(sweep_task)


def _ray() -> Any:
    try:
        import ray
    except ImportError as e:
        raise ConfigError(
            "`executor` 'ray' needs Ray: pip install 'nautilus_rl_lab[cluster]'"
        ) from e
    return ray


class RayCluster:
    """The Ray side of a sweep: its connection, its object-store copies and its task loop."""

    def __init__(self, config: SweepConfig) -> None:
        self.config = config
        self._shared: list[Any] = []

    def connect(self) -> Any:
        """The `ray` module, connected to `config.address` (an existing connection is kept)."""
        ray = _ray()
        if not ray.is_initialized():
            log.info("connecting to the Ray cluster at %s", self.config.address)
            ray.init(address=self.config.address, logging_level=logging.WARNING)
        return ray

    def put(self, value: Any) -> Any:
        """`value` copied once into the object store; tasks get it back from the reference."""
        ref = self.connect().put(value)
        self._shared.append(ref)
        return ref

    def release(self) -> None:
        """Drop this sweep's references to shared data (the object store frees them)."""
        self._shared.clear()

    def run(
        self,
        function: Callable[..., Any],
        tasks: Sequence[SweepTask],
        record: Callable[[SweepTask, Any], None],
    ) -> None:
        """Submit every task; `record` each result as it arrives (`ray.wait`); stop at a failure."""
        if not tasks:
            return
        ray = self.connect()
        remote = _remote(ray).options(
            num_cpus=self.config.num_cpus,
            max_retries=self.config.max_retries,
            retry_exceptions=False,
        )
        pending = {remote.remote(function, *task.args): task for task in tasks}
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    task = pending.pop(ref)
                    record(task, noted(task, _get, ray, ref))
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)


def _get(ray: Any, ref: Any) -> Any:
    """The task's result; a task error re-raised as its original exception type."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as e:
        raise e.as_instanceof_cause() from None
