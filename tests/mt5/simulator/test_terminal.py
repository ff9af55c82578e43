"""Simulator controls outside the MT5 API: clock, replay thread, data, stop-out, deposits."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.simulator import Mt5TerminalSimulator, synthetic_ohlcv
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig
from tests.mt5.conftest import wave_frame


def make(**overrides) -> Mt5TerminalSimulator:
    sim = Mt5TerminalSimulator(
        wave_frame(), config=Mt5SimulatorConfig(**{"warmup_bars": 5, **overrides})
    )
    assert sim.initialize()
    return sim


def test_clock_starts_at_the_bar_after_the_warmup() -> None:
    sim = make()
    assert sim.now == wave_frame().index[5].to_pydatetime()
    # The 5 warm-up bars, then the bar in progress (index 0, as in MT5).
    assert len(sim.copy_rates_from_pos("EURUSD", mt5c.TIMEFRAME_H1, 0, 100)) == 6


def test_advance_moves_by_ticks_bars_or_to_a_time() -> None:
    sim = make()
    start = sim.time_msc
    assert sim.advance(3) == 3 and sim.time_msc == start + 3 * 900_000
    sim.advance_bars(2)
    assert sim.now == wave_frame().index[7].to_pydatetime()
    target = datetime(2024, 1, 2, 12, 30, tzinfo=UTC)
    sim.advance_to(target)
    assert sim.now == target
    with pytest.raises(ConfigError, match="back in time"):
        sim.advance_to(datetime(2024, 1, 1, tzinfo=UTC))


def test_data_end() -> None:
    sim = Mt5TerminalSimulator(synthetic_ohlcv(20), config=Mt5SimulatorConfig(warmup_bars=2))
    sim.advance_bars(100)
    sim.advance(100)
    assert sim.advance(1) == 0
    sim.advance_to(sim.now.timestamp() + 3600)
    assert sim.data_ended


def test_real_time_replay_runs_and_stops() -> None:
    sim = make()
    start = sim.time_msc
    sim.start_replay(speed=36_000, gap_pause_s=0.05)
    with pytest.raises(ConfigError, match="already running"):
        sim.start_replay(1.0)
    time.sleep(0.3)
    sim.stop_replay()
    assert not sim.replaying
    moved = sim.time_msc - start
    assert moved > 3_600_000  # more than one simulated hour in 0.3 s at 10 h/s
    frozen = sim.time_msc
    time.sleep(0.05)
    assert sim.time_msc == frozen


def test_replay_skips_weekend_gaps_after_a_pause() -> None:
    sim = make()
    sim.advance_to(datetime(2024, 1, 6, 0, tzinfo=UTC))  # Saturday: market closed
    sim.start_replay(speed=1.0, gap_pause_s=0.05)
    deadline = time.monotonic() + 3.0
    while not sim.is_market_open() and time.monotonic() < deadline:
        time.sleep(0.01)
    sim.stop_replay()
    assert sim.is_market_open() and sim.now == datetime(2024, 1, 7, 22, tzinfo=UTC)


def test_stop_out_closes_the_losing_position() -> None:
    frame = wave_frame(amplitude=0.02, period=48)
    sim = Mt5TerminalSimulator(
        frame, config=Mt5SimulatorConfig(warmup_bars=24, balance=1_000.0, leverage=500)
    )
    sim.initialize()
    buy = {"action": mt5c.TRADE_ACTION_DEAL, "symbol": "EURUSD", "volume": 3.0, "type": mt5c.ORDER_TYPE_BUY,
           "type_filling": mt5c.ORDER_FILLING_FOK}  # fmt: skip
    assert sim.order_send(buy).retcode == mt5c.TRADE_RETCODE_DONE
    sim.advance_bars(24)  # the wave falls 2% peak to trough
    assert sim.positions_total() == 0
    (close,) = [
        d for d in sim.history_deals_get(0, 4_000_000_000) if d.reason == mt5c.DEAL_REASON_SO
    ]
    assert close.entry == mt5c.DEAL_ENTRY_OUT and close.comment.startswith("[so ")
    assert sim.account_info().balance == pytest.approx(1_000.0 + close.profit)


def test_deposit_books_a_balance_deal() -> None:
    sim = make()
    deal = sim.deposit(500.0)
    assert deal.type == mt5c.DEAL_TYPE_BALANCE and sim.account_info().balance == 10_500.0


def test_commission_is_charged_per_lot_and_deal() -> None:
    sim = make(commission_per_lot=3.5)
    buy = {"action": mt5c.TRADE_ACTION_DEAL, "symbol": "EURUSD", "volume": 2.0, "type": mt5c.ORDER_TYPE_BUY,
           "type_filling": mt5c.ORDER_FILLING_FOK}  # fmt: skip
    result = sim.order_send(buy)
    (deal,) = sim.history_deals_get(ticket=result.order)
    assert deal.commission == -7.0 and sim.account_info().balance == 10_000.0 - 7.0


def test_other_symbols_get_synthetic_data_on_the_same_times() -> None:
    sim = Mt5TerminalSimulator(
        wave_frame(), config=Mt5SimulatorConfig(symbols=("EURUSD", "USDJPY"), warmup_bars=5)
    )
    sim.initialize()
    eur = sim.copy_rates_from_pos("EURUSD", mt5c.TIMEFRAME_H1, 0, 5)
    jpy = sim.copy_rates_from_pos("USDJPY", mt5c.TIMEFRAME_H1, 0, 5)
    assert list(eur["time"]) == list(jpy["time"]) and jpy["close"][-1] > 100


def test_unknown_symbols_need_a_spec() -> None:
    with pytest.raises(ConfigError, match="specs="):
        Mt5TerminalSimulator(config=Mt5SimulatorConfig(symbols=("BTCUSD",)))
    with pytest.raises(ConfigError, match="warmup_bars"):
        Mt5TerminalSimulator(synthetic_ohlcv(10), config=Mt5SimulatorConfig(warmup_bars=10))


def test_sample_data_and_shift_to_now() -> None:
    sim = Mt5TerminalSimulator.from_config(
        Mt5SimulatorConfig(data_path="sample", shift_to_now=True)
    )
    now = datetime.now(UTC)
    assert 0 <= (now - sim.now).total_seconds() < 7 * 86_400
    assert sim.now.weekday() == datetime(2017, 1, 4).weekday()  # whole weeks keep weekdays


def test_config_faults_are_armed_at_start() -> None:
    sim = make(faults={"requote": 1})
    assert sim.armed_faults() == {"requote": 1}


def test_the_first_symbol_is_in_market_watch_at_start() -> None:
    sim = Mt5TerminalSimulator(
        wave_frame(), config=Mt5SimulatorConfig(symbols=("EURUSD", "USDJPY"), warmup_bars=5)
    )
    assert sim.initialize()
    assert sim.symbol_info_tick("EURUSD") is not None
    assert sim.symbol_info("EURUSD").visible and not sim.symbol_info("USDJPY").visible
    assert sim.symbol_info_tick("USDJPY") is None  # others still need symbol_select
    assert sim.last_error()[0] == mt5c.RES_E_NOT_FOUND


def test_a_timeframe_finer_than_the_data_says_which_data_to_load() -> None:
    sim = make()
    assert sim.copy_rates_from_pos("EURUSD", mt5c.TIMEFRAME_M15, 0, 1) is None
    code, description = sim.last_error()
    assert code == mt5c.RES_E_INVALID_PARAMS
    assert "M15" in description and "H1" in description
    assert "data_path" in description and "M15 or finer" in description


def test_minute_data_serves_every_coarser_timeframe() -> None:
    minutes = synthetic_ohlcv(3 * 24 * 60, bar_seconds=60, start="2024-01-01", seed=3)
    sim = Mt5TerminalSimulator(
        minutes, config=Mt5SimulatorConfig(bar_seconds=60, warmup_bars=len(minutes) - 1)
    )
    assert sim.initialize()
    for name in ("M1", "M5", "M15", "M30", "H1", "H4", "D1", "W1", "MN1"):
        rates = sim.copy_rates_from_pos("EURUSD", getattr(mt5c, f"TIMEFRAME_{name}"), 0, 1)
        assert rates is not None and len(rates) == 1, (name, sim.last_error())
        # Index 0 is the bar in progress: its close is the latest tick (the last minute's open).
        assert rates["close"][0] == round(minutes["open"].iloc[-1], 5), name
