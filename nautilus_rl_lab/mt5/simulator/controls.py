"""`SimulatorControls`: what a test or notebook does to the simulated terminal beyond the MT5 API.

The clock (`advance`, `advance_bars`, `advance_to`, real-time `start_replay`/`stop_replay`,
see `clock`), faults (`inject`/`clear_faults`, see `faults`), `deposit`, and read-only views
(`now`, `time_msc`, `symbols`, `specs`, `data_ended`, `is_market_open`). Each takes the
terminal's lock, as the MT5 API calls do.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pandas as pd

from nautilus_rl_lab.mt5.simulator.account import Account
from nautilus_rl_lab.mt5.simulator.clock import ReplayClock
from nautilus_rl_lab.mt5.simulator.faults import FaultInjector
from nautilus_rl_lab.mt5.simulator.market import MarketData
from nautilus_rl_lab.mt5.simulator.symbols import SymbolSpec
from nautilus_rl_lab.mt5.structures import TradeDeal


class SimulatorControls:
    """The simulator's controls; `Mt5TerminalSimulator` sets the state they act on."""

    account: Account
    _lock: threading.RLock
    _clock: ReplayClock
    _market: MarketData
    _faults: FaultInjector
    _specs: dict[str, SymbolSpec]
    _primary: str

    @property
    def now(self) -> datetime:
        """The clock, UTC."""
        with self._lock:
            return datetime.fromtimestamp(self._clock.now_ms / 1000, tz=UTC)

    @property
    def time_msc(self) -> int:
        """The clock in UTC milliseconds."""
        with self._lock:
            return self._clock.now_ms

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self._specs)

    @property
    def specs(self) -> dict[str, SymbolSpec]:
        return dict(self._specs)

    @property
    def data_ended(self) -> bool:
        """Whether the clock is past the last bar of every symbol."""
        with self._lock:
            return self._clock.now_ms >= self._market.end_ms()

    def is_market_open(self, symbol: str | None = None) -> bool:
        with self._lock:
            return self._clock.is_open(symbol or self._primary)

    def advance(self, n_ticks: int = 1) -> int:
        """Move the clock to the `n_ticks`-th next tick (0: stay); return the ticks processed."""
        return self._clock.advance(n_ticks)

    def advance_to(self, when: datetime | pd.Timestamp | float) -> int:
        """Move the clock to `when` (UTC; naive = UTC), processing every tick on the way."""
        return self._clock.advance_to(when)

    def advance_bars(self, n: int = 1, symbol: str | None = None) -> int:
        """Move the clock to the open tick of the `n`-th next bar of `symbol` (default: first)."""
        return self._clock.advance_bars(n, symbol)

    def inject(self, fault: str, count: int | None = 1) -> None:
        """Arm `fault` for the next `count` occasions (None: until `clear_faults`)."""
        with self._lock:
            self._faults.inject(fault, count)

    def clear_faults(self, fault: str | None = None) -> None:
        """Disarm `fault` (all when None)."""
        with self._lock:
            self._faults.clear(fault)

    def armed_faults(self) -> dict[str, int | None]:
        with self._lock:
            return self._faults.armed()

    def deposit(self, amount: float, comment: str = "Deposit") -> TradeDeal:
        """Book a balance deal (a withdrawal when negative)."""
        with self._lock:
            return self.account.deposit(amount, self._clock.now_ms, comment)

    # --- real-time replay (see `clock`) ----------------------------------------------
    @property
    def replaying(self) -> bool:
        return self._clock.replaying

    def start_replay(
        self, speed: float = 1.0, *, gap_pause_s: float | None = None, step_s: float = 0.02
    ) -> None:
        """Run the clock at `speed` x real time on a background thread (see `clock`)."""
        self._clock.start_replay(speed, gap_pause_s=gap_pause_s, step_s=step_s)

    def stop_replay(self, timeout: float = 5.0) -> None:
        """Stop the replay thread (no-op if not running)."""
        self._clock.stop_replay(timeout)

    def close(self) -> None:
        """Stop the replay; the terminal stays usable with explicit advances."""
        self.stop_replay()
