"""Run a sweep's tasks where a `SweepConfig` (or any `Executor`) says; resume from a run folder.

`open_sweep(where)` yields a `Sweep`: `share(value)` makes data every task reads (market
frames) travel once (`ray.put` into Ray's object store; a plain value elsewhere, pickled into
each task that uses it), and `map(function, tasks, results_dir=...)` runs `function(*args)`
for every `SweepTask`, streams the results back under one progress bar and returns them in
task order.

Decisions:

- With `results_dir`, each finished task's result is pickled there by this (the driving)
  process, atomically (`files.atomic_write_bytes`), once, as it arrives; a re-run with the
  same folder loads those and runs only the tasks without a file. A result file is named by
  the task's key and a digest of its `identity` (its configs), so a changed task never
  reuses a stale result.
- A failing task stops the sweep (the others are cancelled); its exception carries a note
  naming the task. On Ray a task whose worker or node dies is retried (`max_retries`); the
  driver records the one result it gets back.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from nautilus_rl_lab.files import atomic_write_bytes
from nautilus_rl_lab.sweeps.config import SweepConfig
from nautilus_rl_lab.sweeps.ray_cluster import RayCluster
from nautilus_rl_lab.sweeps.task import SweepTask, noted

log = logging.getLogger(__name__)


class Sweep:
    """Runs tasks in this process, on a local process pool, a given `Executor` or Ray."""

    def __init__(self, where: SweepConfig | Executor) -> None:
        self.config = where if isinstance(where, SweepConfig) else None
        self._executor = where if isinstance(where, Executor) else None
        self._ray = (
            RayCluster(self.config) if self.config and self.config.executor == "ray" else None
        )

    def share(self, value: Any) -> Any:
        """`value` as every task should receive it: one object-store copy on Ray, else itself."""
        return self._ray.put(value) if self._ray is not None else value

    def map(
        self,
        function: Callable[..., Any],
        tasks: Sequence[SweepTask],
        *,
        results_dir: str | os.PathLike[str] | None = None,
        desc: str = "tasks",
        progress: bool = False,
    ) -> list[Any]:
        """`function(*task.args)` for every task, in task order (loaded from `results_dir` if there)."""
        keys = [task.key for task in tasks]
        if len(set(keys)) != len(keys):
            raise ValueError(f"sweep task keys must be unique, were {keys}")
        folder = Path(results_dir) if results_dir is not None else None
        results: dict[str, Any] = {}
        if folder is not None:
            for task in tasks:
                path = task.result_file(folder)
                if path.is_file():
                    results[task.key] = pickle.loads(path.read_bytes())
            if results:
                log.info("resuming in %s: %d of %d task(s) done", folder, len(results), len(tasks))
        todo = [task for task in tasks if task.key not in results]

        def record(task: SweepTask, result: Any) -> None:
            if folder is not None:
                atomic_write_bytes(task.result_file(folder), pickle.dumps(result))
            results[task.key] = result
            bar.update()

        bar = tqdm(total=len(tasks), initial=len(results), desc=desc, disable=not progress)
        try:
            if self._ray is not None:
                self._ray.run(function, todo, record)
            elif self._executor is not None:
                _run_futures(self._executor, function, todo, record)
            elif self.config is not None and self.config.executor == "pool" and todo:
                workers = self.config.max_workers or min(len(todo), os.cpu_count() or 1)
                context = multiprocessing.get_context("spawn")
                with ProcessPoolExecutor(workers, mp_context=context) as pool:
                    _run_futures(pool, function, todo, record)
            else:
                for task in todo:
                    record(task, noted(task, function, *task.args))
        finally:
            bar.close()
        return [results[task.key] for task in tasks]


def _run_futures(
    pool: Executor,
    function: Callable[..., Any],
    tasks: Sequence[SweepTask],
    record: Callable[[SweepTask, Any], None],
) -> None:
    futures: dict[Future[Any], SweepTask] = {pool.submit(function, *t.args): t for t in tasks}
    try:
        for future in as_completed(futures):
            task = futures[future]
            record(task, noted(task, future.result))
    finally:
        for future in futures:
            future.cancel()


@contextlib.contextmanager
def open_sweep(where: SweepConfig | Executor | None = None) -> Iterator[Sweep]:
    """A `Sweep` on `where` (default `SweepConfig()`, a local pool); shared data freed at exit."""
    sweep = Sweep(where or SweepConfig())
    try:
        yield sweep
    finally:
        if sweep._ray is not None:
            sweep._ray.release()
