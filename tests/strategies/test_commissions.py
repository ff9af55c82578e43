"""Commissions summed from the fills equal Nautilus 1.221's `account.commissions()`, step by step."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from nautilus_rl_lab.data.instruments import InstrumentSpec
from nautilus_rl_lab.nodes.training import TrainingNode
from nautilus_rl_lab.nt.model import Venue
from nautilus_rl_lab.strategies.valuation import total, valuation_currency
from tests.strategies.test_valuation import EQUITY, _frame, _node, _venue

FX = InstrumentSpec(max_quantity=None)
USD_JPY = InstrumentSpec(symbol="USD/JPY", price_precision=3, max_quantity=None)
SHORTS = {"name": "target_position", "params": {"trade_size": 10_000}}
LONG_ONLY = {"name": "target_position", "params": {"trade_size": 100, "allow_short": False}}
FX_LONG_ONLY = {"name": "target_position", "params": {"trade_size": 10_000, "allow_short": False}}
SWINGS = [2, 2, 0, 0, 1, 2, 0, 1, 2, 2]  # long, short, flat ... (target_position with shorts)
CASH_SWINGS = [1, 1, 0, 1, 0, 0, 1, 1, 0, 1]  # long, flat ... (long-only)

CASES = {
    "margin_usd_eurusd": (_venue("MARGIN", ["100000 USD"], "USD", default_leverage=30.0), FX,
                          SHORTS, 1.10, 0.001, 0.0002, SWINGS),
    "margin_usd_usdjpy": (_venue("MARGIN", ["100000 USD"], "USD", default_leverage=30.0), USD_JPY,
                          SHORTS, 110.0, 0.1, 0.02, SWINGS),
    "margin_multi_currency": (_venue("MARGIN", ["100000 USD"], None, default_leverage=30.0), FX,
                              SHORTS, 1.10, 0.001, 0.0002, SWINGS),
    "cash_equity": (_venue("CASH", ["100000 USD"], "USD"), EQUITY, LONG_ONLY, 50.0, 0.5, 0.02,
                    CASH_SWINGS),
    "cash_multi_currency_fx": (_venue("CASH", ["100000 USD"], None), FX, FX_LONG_ONLY, 1.10,
                               0.001, 0.0002, CASH_SWINGS),
}  # fmt: skip


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
            account = env.engine.portfolio.account(venue)
            currency = valuation_currency(account, env.market.instrument)
            on_account = total(env.engine.cache, venue, account.commissions().values(), currency)
            assert info["commissions"] == on_account
            infos.append(info)
        assert infos[-1]["commissions"] > 0
        assert infos[-1]["trades"] >= 4
    finally:
        env.close()
