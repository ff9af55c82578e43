"""Constants and retcode helpers mirror the MetaTrader5 module (values from its docs)."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.mt5 import constants as mt5c


def test_trade_actions_order_types_and_filling_values() -> None:
    actions = (
        mt5c.TRADE_ACTION_DEAL,
        mt5c.TRADE_ACTION_PENDING,
        mt5c.TRADE_ACTION_SLTP,
        mt5c.TRADE_ACTION_MODIFY,
    )
    assert (*actions, mt5c.TRADE_ACTION_REMOVE, mt5c.TRADE_ACTION_CLOSE_BY) == (1, 5, 6, 7, 8, 10)
    assert (
        mt5c.ORDER_TYPE_BUY,
        mt5c.ORDER_TYPE_SELL,
        mt5c.ORDER_TYPE_BUY_STOP_LIMIT,
        mt5c.ORDER_TYPE_CLOSE_BY,
    ) == (0, 1, 6, 8)
    assert (
        mt5c.ORDER_FILLING_FOK,
        mt5c.ORDER_FILLING_IOC,
        mt5c.ORDER_FILLING_RETURN,
        mt5c.ORDER_FILLING_BOC,
    ) == (0, 1, 2, 3)
    # The symbol's filling_mode is a bitmask with other numbers.
    assert (mt5c.SYMBOL_FILLING_FOK, mt5c.SYMBOL_FILLING_IOC) == (1, 2)
    assert (
        mt5c.ORDER_TIME_GTC,
        mt5c.ORDER_TIME_DAY,
        mt5c.ORDER_TIME_SPECIFIED,
        mt5c.ORDER_TIME_SPECIFIED_DAY,
    ) == (0, 1, 2, 3)
    assert (
        mt5c.DEAL_ENTRY_IN,
        mt5c.DEAL_ENTRY_OUT,
        mt5c.DEAL_ENTRY_INOUT,
        mt5c.DEAL_ENTRY_OUT_BY,
    ) == (
        0,
        1,
        2,
        3,
    )
    assert (mt5c.ACCOUNT_MARGIN_MODE_RETAIL_NETTING, mt5c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING) == (
        0,
        2,
    )


def test_timeframes_have_the_module_values() -> None:
    assert (mt5c.TIMEFRAME_M1, mt5c.TIMEFRAME_M15, mt5c.TIMEFRAME_M30) == (1, 15, 30)
    assert (mt5c.TIMEFRAME_H1, mt5c.TIMEFRAME_H4, mt5c.TIMEFRAME_D1) == (16385, 16388, 16408)
    assert (mt5c.TIMEFRAME_W1, mt5c.TIMEFRAME_MN1) == (32769, 49153)
    assert mt5c.timeframe_seconds(mt5c.TIMEFRAME_H4) == 4 * 3600
    with pytest.raises(ValueError, match="timeframe"):
        mt5c.timeframe_seconds(mt5c.TIMEFRAME_MN1)


def test_every_documented_retcode_has_a_name_and_description() -> None:
    documented = [10004, *range(10006, 10037), *range(10038, 10047)]
    for code in documented:
        assert mt5c.retcode_name(code).startswith("TRADE_RETCODE_"), code
        assert getattr(mt5c, mt5c.retcode_name(code)) == code
        assert not mt5c.retcode_description(code).startswith("Unknown")
    assert mt5c.retcode_name(12345) == "UNKNOWN_12345"


@pytest.mark.parametrize(
    ("codes", "policy"),
    [
        ((10008, 10009, 10010, 10025, 0), "none"),
        ((10004, 10020, 10021), "fresh_price"),
        ((10012, 10024, 10031), "after_check"),
        ((10014, 10016, 10017, 10018, 10019, 10030, 10006), "never"),
    ],
)
def test_retry_policies(codes: tuple[int, ...], policy: str) -> None:
    for code in codes:
        assert mt5c.retcode_retry_policy(code) == policy, code
        assert mt5c.is_success_retcode(code) is (policy == "none")


def test_last_error_codes() -> None:
    assert mt5c.last_error_description(mt5c.RES_S_OK) == "Success"
    assert (mt5c.RES_E_NOT_FOUND, mt5c.RES_E_AUTH_FAILED, mt5c.RES_E_AUTO_TRADING_DISABLED) == (
        -4,
        -6,
        -8,
    )
    assert mt5c.last_error_description(-10004) == "No IPC connection"
    assert all(mt5c.is_connection_error(code) for code in range(-10005, -9999))
    assert not mt5c.is_connection_error(mt5c.RES_E_FAIL)


def test_filling_choice_follows_the_symbol_bitmask() -> None:
    assert (
        mt5c.order_filling_from_symbol(mt5c.SYMBOL_FILLING_FOK | mt5c.SYMBOL_FILLING_IOC)
        == mt5c.ORDER_FILLING_FOK
    )
    assert mt5c.order_filling_from_symbol(mt5c.SYMBOL_FILLING_IOC) == mt5c.ORDER_FILLING_IOC
    assert mt5c.order_filling_from_symbol(0) == mt5c.ORDER_FILLING_RETURN


@pytest.mark.parametrize(
    ("code", "description"),
    [
        (1, "Success"),
        (-1, "Terminal: Call failed"),
        (-2, "Terminal: Invalid params"),
        (-4, "Terminal: Not found"),
        (-6, "Terminal: Authorization failed"),
        (-10001, "IPC send failed"),
        (-10003, "IPC initialize failed"),
        (-10004, "No IPC connection"),
        (-10005, "IPC timeout"),
    ],
)
def test_last_error_descriptions_are_the_modules_strings(code: int, description: str) -> None:
    """As the module answers, e.g. ``mt5.last_error() == (-2, 'Terminal: Invalid params')``."""
    assert mt5c.last_error_description(code) == description
