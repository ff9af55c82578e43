"""`ReplayClock`: ticks reach the matching in time order; counts are checked."""

from __future__ import annotations

import threading

import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5.simulator.clock import ReplayClock
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.market import MarketData, SymbolFeed, synthetic_ohlcv
from nautilus_rl_lab.mt5.simulator.symbols import DEFAULT_SYMBOL_SPECS
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from tests.mt5.conftest import wave_frame


def _clock() -> tuple[ReplayClock, MarketData]:
    feeds = {
        name: SymbolFeed.from_frame(
            DEFAULT_SYMBOL_SPECS[name], synthetic_ohlcv(20, base_price=base, seed=1)
        )
        for name, base in (("EURUSD", 1.1), ("USDJPY", 150.0))
    }
    market = MarketData(feeds)
    start = int(market.timeline[0])
    return ReplayClock(market, lock=threading.RLock(), start_ms=start, primary="EURUSD"), market


def test_every_tick_reaches_on_tick_once_in_time_order() -> None:
    clock, market = _clock()
    seen: list[tuple[str, int]] = []
    clock.on_tick = lambda symbol, time_ms: seen.append((symbol, time_ms))
    processed = clock.advance_to_ms(int(market.timeline[9]))
    assert processed == 10
    assert [t for _, t in seen] == sorted(t for _, t in seen)
    assert {s for s, _ in seen} == {"EURUSD", "USDJPY"}
    assert clock.now_ms == int(market.timeline[9])
    assert clock.advance(0) == 0 and clock.now_ms == int(market.timeline[9])


def test_the_clock_never_goes_back() -> None:
    clock, market = _clock()
    clock.advance(5)
    with pytest.raises(ConfigError, match="back in time"):
        clock.advance_to(int(market.timeline[0]) / 1000)


def test_in_process_clock_controls_refuse_negative_counts() -> None:
    sim = Mt5TerminalSimulator(wave_frame(), config=Mt5SimulatorConfig(warmup_bars=5))
    before = sim.time_msc
    for control in (sim.advance, sim.advance_bars):
        with pytest.raises(ConfigError, match="must be an int >= 0"):
            control(-1)
        with pytest.raises(ConfigError):
            control(1.5)
    assert sim.time_msc == before
    assert sim.advance(0) == 0 and sim.advance_bars(0) == 0 and sim.time_msc == before
