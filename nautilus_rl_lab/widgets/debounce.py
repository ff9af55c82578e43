"""`Debouncer`: run an action once after a burst of calls, so a dragged slider costs one run.

Each call restarts a `delay`-second timer; when it fires, the action runs on the timer's
thread, one run at a time. Calls that arrive while a run is going start a new timer, so the
last values always get a run and intermediate ones are dropped. `wait()` blocks until no
timer is pending and no run is going (tests and notebook cells that need the result use it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Debouncer:
    """Calls `action()` once, `delay` seconds after the last call of a burst, off the caller's thread."""

    def __init__(
        self,
        action: Callable[[], object],
        delay: float = 0.3,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self.action = action
        self.delay = delay
        self.on_error = on_error
        self.runs = 0
        self._timer: threading.Timer | None = None
        self._state = threading.Lock()
        self._running = threading.Lock()

    def __call__(self) -> None:
        """Schedule a run `delay` seconds from now, replacing any pending one."""
        with self._state:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.delay, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        with self._running:
            try:
                self.action()
            except Exception as e:
                if self.on_error is None:
                    raise
                self.on_error(e)
            finally:
                self.runs += 1

    def wait(self, timeout: float = 60.0) -> None:
        """Block until no run is pending or going (at most `timeout` seconds per timer)."""
        while True:
            with self._state:
                timer = self._timer
            if timer is None:
                return
            timer.join(timeout)
            with self._state:
                if self._timer is timer:
                    self._timer = None
                    return
