"""The simulator's clock: it replays the market's ticks up to a time, on demand or in real time.

The clock only moves when told to: `advance(n_ticks)`, `advance_bars(n)`, `advance_to(time)`
(all UTC), or `start_replay(speed)`, which runs it at `speed` x real time on a background
thread until `stop_replay()`. Every tick a symbol receives on the way is handed to
`on_tick(symbol, time_ms)` (the trade engine's matching) under the terminal's lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5.simulator.market import MarketData
from nautilus_rl_lab.validation import check_positive

logger = logging.getLogger(__name__)


def _check_steps(name: str, value: Any) -> int:
    """A clock control's count: an int >= 0, else `ConfigError` naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ConfigError(f"`{name}` must be an int >= 0, was {value!r}")
    return int(value)


class ReplayClock:
    """Time of the simulated terminal (UTC ms) and the ticks each symbol has received.

    Parameters
    ----------
    market : MarketData
        The replayed ticks.
    lock : threading.RLock
        The terminal's lock (every move of the clock holds it).
    start_ms : int
        The clock starts just before this time; `advance_to_ms(start_ms)` opens the session.
    primary : str
        Symbol whose bars `advance_bars` counts by default.
    gap_pause_s : float
        Real-time replay: wall seconds the market stays closed in a data gap (weekend).
    """

    def __init__(
        self,
        market: MarketData,
        *,
        lock: threading.RLock,
        start_ms: int,
        primary: str,
        gap_pause_s: float = 0.5,
    ) -> None:
        self.market = market
        self.lock = lock
        self.primary = primary
        self.gap_pause_s = gap_pause_s
        self.now_ms = start_ms - 1
        self.tick_counts = dict.fromkeys(market.feeds, 0)
        self.on_tick: Callable[[str, int], None] = lambda symbol, time_ms: None
        self._replay_thread: threading.Thread | None = None
        self._replay_stop = threading.Event()

    def is_open(self, symbol: str) -> bool:
        """Whether `symbol`'s market is open at the clock."""
        return self.market.feeds[symbol].is_open(self.now_ms)

    def advance_to_ms(self, target_ms: int) -> int:
        """Process every tick up to `target_ms` and move the clock there; return the count."""
        timeline = self.market.timeline
        first = int(np.searchsorted(timeline, self.now_ms, side="right"))
        last = int(np.searchsorted(timeline, target_ms, side="right"))
        for t in timeline[first:last]:
            now = int(t)
            self.now_ms = now
            for symbol, feed in self.market.feeds.items():
                count = feed.tick_count(now)
                if count != self.tick_counts[symbol]:
                    self.tick_counts[symbol] = count
                    self.on_tick(symbol, now)
        self.now_ms = max(self.now_ms, int(target_ms))
        return last - first

    def advance(self, n_ticks: int = 1) -> int:
        """Move the clock to the `n_ticks`-th next tick (0: stay); return the ticks processed."""
        n_ticks = _check_steps("n_ticks", n_ticks)
        with self.lock:
            target = self.market.nth_tick_ms(self.now_ms, n_ticks) if n_ticks else None
            return 0 if target is None else self.advance_to_ms(target)

    def advance_to(self, when: datetime | pd.Timestamp | float) -> int:
        """Move the clock to `when` (UTC; naive = UTC), processing every tick on the way."""
        if isinstance(when, int | float):
            target = round(when * 1000)
        else:
            stamp = pd.Timestamp(when)
            stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
            target = stamp.value // 1_000_000
        with self.lock:
            if target < self.now_ms:
                raise ConfigError(
                    f"`advance_to` cannot go back in time (now {self.now_ms} ms, asked {when})"
                )
            return self.advance_to_ms(target)

    def advance_bars(self, n: int = 1, symbol: str | None = None) -> int:
        """Move the clock to the open tick of the `n`-th next bar of `symbol` (default: first)."""
        if not _check_steps("n", n):
            return 0
        with self.lock:
            feed = self.market.feeds[symbol or self.primary]
            idx = int(np.searchsorted(feed.bar_times_s * 1000, self.now_ms, side="right"))
            target_idx = min(idx + int(n) - 1, len(feed.bar_times_s) - 1)
            if idx >= len(feed.bar_times_s):
                return self.advance_to_ms(self.market.end_ms())
            return self.advance_to_ms(int(feed.bar_times_s[target_idx]) * 1000)

    @property
    def replaying(self) -> bool:
        return self._replay_thread is not None and self._replay_thread.is_alive()

    def start_replay(
        self, speed: float = 1.0, *, gap_pause_s: float | None = None, step_s: float = 0.02
    ) -> None:
        """Run the clock at `speed` x real time on a background thread.

        In a data gap with every market closed (weekend), the clock jumps to the next tick
        after `gap_pause_s` wall seconds (`self.gap_pause_s` by default).
        """
        check_positive("speed", speed)
        if self.replaying:
            raise ConfigError("the replay is already running; call `stop_replay()` first")
        pause = self.gap_pause_s if gap_pause_s is None else gap_pause_s
        self._replay_stop.clear()
        self._replay_thread = threading.Thread(
            target=self._replay_loop,
            args=(float(speed), float(pause), float(step_s)),
            name="mt5-sim-replay",
            daemon=True,
        )
        self._replay_thread.start()
        logger.info("MT5 simulator replay started at %.1fx", speed)

    def stop_replay(self, timeout: float = 5.0) -> None:
        """Stop the replay thread (no-op if not running)."""
        thread = self._replay_thread
        self._replay_stop.set()
        if thread is not None:
            thread.join(timeout)
        self._replay_thread = None

    def _replay_loop(self, speed: float, gap_pause_s: float, step_s: float) -> None:
        last = time.monotonic()
        closed_since: float | None = None
        while not self._replay_stop.wait(step_s):
            wall = time.monotonic()
            elapsed, last = wall - last, wall
            with self.lock:
                nxt = self.market.next_tick_ms(self.now_ms)
                if nxt is None:
                    logger.info("MT5 simulator replay reached the end of the data")
                    return
                target = self.now_ms + int(elapsed * speed * 1000)
                if any(self.is_open(s) for s in self.market.feeds):
                    closed_since = None
                else:
                    closed_since = wall if closed_since is None else closed_since
                    if wall - closed_since >= gap_pause_s:
                        target = max(target, nxt)
                        closed_since = None
                self.advance_to_ms(target)
