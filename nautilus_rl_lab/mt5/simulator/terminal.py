"""`Mt5TerminalSimulator`: a stateful MetaTrader 5 terminal implementing `Mt5Client`.

It behaves like ``import MetaTrader5 as mt5`` connected to a demo account: call
`initialize()` first (every other call fails with ``(-10004, "No IPC connection")``
before it and after `shutdown()`), a failing call returns None (False for the boolean
calls) and sets `last_error()`, a successful one resets it to ``(1, "Success")``.

Market data replay (see `market`): bars become four ticks each; `copy_rates_*` return the
completed bars and, as MT5 does, the bar in progress (index 0 of `copy_rates_from_pos`),
built from the ticks replayed so far — clients that act on closed bars drop any bar whose
``time + timeframe`` is after the current tick. Timeframes finer than the data fail
naming the data to load. `copy_ticks_*` return ticks up to the clock. The first symbol
is in Market Watch from the start; the others need `symbol_select(symbol, True)` before
`symbol_info_tick`. `default_terminal()` is the drop-in module's terminal.

The clock (`clock.ReplayClock`) only moves when told to: `advance(n_ticks)`, `advance_bars(n)`,
`advance_to(time)`, or `start_replay(speed)` which runs it in real time times `speed` on a
background thread until `stop_replay()`. One lock serialises every call, so the terminal
can be shared between threads (and served over RPyC).

Other simulator controls (not part of the MT5 API): `inject(fault, count)` /
`clear_faults()` (see `faults`), `deposit(amount)`, `now`, `is_market_open(symbol)`,
`data_ended`, `account` (the bookkeeping object; read-only use).

Split by job: `api` and `trading_api` (the MT5 API), `controls` (the simulator controls)
and `loading` (bars from `data_path` through `data.source`, synthetic walks for the rest);
this module builds the terminal from them.

Dates given to the MT5 API are server time (`server_time.ServerTime`: UTC + `server_offset_s`,
or the rules of `server_timezone`, DST included); dates given to the clock controls are UTC.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Final

import pandas as pd

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.server_time import ServerTime
from nautilus_rl_lab.mt5.simulator.account import Account
from nautilus_rl_lab.mt5.simulator.clock import ReplayClock
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.controls import SimulatorControls
from nautilus_rl_lab.mt5.simulator.faults import FaultInjector
from nautilus_rl_lab.mt5.simulator.loading import load_market
from nautilus_rl_lab.mt5.simulator.market import MarketData
from nautilus_rl_lab.mt5.simulator.matching import TradeEngine
from nautilus_rl_lab.mt5.simulator.profiles import broker_profile
from nautilus_rl_lab.mt5.simulator.symbols import SymbolSpec
from nautilus_rl_lab.mt5.simulator.trading_api import TradingApi

#: The majors of the `MetaTrader5` documentation's examples: the drop-in default's symbols.
DROP_IN_SYMBOLS: Final = ("EURUSD", "GBPUSD", "USDJPY", "USDCHF", "AUDUSD", "USDCAD", "NZDUSD")
#: Completed bars the drop-in default terminal starts with (the examples ask for 100 and more).
DROP_IN_WARMUP_BARS: Final = 1_000


class Mt5TerminalSimulator(TradingApi, SimulatorControls):
    """A simulated MetaTrader 5 terminal and trade server (see the module docstring).

    Parameters
    ----------
    data : DataFrame or mapping of symbol to DataFrame, optional
        Bars to replay (columns open/high/low/close[/volume], UTC index of bar open
        times, prices are bids). A single frame is for the first configured symbol.
        Symbols without data get a seeded synthetic walk on the first frame's times.
        Without data, every symbol replays `config.synthetic_bars` synthetic bars.
    config : Mt5SimulatorConfig, optional
        Account, spreads, replay and fault options.
    specs : mapping of symbol to SymbolSpec, optional
        Symbol specifications adding to / replacing `DEFAULT_SYMBOL_SPECS`.
    """

    def __init__(
        self,
        data: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
        *,
        config: Mt5SimulatorConfig | None = None,
        specs: Mapping[str, SymbolSpec] | None = None,
    ) -> None:
        self.config = config = config or Mt5SimulatorConfig()
        self._specs, feeds, start_ms = load_market(data, config, specs)
        self._time = ServerTime(config.server_offset_s, config.server_timezone)
        self._primary = next(iter(self._specs))
        self._market = MarketData(feeds)
        self._lock = threading.RLock()
        self._clock = ReplayClock(
            self._market,
            lock=self._lock,
            start_ms=start_ms,
            primary=self._primary,
            gap_pause_s=config.gap_pause_s,
        )
        self._initialized = False
        self._last_error = (
            mt5c.RES_S_OK,
            mt5c.last_error_description(mt5c.RES_S_OK),
        )
        self._selected = {self._primary}  # a fresh terminal's chart symbol
        self._books = set()
        self._faults = FaultInjector(config.faults, config.fault_rates, seed=config.seed)
        margin_mode = (
            mt5c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING
            if config.margin_mode == "hedging"
            else mt5c.ACCOUNT_MARGIN_MODE_RETAIL_NETTING
        )
        self.account = Account(
            login=config.login,
            balance=0.0,
            leverage=config.leverage,
            currency=config.currency,
            margin_mode=margin_mode,
            specs=self._specs,
            quote=self._quote,
            name=config.name,
            server=config.server,
            company=config.company,
            commission_per_lot=config.commission_per_lot,
        )
        self._engine = TradeEngine(
            self.account,
            quote=self._quote,
            market_open=self._clock.is_open,
            faults=self._faults,
            server_time=self._time,
            pending_fill_lots=config.pending_fill_lots,
        )
        self._clock.on_tick = self._engine.on_tick
        self._clock.advance_to_ms(start_ms)
        if config.balance:
            self.account.deposit(config.balance, start_ms)

    @classmethod
    def from_config(cls, config: Mt5SimulatorConfig | None = None) -> Mt5TerminalSimulator:
        """Build the simulator from config (the constructor loads `config.data_path`)."""
        return cls(config=config)

    @classmethod
    def from_profile(
        cls,
        profile: str,
        data: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
        **overrides: Any,
    ) -> Mt5TerminalSimulator:
        """Build the simulator of broker `profile` (see `profiles`); `overrides` are
        `Mt5SimulatorConfig` fields that win over the profile's."""
        broker = broker_profile(profile)
        config = broker.simulator_config(**overrides)
        return cls(data, config=config, specs=broker.specs(config.symbols))


def default_terminal() -> Mt5TerminalSimulator:
    """The drop-in module's default terminal: `Mt5SimulatorConfig()` but for the majors of
    `DROP_IN_SYMBOLS` and `DROP_IN_WARMUP_BARS` bars of history."""
    config = Mt5SimulatorConfig(symbols=DROP_IN_SYMBOLS, warmup_bars=DROP_IN_WARMUP_BARS)
    return Mt5TerminalSimulator.from_config(config)
