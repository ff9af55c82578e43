"""Venue-side stop-loss/take-profit: contingent orders filled inside the bar at their price."""

from __future__ import annotations

import pandas as pd
import pytest

from nautilus_rl_lab.nodes import TrainingNode
from nautilus_rl_lab.strategies import RiskLimits

from .conftest import ENTRY, path_frame, protected_config

LONG = 2


def _always_long(risk: RiskLimits, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    env = TrainingNode(protected_config(risk), frame=frame)
    events: list[dict] = []
    try:
        env.reset()
        done = False
        while not done:
            _, _, terminated, truncated, info = env.step(LONG)
            events += info["risk_events"]
            done = terminated or truncated
        return env.fills(), events
    finally:
        env.close()


@pytest.mark.parametrize(
    ("risk", "bar", "rule", "exit_price"),
    [
        # low 1.0850 crosses the 1% stop (1.1 * 0.99 = 1.0890) mid-bar; the bar closes at 1.0950
        (RiskLimits(stop_loss=0.01), (ENTRY, 1.1010, 1.0850, 1.0950), "stop_loss", ENTRY * 0.99),
        # high 1.13 crosses the 2% take-profit (1.1 * 1.02 = 1.1220); the bar closes at 1.1050
        (
            RiskLimits(take_profit=0.02),
            (ENTRY, 1.1300, 1.0990, 1.1050),
            "take_profit",
            ENTRY * 1.02,
        ),
        # the high (1.12) pulls the 1% trailing stop up to 1.12 * 0.99 = 1.1088; the low hits it
        (
            RiskLimits(stop_loss=0.01, take_profit=0.05, trailing_stop=True),
            (ENTRY, 1.1200, 1.1000, 1.1150),
            "stop_loss",
            1.12 * 0.99,
        ),
    ],
    ids=["stop_loss", "take_profit", "trailing_stop"],
)
def test_protective_order_fills_inside_the_bar_at_its_price(risk, bar, rule, exit_price) -> None:
    fills, events = _always_long(risk, path_frame(bar))
    assert list(fills["order_side"]) == ["BUY", "SELL"]  # entry, then the venue's exit only
    entry, exit_ = fills.iloc[0], fills.iloc[1]
    assert float(entry["last_px"]) == pytest.approx(ENTRY)
    assert float(exit_["last_px"]) == pytest.approx(exit_price, abs=1e-9)
    exit_bar_close = path_frame(bar).index[4] + pd.Timedelta(hours=1)
    assert exit_["ts_event"] < exit_bar_close  # inside the decisive bar, before its close
    assert events[0]["rule"] == rule
    # the agent still wants long: no re-entry on the side just stopped out
    assert {e["rule"] for e in events[1:]} == {"reentry_block"}


def test_stop_and_take_profit_are_one_cancels_other() -> None:
    risk = RiskLimits(stop_loss=0.01, take_profit=0.02)
    fills, _ = _always_long(risk, path_frame((ENTRY, 1.1010, 1.0850, 1.0950)))
    assert len(fills) == 2  # the take-profit was cancelled when the stop filled


def test_protection_at_close_is_the_explicit_alternative() -> None:
    risk = RiskLimits(stop_loss=0.01, protection="close")
    fills, events = _always_long(risk, path_frame((ENTRY, 1.1010, 1.0850, 1.0950)))
    # checked only at decision closes: the bar that crossed 1.0890 closed at 1.0950 (-0.45%),
    # so the close rule never fires; the venue-side stop above does
    assert list(fills["order_side"]) == ["BUY"]
    assert events == []
