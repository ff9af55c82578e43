"""`Mt5ExecutionClient` against the in-process terminal simulator: the account's OMS type and
state (the orders, protective legs and reconciliation have their own test modules).
"""

from __future__ import annotations

import pytest

from nautilus_rl_lab.adapters.metatrader5.execution import oms_type_for_account
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import constants as mt5c
from tests.adapters.metatrader5.conftest import INSTRUMENT


def test_oms_type_follows_the_account_margin_mode():
    from nautilus_rl_lab.nt.model import OmsType

    assert oms_type_for_account(mt5c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING) == OmsType.HEDGING
    assert oms_type_for_account(mt5c.ACCOUNT_MARGIN_MODE_RETAIL_NETTING) == OmsType.NETTING
    with pytest.raises(ConfigError, match="margin_mode"):
        oms_type_for_account(mt5c.ACCOUNT_MARGIN_MODE_RETAIL_NETTING, "HEDGING")


def test_account_state_is_the_terminals(session):
    node, _, simulator = session
    account = node.cache.account_for_venue(INSTRUMENT.venue)
    info = simulator.account_info()
    assert str(account.id) == f"MT5-{info.login}"
    assert account.balance_total().as_double() == pytest.approx(info.balance)
    assert account.base_currency.code == info.currency
    assert account.last_event.info["margin_mode"] == info.margin_mode
    assert not account.calculate_account_state  # reported by the terminal, never recomputed
