"""Commissions summed from the fills (our state) equal the commissions Nautilus booked, step by step."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from nautilus_rl_lab.data.instruments import InstrumentSpec
from nautilus_rl_lab.nodes.training import TrainingNode
from nautilus_rl_lab.nt.model import Currency, Money, OrderFilled, Venue
from nautilus_rl_lab.strategies.valuation import total, valuation_currency
from tests.strategies.test_valuation import EQUITY, _frame, _node, _venue

FX = InstrumentSpec(max_quantity=None)
SHORTS = {"name": "target_position", "params": {"trade_size": 10_000}}
LONG_ONLY = {"name": "target_position", "params": {"trade_size": 100, "allow_short": False}}
FX_LONG_ONLY = {"name": "target_position", "params": {"trade_size": 10_000, "allow_short": False}}
SWINGS = [2, 2, 0, 0, 1, 2, 0, 1, 2, 2]  # long, short, flat ... (target_position with shorts)
CASH_SWINGS = [1, 1, 0, 1, 0, 0, 1, 1, 0, 1]  # long, flat ... (long-only)

CASES = {
    "margin_usd_eurusd": (_venue("MARGIN", ["100000 USD"], "USD", default_leverage=30.0), FX,
                          SHORTS, 1.10, 0.001, 0.0002, SWINGS),
    "margin_multi_currency": (_venue("MARGIN", ["100000 USD"], None, default_leverage=30.0), FX,
                              SHORTS, 1.10, 0.001, 0.0002, SWINGS),
    "cash_equity": (_venue("CASH", ["100000 USD"], "USD"), EQUITY, LONG_ONLY, 50.0, 0.5, 0.02,
                    CASH_SWINGS),
    "cash_multi_currency_fx": (_venue("CASH", ["100000 USD"], None), FX, FX_LONG_ONLY, 1.10,
                               0.001, 0.0002, CASH_SWINGS),
}  # fmt: skip


def _nautilus_commissions(env: TrainingNode, venue: Venue) -> float:
    """The commissions Nautilus booked, in the valuation currency: NautilusTrader 2's accounts
    keep no totals, so the fills' own (read through the strategy: the engine is borrowed between
    steps), for cases that need no conversion."""
    cache = env.strategy.cache
    account = env.strategy.portfolio.account(venue)
    currency: Currency = valuation_currency(account, env.market.instrument)
    fills = [
        event
        for order in cache.orders()
        for event in order.events()
        if isinstance(event, OrderFilled)
    ]
    assert all(fill.commission.currency == currency for fill in fills)
    booked = sum((fill.commission.as_decimal() for fill in fills), Decimal(0))
    return total(cache, venue, [Money(booked, currency)], currency)  # as an account sums


@pytest.mark.parametrize("case", sorted(CASES))
def test_state_commissions_from_the_fills_equal_the_accounts_at_every_step(case: str) -> None:
    venue_config, instrument, action, first, slope, spread, actions = CASES[case]
    closes: Any = first + slope * np.array([0, 1, 2, 1, 0, -1, -2, -1, 0, 1, 2, 1, 0, -1])
    env = TrainingNode(_node(venue_config, instrument, action, spread), frame=_frame(closes))
    venue = Venue("SIM")
    try:
        _, info = env.reset()
        infos = [info]
        for step_action in actions:
            info = env.step(step_action)[-1]
            assert info["commissions"] == _nautilus_commissions(env, venue)
            infos.append(info)
        assert infos[-1]["commissions"] > 0
        assert infos[-1]["trades"] >= 4
    finally:
        env.close()
