"""Waiting on a live node that runs on a background thread.

`LiveNode` (`nodes.live_nt2`) runs its node off the caller's thread; this is how a caller waits
for a state and runs for a while.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["BackgroundRun"]


class BackgroundRun:
    """`wait_until` and `run_for` over a node's `start()` / `stop()` and `_run_ended()`."""

    def start(self, timeout_secs: float | None = None) -> None:
        raise NotImplementedError

    def stop(self, timeout_secs: float = 30.0) -> None:
        raise NotImplementedError

    def _run_ended(self) -> bool:
        """Whether a started run has ended (nothing more will change)."""
        raise NotImplementedError

    def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout_secs: float,
        poll_secs: float = 0.02,
    ) -> bool:
        """Poll `predicate` until true or `timeout_secs` passed; return the last value."""
        deadline = time.monotonic() + timeout_secs
        while True:
            if predicate():
                return True
            if time.monotonic() >= deadline or self._run_ended():
                return bool(predicate())
            time.sleep(poll_secs)

    def run_for(self, seconds: float, until: Callable[[Any], bool] | None = None) -> None:
        """Start, run for `seconds` (or until `until(node)` is true), then stop."""
        self.start()
        try:
            self.wait_until(lambda: until is not None and until(self), timeout_secs=seconds)
        finally:
            self.stop()
