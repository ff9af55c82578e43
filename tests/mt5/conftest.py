"""Fixtures for the MT5 terminal tests: crafted bars and a terminal per backend.

`terminal` is a factory parametrised over the backends the adapter can use against the
simulator: ``inprocess`` (the `Mt5TerminalSimulator` itself) and ``rpyc`` (the same
simulator served by `serve()` on 127.0.0.1 with a free port, reached by
`RpycMt5Client`), and ``native`` (`NativeMt5Client`, the wrapper of the real
`MetaTrader5` module, wrapping the simulator in its place). Tests drive the clock through `Terminal.sim` and talk MT5 through
`Terminal.api`, so the same test documents both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.native import NativeMt5Client
from nautilus_rl_lab.mt5.rpyc import RpycMt5Client, ServerHandle, serve
from nautilus_rl_lab.mt5.simulator import Mt5TerminalSimulator, SymbolSpec
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig

START = pd.Timestamp("2024-01-01 00:00", tz="UTC")  # a Monday
BAR = pd.Timedelta(hours=1)


def weekday_hours(n_bars: int, start: pd.Timestamp = START) -> pd.DatetimeIndex:
    """`n_bars` hourly open times, leaving out Friday 22:00 - Sunday 22:00 UTC (FX weekend)."""
    times = pd.date_range(start, periods=n_bars * 2, freq=BAR)
    week_hour = times.dayofweek * 24 + times.hour
    closed = (week_hour >= 4 * 24 + 22) & (week_hour < 6 * 24 + 22)
    return pd.DatetimeIndex(times[~closed][:n_bars], name="timestamp")


def wave_frame(
    n_bars: int = 240,
    *,
    base: float = 1.10,
    amplitude: float = 0.0060,
    period: int = 24,
    wick: float = 0.0003,
) -> pd.DataFrame:
    """Triangle-wave EURUSD-like bid bars: rises for period/2 bars, falls for period/2."""
    k = np.arange(n_bars + 1)
    phase = (k % period) / period
    mid = base + amplitude * (1 - 4 * np.abs(phase - 0.5))
    open_, close = mid[:-1], mid[1:]
    high = np.maximum(open_, close) + wick
    low = np.minimum(open_, close) - wick
    frame = pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": 100.0},
        index=weekday_hours(n_bars),
    )
    return frame.round(5)


DEFAULT_CONFIG: dict[str, Any] = {
    "symbols": ("EURUSD", "USDJPY", "XAUUSD"),
    "warmup_bars": 5,
    "spread_points": 10,
    "balance": 10_000.0,
    "leverage": 100,
    "margin_mode": "netting",
}


@dataclass
class Terminal:
    """The MT5 API under test (`api`) and the simulator behind it (`sim`)."""

    api: Any
    sim: Mt5TerminalSimulator
    backend: str

    def tick(self, symbol: str = "EURUSD") -> Any:
        self.api.symbol_select(symbol, True)
        return self.api.symbol_info_tick(symbol)

    def deal(
        self,
        side: int,
        volume: float,
        symbol: str = "EURUSD",
        **extra: Any,
    ) -> Any:
        request = {
            "action": mt5c.TRADE_ACTION_DEAL,
            "symbol": symbol,
            "volume": volume,
            "type": side,
            "type_filling": mt5c.ORDER_FILLING_FOK
            if symbol != "XAUUSD"
            else mt5c.ORDER_FILLING_IOC,
            "deviation": 10,
            **extra,
        }
        return self.api.order_send(request)

    def pending(
        self, order_type: int, volume: float, price: float, symbol: str = "EURUSD", **extra: Any
    ) -> Any:
        request = {
            "action": mt5c.TRADE_ACTION_PENDING,
            "symbol": symbol,
            "volume": volume,
            "type": order_type,
            "price": price,
            "type_filling": mt5c.ORDER_FILLING_RETURN,
            "type_time": mt5c.ORDER_TIME_GTC,
            **extra,
        }
        return self.api.order_send(request)


@pytest.fixture(params=["inprocess", "rpyc", "native"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def make_terminal(backend: str) -> Iterator[Callable[..., Terminal]]:
    """Factory: ``make_terminal(data=None, **config_overrides) -> Terminal`` (initialised)."""
    handles: list[ServerHandle] = []
    clients: list[RpycMt5Client] = []

    def make(
        data: pd.DataFrame | dict | None = None,
        *,
        initialize: bool = True,
        specs: dict[str, SymbolSpec] | None = None,
        **overrides: Any,
    ) -> Terminal:
        config = Mt5SimulatorConfig(**{**DEFAULT_CONFIG, **overrides})
        sim = Mt5TerminalSimulator(
            wave_frame() if data is None else data, config=config, specs=specs
        )
        api: Any = sim
        if backend == "native":
            api = NativeMt5Client(module=sim)
        elif backend == "rpyc":
            handle = serve(sim, "127.0.0.1", 0)
            handles.append(handle)
            api = RpycMt5Client(
                "127.0.0.1", handle.port, timeout_s=5.0, backoff_s=0.01, backoff_max_s=0.05
            )
            clients.append(api)
        if initialize:
            assert api.initialize() is True, api.last_error()
        return Terminal(api=api, sim=sim, backend=backend)

    yield make
    for client in clients:
        client.close()
    for handle in handles:
        handle.stop()


@pytest.fixture
def terminal(make_terminal: Callable[..., Terminal]) -> Terminal:
    """A netting EURUSD/USDJPY/XAUUSD terminal on `wave_frame()` data, initialised."""
    return make_terminal()


@pytest.fixture
def hedging(make_terminal: Callable[..., Terminal]) -> Terminal:
    """Like `terminal` on a hedging account."""
    return make_terminal(margin_mode="hedging")
