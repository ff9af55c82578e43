"""GapFillModel: a stop the bar opens beyond fills at that open (plain backtest, both sides)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from nautilus_rl_lab.agents import BuyAndHoldAgent
from nautilus_rl_lab.errors import DataValidationError
from nautilus_rl_lab.evaluation import market_for, run_backtest
from nautilus_rl_lab.strategies import RiskLimits
from tests.strategies.conftest import ENTRY, path_frame, protected_config


class _ShortAndHold(BuyAndHoldAgent):
    def act(self, observation: np.ndarray) -> Any:
        return self._signals(-1.0)


@pytest.mark.parametrize(
    ("agent", "gap_open", "sides"),
    [
        # long from 1.1 with its 1% stop at 1.0890; the bar opens at 1.0800, below the stop
        (BuyAndHoldAgent(), 1.0800, ["BUY", "SELL"]),
        # short from 1.1 with its 1% stop at 1.1110; the bar opens at 1.1200, above the stop
        (_ShortAndHold(), 1.1200, ["SELL", "BUY"]),
    ],
    ids=["long", "short"],
)
def test_stop_gapped_through_fills_at_the_open_not_at_the_stop(agent, gap_open, sides) -> None:
    config = protected_config(RiskLimits(stop_loss=0.01))
    frame = path_frame((gap_open, gap_open + 0.001, gap_open - 0.001, gap_open))
    run = run_backtest(agent, config, market=market_for(config, frame))
    assert list(run.fills["order_side"]) == sides
    assert float(run.fills.iloc[0]["last_px"]) == pytest.approx(ENTRY)
    assert float(run.fills.iloc[1]["last_px"]) == pytest.approx(gap_open)
    assert run.stats["risk:stop_loss"] == 1


def test_gap_fills_need_four_quote_ticks_per_bar() -> None:
    config = protected_config(RiskLimits(stop_loss=0.01))
    market = market_for(config, path_frame())
    assert len(market.open_tick_timestamps) == len(market.bars)
    broken = dataclasses.replace(market, quotes=market.quotes[:-1])
    with pytest.raises(DataValidationError, match="`quotes`: expected 4 quote ticks per bar"):
        _ = broken.open_tick_timestamps
