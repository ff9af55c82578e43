"""`IoWorker`: runs blocking I/O (webhooks, files, the run store) on a thread of its own.

The node's event loop only enqueues: `submit` never waits. The queue is bounded; a job that
finds it full is dropped and counted (`dropped`), and `on_overflow` is told once per overflow
episode (re-armed when the queue has drained), so the caller can raise an alert without one
per dropped job. Jobs run one after another in submission order; a job that raises is logged
and the next one runs. `close(timeout_s)` lets the queue drain until a deadline, then gives
up on what is left (reported by its return value), so a stop never hangs on a slow endpoint.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

Job = Callable[[], None]


class IoWorker:
    """One daemon thread and a bounded queue of jobs (drop-and-count when full)."""

    def __init__(
        self,
        name: str,
        capacity: int = 1000,
        on_overflow: Callable[[str, int], None] | None = None,
    ) -> None:
        self.name = name
        self.dropped = 0
        self._queue: queue.Queue[Job | None] = queue.Queue(maxsize=capacity)
        self._on_overflow = on_overflow
        self._overflowing = False
        self._thread = threading.Thread(target=self._run, name=f"nrl-io-{name}", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> bool:
        """Enqueue `job` without waiting; False (dropped and counted) when the queue is full."""
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            self.dropped += 1
            if not self._overflowing:
                self._overflowing = True
                if self._on_overflow is not None:
                    self._on_overflow(self.name, self.dropped)
            return False
        if self._overflowing and self._queue.qsize() <= self._queue.maxsize // 2:
            self._overflowing = False
        return True

    @property
    def pending(self) -> int:
        """Jobs waiting (not counting the one running)."""
        return self._queue.qsize()

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                job()
            except Exception:  # a failing job must not end the worker
                logger.exception("I/O job on %s failed", self.name)
            finally:
                self._queue.task_done()

    def close(self, timeout_s: float) -> bool:
        """Let the queued jobs run until `timeout_s` passed; True if all of them ran."""
        deadline = time.monotonic() + timeout_s
        while self._thread.is_alive():
            try:
                self._queue.put(None, timeout=max(0.0, deadline - time.monotonic()))
                break
            except queue.Full:
                if time.monotonic() >= deadline:
                    break
        self._thread.join(max(0.0, deadline - time.monotonic()))
        if self._thread.is_alive():
            logger.error(
                "%s: %d I/O jobs left undone at the stop deadline", self.name, self.pending
            )
            return False
        return True
