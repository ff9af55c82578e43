"""Bars and deals around both DST changes of a year carry the right UTC times in Nautilus.

The simulated server runs Eastern European time (``server_timezone="Europe/Athens"``: UTC+2
in winter, UTC+3 in summer, changing at 01:00 UTC on the last Sundays of March and
October). Its rates and deals are stamped in that wall clock; the adapter's parsing turns
them back into UTC with the same rules. A fixed offset gets one side of each change wrong
by an hour, which the last test shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.adapters.metatrader5 import parsing
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.server_time import ServerTime
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from nautilus_rl_lab.nt.model import AccountId, BarType, Currency
from tests.mt5.conftest import wave_frame, weekday_hours

ZONE = "Europe/Athens"
BAR_TYPE = BarType.from_str("EURUSD.MT5-1-HOUR-BID-EXTERNAL")
#: Thursday before each change; the bars run to the Tuesday after (FX weekend left out).
WEEKS = {"spring": "2024-03-28", "autumn": "2024-10-24"}


def _terminal(start: str, **config) -> tuple[Mt5TerminalSimulator, pd.DataFrame]:
    frame = wave_frame(72)
    frame = frame.set_axis(weekday_hours(72, pd.Timestamp(start, tz="UTC")))
    sim = Mt5TerminalSimulator(frame, config=Mt5SimulatorConfig(warmup_bars=2, **config))
    assert sim.initialize()
    sim.symbol_select("EURUSD", True)
    return sim, frame


def _buy(sim: Mt5TerminalSimulator) -> int:
    result = sim.order_send(
        {
            "action": mt5c.TRADE_ACTION_DEAL,
            "symbol": "EURUSD",
            "volume": 0.1,
            "type": mt5c.ORDER_TYPE_BUY,
            "type_filling": mt5c.ORDER_FILLING_FOK,
        }
    )
    assert result.retcode == mt5c.TRADE_RETCODE_DONE, result
    return result.order


@pytest.mark.parametrize("week", WEEKS)
def test_bars_across_a_dst_change_get_their_utc_close_times(week: str) -> None:
    sim, frame = _terminal(WEEKS[week], server_timezone=ZONE)
    sim.advance_to(frame.index[-1] + pd.Timedelta(hours=2))
    rates = sim.copy_rates_range("EURUSD", mt5c.TIMEFRAME_H1, 0, 2**31 - 1)
    opens_utc = frame.index[: len(rates)]
    shifts_h = (rates["time"] - opens_utc.asi8 // 10**9) // 3600
    assert set(shifts_h) == {2, 3}  # the server clock moved by an hour in the weekend

    instrument = parsing.symbol_info_to_instrument(sim.symbol_info("EURUSD"), ts_init=0)
    bars = parsing.rates_to_bars(rates, BAR_TYPE, instrument, 0, ServerTime(timezone=ZONE))
    closes_utc = (opens_utc + pd.Timedelta(hours=1)).asi8
    assert [b.ts_event for b in bars] == list(closes_utc)
    assert np.allclose([float(b.close) for b in bars], frame["close"].iloc[: len(bars)])


@pytest.mark.parametrize("week", WEEKS)
def test_deals_before_and_after_a_dst_change_get_their_utc_times(week: str) -> None:
    sim, frame = _terminal(WEEKS[week], server_timezone=ZONE)
    friday, monday = (
        frame.index[frame.index.dayofweek == 4][5],
        frame.index[frame.index.dayofweek == 0][5],
    )
    expected_ns = []
    for when in (friday, monday):
        sim.advance_to(when + pd.Timedelta(minutes=20))
        expected_ns.append(sim.time_msc * 1_000_000)
        _buy(sim)
    deals = [d for d in sim.history_deals_get(0, 2**31 - 1) if d.volume]
    instrument = parsing.symbol_info_to_instrument(sim.symbol_info("EURUSD"), ts_init=0)
    reports = [
        parsing.deal_to_fill_report(
            deal,
            instrument,
            AccountId("MT5-1"),
            Currency.from_str("USD"),
            0,
            server_time=ServerTime(timezone=ZONE),
        )
        for deal in deals
    ]
    assert [r.ts_event for r in reports] == expected_ns
    assert (deals[1].time_msc - deals[0].time_msc) != (expected_ns[1] - expected_ns[0]) // 10**6


def test_a_fixed_offset_is_an_hour_wrong_after_the_spring_change() -> None:
    sim, frame = _terminal(WEEKS["spring"], server_timezone=ZONE)
    sim.advance_to(frame.index[-1] + pd.Timedelta(hours=2))
    rates = sim.copy_rates_range("EURUSD", mt5c.TIMEFRAME_H1, 0, 2**31 - 1)
    instrument = parsing.symbol_info_to_instrument(sim.symbol_info("EURUSD"), ts_init=0)
    bars = parsing.rates_to_bars(rates, BAR_TYPE, instrument, 0, 7200)  # winter offset only
    closes_utc = (frame.index[: len(bars)] + pd.Timedelta(hours=1)).asi8
    errors_h = {(b.ts_event - t) // (3600 * 10**9) for b, t in zip(bars, closes_utc, strict=True)}
    assert errors_h == {0, 1}
