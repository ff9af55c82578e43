"""Contract of `Mt5Client`: what the `MetaTrader5` module does, checked on every backend.

Each test reads as documentation of the real module: the call, what it returns (types and
field names in order), how it fails (None/False + `last_error()`), and the trade server's
retcodes. The backends are the in-process simulator, the same simulator over the RPyC
bridge on 127.0.0.1, and the native-module wrapper around it (see conftest). Expected numbers come from arithmetic on the inputs
(prices, volumes, contract size, leverage), never from recorded outputs.
"""

from __future__ import annotations

import inspect
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.protocol import MT5_FUNCTIONS, Mt5Client
from nautilus_rl_lab.mt5.simulator import SymbolSpec
from tests.mt5.conftest import Terminal, wave_frame

EURUSD_CONTRACT = 100_000.0
POINT = 1e-5

# --- the module's structures, field by field (order matters: code unpacks them) ----------
ACCOUNT_FIELDS = [
    "login",
    "trade_mode",
    "leverage",
    "limit_orders",
    "margin_so_mode",
    "trade_allowed",
    "trade_expert",
    "margin_mode",
    "currency_digits",
    "fifo_close",
    "balance",
    "credit",
    "profit",
    "equity",
    "margin",
    "margin_free",
    "margin_level",
    "margin_so_call",
    "margin_so_so",
    "margin_initial",
    "margin_maintenance",
    "assets",
    "liabilities",
    "commission_blocked",
    "name",
    "server",
    "currency",
    "company",
]
TERMINAL_FIELDS = [
    "community_account",
    "community_connection",
    "connected",
    "dlls_allowed",
    "trade_allowed",
    "tradeapi_disabled",
    "email_enabled",
    "ftp_enabled",
    "notifications_enabled",
    "mqid",
    "build",
    "maxbars",
    "codepage",
    "ping_last",
    "community_balance",
    "retransmission",
    "company",
    "name",
    "language",
    "path",
    "data_path",
    "commondata_path",
]
TICK_FIELDS = ["time", "bid", "ask", "last", "volume", "time_msc", "flags", "volume_real"]
POSITION_FIELDS = [
    "ticket",
    "time",
    "time_msc",
    "time_update",
    "time_update_msc",
    "type",
    "magic",
    "identifier",
    "reason",
    "volume",
    "price_open",
    "sl",
    "tp",
    "price_current",
    "swap",
    "profit",
    "symbol",
    "comment",
    "external_id",
]
ORDER_FIELDS = [
    "ticket",
    "time_setup",
    "time_setup_msc",
    "time_done",
    "time_done_msc",
    "time_expiration",
    "type",
    "type_time",
    "type_filling",
    "state",
    "magic",
    "position_id",
    "position_by_id",
    "reason",
    "volume_initial",
    "volume_current",
    "price_open",
    "sl",
    "tp",
    "price_current",
    "price_stoplimit",
    "symbol",
    "comment",
    "external_id",
]
DEAL_FIELDS = [
    "ticket",
    "order",
    "time",
    "time_msc",
    "type",
    "entry",
    "magic",
    "position_id",
    "reason",
    "volume",
    "price",
    "commission",
    "swap",
    "profit",
    "fee",
    "symbol",
    "comment",
    "external_id",
]
SEND_RESULT_FIELDS = [
    "retcode",
    "deal",
    "order",
    "volume",
    "price",
    "bid",
    "ask",
    "comment",
    "request_id",
    "retcode_external",
    "request",
]
CHECK_RESULT_FIELDS = [
    "retcode",
    "balance",
    "equity",
    "profit",
    "margin",
    "margin_free",
    "margin_level",
    "comment",
    "request",
]
REQUEST_FIELDS = [
    "action",
    "magic",
    "order",
    "symbol",
    "volume",
    "price",
    "stoplimit",
    "sl",
    "tp",
    "deviation",
    "type",
    "type_filling",
    "type_time",
    "expiration",
    "comment",
    "position",
    "position_by",
]
RATES_FIELDS = ("time", "open", "high", "low", "close", "tick_volume", "spread", "real_volume")
TICKS_FIELDS = ("time", "bid", "ask", "last", "volume", "time_msc", "flags", "volume_real")


def far_future() -> datetime:
    return datetime(2100, 1, 1, tzinfo=UTC)


def eurusd_profit(side: int, volume: float, price_open: float, price_close: float) -> float:
    sign = 1.0 if side == mt5c.ORDER_TYPE_BUY else -1.0
    return round(sign * (price_close - price_open) * volume * EURUSD_CONTRACT, 2)


def eurusd_margin(volume: float, price: float, leverage: int = 100) -> float:
    return round(volume * EURUSD_CONTRACT / leverage * price, 2)


# --- signatures --------------------------------------------------------------------------


def _parameters(function: object) -> list[tuple[str, object]]:
    return [
        (p.name, p.kind)
        for p in inspect.signature(function).parameters.values()
        if p.name != "self"
    ]


def test_every_module_function_exists_with_the_module_signature(terminal: Terminal) -> None:
    for name in MT5_FUNCTIONS:
        expected = _parameters(getattr(Mt5Client, name))
        assert _parameters(getattr(terminal.api, name)) == expected, name
    assert isinstance(terminal.api, Mt5Client)


# --- session -----------------------------------------------------------------------------


def test_calls_before_initialize_fail_with_no_ipc_connection(make_terminal) -> None:
    term = make_terminal(initialize=False)
    assert term.api.account_info() is None
    assert term.api.last_error()[0] == mt5c.RES_E_INTERNAL_FAIL_CONNECT
    assert term.api.symbol_select("EURUSD", True) is False
    assert term.api.initialize() is True
    assert term.api.last_error() == (mt5c.RES_S_OK, "Success")


def test_initialize_with_wrong_credentials_fails_with_auth_failed(make_terminal) -> None:
    term = make_terminal(initialize=False, password="secret")
    assert term.api.initialize(login=123, password="secret") is False
    assert term.api.last_error()[0] == mt5c.RES_E_AUTH_FAILED
    assert term.api.initialize(login=term.sim.config.login, password="wrong") is False
    assert term.api.initialize(
        login=term.sim.config.login, password="secret", server=term.sim.config.server
    )
    assert term.api.login(term.sim.config.login, password="secret") is True
    assert term.api.login(1, password="secret") is False
    assert term.api.last_error()[0] == mt5c.RES_E_AUTH_FAILED


def test_shutdown_ends_the_session_until_initialize(terminal: Terminal) -> None:
    terminal.api.shutdown()
    assert terminal.api.positions_get() is None
    assert terminal.api.last_error()[0] == mt5c.RES_E_INTERNAL_FAIL_CONNECT
    assert terminal.api.initialize() is True
    assert terminal.api.positions_get() == ()


def test_version_and_terminal_info(terminal: Terminal) -> None:
    version = terminal.api.version()
    assert isinstance(version, tuple) and len(version) == 3
    assert (
        isinstance(version[0], int) and isinstance(version[1], int) and isinstance(version[2], str)
    )
    info = terminal.api.terminal_info()
    assert list(type(info)._fields) == TERMINAL_FIELDS
    assert info.connected is True and info.trade_allowed is True


# --- account and symbols -----------------------------------------------------------------


def test_account_info_fields_and_initial_state(terminal: Terminal) -> None:
    info = terminal.api.account_info()
    assert list(type(info)._fields) == ACCOUNT_FIELDS
    assert info.margin_mode == mt5c.ACCOUNT_MARGIN_MODE_RETAIL_NETTING
    assert (info.balance, info.equity, info.margin, info.margin_free) == (
        10_000.0,
        10_000.0,
        0.0,
        10_000.0,
    )
    assert (info.leverage, info.currency) == (100, "USD")


def test_hedging_account_reports_its_margin_mode(hedging: Terminal) -> None:
    assert hedging.api.account_info().margin_mode == mt5c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING


def test_symbol_info_has_the_broker_spec(terminal: Terminal) -> None:
    info = terminal.api.symbol_info("EURUSD")
    assert type(info).__name__ == "SymbolInfo"
    assert len(type(info)._fields) == 96
    assert (info.name, info.digits, info.point, info.trade_contract_size) == (
        "EURUSD",
        5,
        POINT,
        EURUSD_CONTRACT,
    )
    assert (info.volume_min, info.volume_step, info.volume_max) == (0.01, 0.01, 100.0)
    assert (info.currency_base, info.currency_profit, info.currency_margin) == ("EUR", "USD", "EUR")
    assert info.filling_mode == mt5c.SYMBOL_FILLING_FOK | mt5c.SYMBOL_FILLING_IOC
    # Tick value: one tick (one point) on one lot, in the account currency.
    assert info.trade_tick_value == pytest.approx(info.trade_tick_size * EURUSD_CONTRACT)
    assert info.spread == 10 and info.ask == pytest.approx(info.bid + 10 * POINT)
    jpy = terminal.api.symbol_info("USDJPY")
    assert jpy.trade_tick_value == pytest.approx(
        jpy.trade_tick_size * jpy.trade_contract_size / jpy.bid, rel=1e-3
    )


def test_symbols_total_and_group_filters(terminal: Terminal) -> None:
    assert terminal.api.symbols_total() == 3
    assert [s.name for s in terminal.api.symbols_get()] == ["EURUSD", "USDJPY", "XAUUSD"]
    assert [s.name for s in terminal.api.symbols_get(group="*USD*,!XAU*")] == ["EURUSD", "USDJPY"]
    assert terminal.api.symbols_get(group="GBP*") == ()


def test_unknown_symbol_returns_none_and_sets_last_error(terminal: Terminal) -> None:
    assert terminal.api.symbol_info("NOPE") is None
    assert terminal.api.last_error()[0] < 0
    assert terminal.api.symbol_select("NOPE", True) is False
    assert terminal.api.copy_rates_from_pos("NOPE", mt5c.TIMEFRAME_H1, 0, 1) is None
    assert terminal.api.last_error()[0] == mt5c.RES_E_INVALID_PARAMS


def test_symbol_info_tick_needs_symbol_select(terminal: Terminal) -> None:
    assert terminal.api.symbol_info_tick("USDJPY") is None
    assert terminal.api.last_error()[0] == mt5c.RES_E_NOT_FOUND
    assert terminal.api.symbol_select("USDJPY", True) is True
    assert terminal.api.symbol_info_tick("USDJPY") is not None
    # The first symbol (a fresh terminal's chart) is in Market Watch from the start.
    tick = terminal.api.symbol_info_tick("EURUSD")
    assert list(type(tick)._fields) == TICK_FIELDS
    assert tick.time == tick.time_msc // 1000 and tick.last == 0.0
    assert tick.ask == pytest.approx(tick.bid + 10 * POINT)
    assert tick.time_msc == terminal.sim.time_msc


# --- market data -------------------------------------------------------------------------


def test_copy_rates_index_0_is_the_bar_in_progress_built_from_the_ticks_so_far(
    terminal: Terminal,
) -> None:
    tick = terminal.tick()  # the open tick of the bar after the warm-up
    rates = terminal.api.copy_rates_from_pos("EURUSD", mt5c.TIMEFRAME_H1, 0, 3)
    assert isinstance(rates, np.ndarray) and rates.dtype.names == RATES_FIELDS
    assert len(rates) == 3
    assert np.all(np.diff(rates["time"]) == 3600)
    forming = rates[-1]
    assert forming["time"] <= tick.time < forming["time"] + 3600  # index 0: in progress
    assert rates["time"][-2] + 3600 <= tick.time  # the older ones have ended
    prices = [forming["open"], forming["high"], forming["low"], forming["close"]]
    assert prices == [tick.bid] * 4  # only its open tick so far
    terminal.sim.advance(2)  # two more ticks inside the same bar
    now = terminal.api.copy_rates_from_pos("EURUSD", mt5c.TIMEFRAME_H1, 0, 2)
    seen = terminal.api.copy_ticks_range(
        "EURUSD", int(forming["time"]), int(forming["time"]) + 3599, mt5c.COPY_TICKS_ALL
    )["bid"]
    assert len(seen) == 3 and list(now["time"]) == list(rates["time"][-2:])
    assert (now["open"][1], now["close"][1]) == (seen[0], seen[-1])  # not the bar's final close
    assert (now["high"][1], now["low"][1]) == (seen.max(), seen.min())
    assert now["close"][1] != wave_frame()["close"].iloc[5]
    terminal.sim.advance_bars(1)
    after = terminal.api.copy_rates_from_pos("EURUSD", mt5c.TIMEFRAME_H1, 0, 2)
    assert list(after["time"]) == [forming["time"], forming["time"] + 3600]
    assert after["close"][0] == wave_frame()["close"].iloc[5]  # completed: the whole bar


def test_copy_rates_values_match_the_replayed_bars(terminal: Terminal) -> None:
    frame = wave_frame()
    rates = terminal.api.copy_rates_from_pos("EURUSD", mt5c.TIMEFRAME_H1, 1, 5)  # completed
    expected = frame.iloc[:5]
    assert list(rates["time"]) == [int(t.timestamp()) for t in expected.index]
    np.testing.assert_allclose(rates["open"], expected["open"])
    np.testing.assert_allclose(rates["close"], expected["close"])
    assert set(rates["spread"]) == {10}


def test_copy_rates_from_and_range(terminal: Terminal) -> None:
    terminal.sim.advance_bars(20)
    all_bars = terminal.api.copy_rates_from_pos("EURUSD", mt5c.TIMEFRAME_H1, 0, 1000)
    assert len(all_bars) == 26  # 25 completed and the one in progress
    pivot = datetime.fromtimestamp(int(all_bars["time"][10]), tz=UTC)
    before = terminal.api.copy_rates_from("EURUSD", mt5c.TIMEFRAME_H1, pivot, 4)
    assert list(before["time"]) == list(all_bars["time"][7:11])
    window = terminal.api.copy_rates_range(
        "EURUSD", mt5c.TIMEFRAME_H1, pivot, pivot + timedelta(hours=3)
    )
    assert list(window["time"]) == list(all_bars["time"][10:14])
    # Seconds work like datetimes.
    assert len(terminal.api.copy_rates_from("EURUSD", mt5c.TIMEFRAME_H1, pivot.timestamp(), 4)) == 4


def test_higher_timeframes_aggregate_and_bad_timeframes_fail(terminal: Terminal) -> None:
    terminal.sim.advance_bars(40)
    h4 = terminal.api.copy_rates_from_pos("EURUSD", mt5c.TIMEFRAME_H4, 1, 2)  # completed
    h1 = terminal.api.copy_rates_range(
        "EURUSD", mt5c.TIMEFRAME_H1, int(h4["time"][-1]), int(h4["time"][-1]) + 3 * 3600
    )
    assert len(h1) == 4
    assert h4["open"][-1] == h1["open"][0] and h4["close"][-1] == h1["close"][-1]
    assert h4["high"][-1] == h1["high"].max() and h4["low"][-1] == h1["low"].min()
    assert terminal.api.copy_rates_from_pos("EURUSD", mt5c.TIMEFRAME_M1, 0, 1) is None
    assert terminal.api.last_error()[0] == mt5c.RES_E_INVALID_PARAMS
    assert terminal.api.copy_rates_from_pos("EURUSD", 12345, 0, 1) is None


def test_copy_ticks_up_to_now_with_flags(terminal: Terminal) -> None:
    terminal.sim.advance(6)
    now_msc = terminal.sim.time_msc
    ticks = terminal.api.copy_ticks_from("EURUSD", 0, 10_000, mt5c.COPY_TICKS_ALL)
    assert ticks.dtype.names == TICKS_FIELDS
    assert ticks["time_msc"][-1] == now_msc
    assert np.all(ticks["time"] == ticks["time_msc"] // 1000)
    assert np.all(ticks["last"] == 0.0)  # FX ticks are quotes, not trades
    np.testing.assert_allclose(ticks["ask"] - ticks["bid"], 10 * POINT, atol=1e-9)
    assert len(terminal.api.copy_ticks_from("EURUSD", 0, 3, mt5c.COPY_TICKS_INFO)) == 3
    assert len(terminal.api.copy_ticks_from("EURUSD", 0, 10, mt5c.COPY_TICKS_TRADE)) == 0
    start = datetime.fromtimestamp(int(ticks["time"][-5]), tz=UTC)
    window = terminal.api.copy_ticks_range("EURUSD", start, datetime.now(UTC), mt5c.COPY_TICKS_ALL)
    assert list(window["time_msc"]) == list(ticks["time_msc"][-5:])
    assert terminal.api.copy_ticks_from("EURUSD", 0, 0, mt5c.COPY_TICKS_ALL) is None


def test_each_bar_replays_as_open_low_high_close_ticks_inside_the_bar(terminal: Terminal) -> None:
    frame = wave_frame()
    rates = terminal.api.copy_rates_from_pos("EURUSD", mt5c.TIMEFRAME_H1, 1, 1)  # completed
    bar = frame.loc[frame.index.asi8 // 1_000_000_000 == rates["time"][0]].iloc[0]
    t0 = int(rates["time"][0])
    ticks = terminal.api.copy_ticks_range("EURUSD", t0, t0 + 3599, mt5c.COPY_TICKS_ALL)
    up = bar["close"] >= bar["open"]
    expected = [
        bar["open"],
        bar["low"] if up else bar["high"],
        bar["high"] if up else bar["low"],
        bar["close"],
    ]
    np.testing.assert_allclose(ticks["bid"], expected)
    assert list(ticks["time_msc"]) == [t0 * 1000 + k * 900_000 for k in range(4)]


# --- order arithmetic --------------------------------------------------------------------


def test_order_calc_margin_and_profit(terminal: Terminal) -> None:
    assert terminal.api.order_calc_margin(mt5c.ORDER_TYPE_BUY, "EURUSD", 0.5, 1.2) == eurusd_margin(
        0.5, 1.2
    )
    assert terminal.api.order_calc_profit(
        mt5c.ORDER_TYPE_BUY, "EURUSD", 0.3, 1.1, 1.1025
    ) == eurusd_profit(mt5c.ORDER_TYPE_BUY, 0.3, 1.1, 1.1025)
    assert terminal.api.order_calc_profit(
        mt5c.ORDER_TYPE_SELL, "EURUSD", 0.3, 1.1, 1.1025
    ) == pytest.approx(-75.0)
    assert terminal.api.order_calc_margin(mt5c.ORDER_TYPE_BUY_LIMIT, "EURUSD", 1.0, 1.1) is None
    assert terminal.api.last_error()[0] == mt5c.RES_E_INVALID_PARAMS


@pytest.mark.parametrize("volume", [math.nan, -0.1, math.inf, "0.1"])
def test_order_calc_with_a_nan_or_negative_volume_fails_like_the_module(
    terminal: Terminal, volume: Any
) -> None:
    api = terminal.api
    assert api.order_calc_margin(mt5c.ORDER_TYPE_BUY, "EURUSD", volume, 1.1) is None
    assert api.last_error()[0] == mt5c.RES_E_INVALID_PARAMS
    assert "volume" in api.last_error()[1]
    assert api.order_calc_profit(mt5c.ORDER_TYPE_SELL, "EURUSD", volume, 1.1, 1.2) is None
    assert api.last_error()[0] == mt5c.RES_E_INVALID_PARAMS
    assert api.order_calc_profit(mt5c.ORDER_TYPE_BUY, "EURUSD", 0.1, math.nan, 1.2) is None
    assert api.order_calc_margin(mt5c.ORDER_TYPE_BUY, "EURUSD", 0.1, 1.1) is not None  # still up


def test_order_check_reports_margin_after_the_request(terminal: Terminal) -> None:
    tick = terminal.tick()
    check = terminal.api.order_check(
        {
            "action": mt5c.TRADE_ACTION_DEAL,
            "symbol": "EURUSD",
            "volume": 1.0,
            "type": mt5c.ORDER_TYPE_BUY,
            "type_filling": mt5c.ORDER_FILLING_FOK,
        }
    )
    assert list(type(check)._fields) == CHECK_RESULT_FIELDS
    assert list(type(check.request)._fields) == REQUEST_FIELDS
    assert check.retcode == 0
    assert check.margin == eurusd_margin(1.0, tick.ask)
    assert check.margin_free == pytest.approx(10_000.0 - check.margin)
    assert terminal.api.positions_total() == 0  # checking does not trade
    bad = terminal.api.order_check(
        {
            "action": mt5c.TRADE_ACTION_DEAL,
            "symbol": "EURUSD",
            "volume": 0.015,
            "type": mt5c.ORDER_TYPE_BUY,
        }
    )
    assert bad.retcode == mt5c.TRADE_RETCODE_INVALID_VOLUME


def test_malformed_request_returns_none_with_invalid_params(terminal: Terminal) -> None:
    assert terminal.api.order_send({"symbol": "EURUSD"}) is None  # no action
    assert terminal.api.last_error()[0] == mt5c.RES_E_INVALID_PARAMS
    assert terminal.api.order_send({"action": 1, "bogus": 1}) is None
    assert terminal.api.order_check({"action": 1, "volume": "lots"}) is None


# --- market deals: netting ---------------------------------------------------------------


def test_market_buy_fills_at_the_ask_and_keeps_magic_and_comment(terminal: Terminal) -> None:
    tick = terminal.tick()
    result = terminal.deal(mt5c.ORDER_TYPE_BUY, 0.1, magic=4242, comment="O-20240101-000001")
    assert list(type(result)._fields) == SEND_RESULT_FIELDS
    assert result.retcode == mt5c.TRADE_RETCODE_DONE
    assert (result.price, result.volume, result.bid, result.ask) == (
        tick.ask,
        0.1,
        tick.bid,
        tick.ask,
    )
    assert result.request.magic == 4242 and result.request.comment == "O-20240101-000001"
    (position,) = terminal.api.positions_get(symbol="EURUSD")
    assert list(type(position)._fields) == POSITION_FIELDS
    assert (position.ticket, position.identifier) == (result.order, result.order)
    assert (position.type, position.volume, position.price_open) == (
        mt5c.POSITION_TYPE_BUY,
        0.1,
        tick.ask,
    )
    assert (position.magic, position.comment) == (4242, "O-20240101-000001")
    assert position.price_current == tick.bid
    assert position.profit == eurusd_profit(mt5c.ORDER_TYPE_BUY, 0.1, tick.ask, tick.bid)
    (deal,) = terminal.api.history_deals_get(ticket=result.order)  # by ORDER ticket
    assert list(type(deal)._fields) == DEAL_FIELDS
    assert (deal.ticket, deal.order, deal.position_id) == (
        result.deal,
        result.order,
        position.identifier,
    )
    assert (deal.type, deal.entry, deal.reason) == (
        mt5c.DEAL_TYPE_BUY,
        mt5c.DEAL_ENTRY_IN,
        mt5c.DEAL_REASON_EXPERT,
    )
    assert (deal.magic, deal.comment, deal.price, deal.volume) == (
        4242,
        "O-20240101-000001",
        tick.ask,
        0.1,
    )
    (order,) = terminal.api.history_orders_get(ticket=result.order)
    assert list(type(order)._fields) == ORDER_FIELDS
    assert (order.state, order.type, order.magic, order.position_id) == (
        mt5c.ORDER_STATE_FILLED,
        mt5c.ORDER_TYPE_BUY,
        4242,
        position.identifier,
    )


def test_comments_over_31_characters_are_refused_like_the_module_does(terminal: Terminal) -> None:
    comment = "X" * 31
    assert terminal.deal(mt5c.ORDER_TYPE_BUY, 0.01, comment=comment + "X") is None
    assert terminal.api.last_error()[0] == mt5c.RES_E_INVALID_PARAMS
    assert terminal.api.last_error()[1].startswith('Invalid "comment" argument')
    assert terminal.api.positions_get() == ()
    result = terminal.deal(mt5c.ORDER_TYPE_BUY, 0.01, comment=comment)
    assert terminal.api.positions_get()[0].comment == comment
    assert terminal.api.history_deals_get(ticket=result.order)[0].comment == comment


def test_netting_adds_reduces_and_reverses_one_position(terminal: Terminal) -> None:
    first = terminal.deal(mt5c.ORDER_TYPE_BUY, 0.2)
    terminal.sim.advance(1)
    second = terminal.deal(mt5c.ORDER_TYPE_BUY, 0.1)
    (position,) = terminal.api.positions_get()
    assert position.ticket == first.order and position.volume == pytest.approx(0.3)
    avg = (first.price * 0.2 + second.price * 0.1) / 0.3
    assert position.price_open == pytest.approx(avg, abs=1e-7)
    terminal.sim.advance(1)
    partial = terminal.deal(mt5c.ORDER_TYPE_SELL, 0.1)
    (deal,) = terminal.api.history_deals_get(ticket=partial.order)
    assert deal.entry == mt5c.DEAL_ENTRY_OUT
    assert deal.profit == eurusd_profit(
        mt5c.ORDER_TYPE_BUY, 0.1, position.price_open, partial.price
    )
    terminal.sim.advance(1)
    reverse = terminal.deal(mt5c.ORDER_TYPE_SELL, 0.5)
    (deal,) = terminal.api.history_deals_get(ticket=reverse.order)
    assert deal.entry == mt5c.DEAL_ENTRY_INOUT and deal.volume == 0.5
    assert deal.profit == eurusd_profit(
        mt5c.ORDER_TYPE_BUY, 0.2, position.price_open, reverse.price
    )
    (after,) = terminal.api.positions_get()
    assert (after.ticket, after.identifier) == (
        position.ticket,
        position.identifier,
    )  # kept on reversal
    assert (after.type, after.price_open) == (mt5c.POSITION_TYPE_SELL, reverse.price)
    assert after.volume == pytest.approx(0.3)
    terminal.sim.advance(1)
    close = terminal.deal(mt5c.ORDER_TYPE_BUY, 0.3)
    assert terminal.api.positions_total() == 0
    (deal,) = terminal.api.history_deals_get(ticket=close.order)
    assert deal.entry == mt5c.DEAL_ENTRY_OUT


def test_balance_equals_deposit_plus_realised_profit(terminal: Terminal) -> None:
    for side, volume in (
        (mt5c.ORDER_TYPE_BUY, 0.4),
        (mt5c.ORDER_TYPE_SELL, 0.4),
        (mt5c.ORDER_TYPE_SELL, 0.2),
    ):
        assert terminal.deal(side, volume).retcode == mt5c.TRADE_RETCODE_DONE
        terminal.sim.advance_bars(3)
    terminal.deal(mt5c.ORDER_TYPE_BUY, 0.2)
    deals = terminal.api.history_deals_get(0, far_future())
    assert deals[0].type == mt5c.DEAL_TYPE_BALANCE and deals[0].profit == 10_000.0
    assert len(deals) == terminal.api.history_deals_total(0, far_future()) == 5
    realised = sum(d.profit + d.commission + d.swap for d in deals)
    info = terminal.api.account_info()
    assert info.balance == pytest.approx(realised)
    assert info.equity == info.balance and info.margin == 0.0


def test_equity_and_margin_follow_the_open_position(terminal: Terminal) -> None:
    result = terminal.deal(mt5c.ORDER_TYPE_BUY, 1.0)
    terminal.sim.advance_bars(2)
    tick = terminal.tick()
    info = terminal.api.account_info()
    floating = eurusd_profit(mt5c.ORDER_TYPE_BUY, 1.0, result.price, tick.bid)
    assert info.profit == pytest.approx(floating)
    assert info.equity == pytest.approx(10_000.0 + floating)
    assert info.margin == eurusd_margin(1.0, result.price)
    assert info.margin_free == pytest.approx(info.equity - info.margin)
    assert info.margin_level == pytest.approx(info.equity / info.margin * 100, abs=0.01)


# --- market deals: hedging ---------------------------------------------------------------


def test_hedging_opens_a_position_per_deal_and_closes_by_ticket(hedging: Terminal) -> None:
    buy1 = hedging.deal(mt5c.ORDER_TYPE_BUY, 0.1, magic=1)
    buy2 = hedging.deal(mt5c.ORDER_TYPE_BUY, 0.2, magic=2)
    sell = hedging.deal(mt5c.ORDER_TYPE_SELL, 0.1, magic=3)  # no position: a new, opposite one
    positions = hedging.api.positions_get(symbol="EURUSD")
    assert [p.ticket for p in positions] == [buy1.order, buy2.order, sell.order]
    assert [p.magic for p in positions] == [1, 2, 3]
    hedging.sim.advance(2)
    close = hedging.deal(mt5c.ORDER_TYPE_SELL, 0.2, position=buy2.order)
    (deal,) = hedging.api.history_deals_get(ticket=close.order)
    assert (deal.entry, deal.position_id) == (mt5c.DEAL_ENTRY_OUT, buy2.order)
    assert deal.profit == eurusd_profit(mt5c.ORDER_TYPE_BUY, 0.2, buy2.price, close.price)
    assert [p.ticket for p in hedging.api.positions_get()] == [buy1.order, sell.order]
    assert [d.ticket for d in hedging.api.history_deals_get(position=buy2.order)] == [
        buy2.deal,
        close.deal,
    ]


def test_hedging_partial_close_and_close_volume_checks(hedging: Terminal) -> None:
    buy = hedging.deal(mt5c.ORDER_TYPE_BUY, 0.3)
    part = hedging.deal(mt5c.ORDER_TYPE_SELL, 0.1, position=buy.order)
    assert part.retcode == mt5c.TRADE_RETCODE_DONE
    assert hedging.api.positions_get(ticket=buy.order)[0].volume == pytest.approx(0.2)
    too_much = hedging.deal(mt5c.ORDER_TYPE_SELL, 0.5, position=buy.order)
    assert too_much.retcode == mt5c.TRADE_RETCODE_INVALID_CLOSE_VOLUME
    gone = hedging.deal(mt5c.ORDER_TYPE_SELL, 0.1, position=999_999)
    assert gone.retcode == mt5c.TRADE_RETCODE_POSITION_CLOSED


def test_close_by_nets_two_opposite_positions(hedging: Terminal) -> None:
    buy = hedging.deal(mt5c.ORDER_TYPE_BUY, 0.3)
    hedging.sim.advance_bars(3)
    sell = hedging.deal(mt5c.ORDER_TYPE_SELL, 0.1)
    result = hedging.api.order_send(
        {
            "action": mt5c.TRADE_ACTION_CLOSE_BY,
            "position": buy.order,
            "position_by": sell.order,
            "magic": 9,
        }
    )
    assert result.retcode == mt5c.TRADE_RETCODE_DONE
    (remaining,) = hedging.api.positions_get()
    assert remaining.ticket == buy.order and remaining.volume == pytest.approx(0.2)
    deals = hedging.api.history_deals_get(ticket=result.order)
    assert {d.entry for d in deals} == {mt5c.DEAL_ENTRY_OUT_BY}
    assert sum(d.profit for d in deals) == pytest.approx(
        eurusd_profit(mt5c.ORDER_TYPE_BUY, 0.1, buy.price, sell.price)
    )
    (order,) = hedging.api.history_orders_get(ticket=result.order)
    assert (order.type, order.position_id, order.position_by_id) == (
        mt5c.ORDER_TYPE_CLOSE_BY,
        buy.order,
        sell.order,
    )


def test_close_by_is_refused_on_netting(terminal: Terminal) -> None:
    result = terminal.api.order_send(
        {"action": mt5c.TRADE_ACTION_CLOSE_BY, "position": 1, "position_by": 2}
    )
    assert result.retcode == mt5c.TRADE_RETCODE_INVALID


# --- rejections --------------------------------------------------------------------------


@pytest.mark.parametrize("volume", [0.0, -0.1, 0.001, 0.015, 100.01, 1000.0])
def test_invalid_volume_is_rejected_with_10014(terminal: Terminal, volume: float) -> None:
    result = terminal.deal(mt5c.ORDER_TYPE_BUY, volume)
    assert result.retcode == mt5c.TRADE_RETCODE_INVALID_VOLUME
    assert result.deal == 0 and result.order == 0
    assert terminal.api.positions_total() == 0


def test_volumes_on_the_step_grid_are_accepted(terminal: Terminal) -> None:
    for volume in (0.01, 0.07, 0.29, 1.0):
        assert terminal.deal(mt5c.ORDER_TYPE_BUY, volume).retcode == mt5c.TRADE_RETCODE_DONE


def test_filling_mode_must_match_the_symbol_bitmask(terminal: Terminal) -> None:
    assert terminal.deal(
        mt5c.ORDER_TYPE_BUY, 0.1, type_filling=mt5c.ORDER_FILLING_RETURN
    ).retcode == (mt5c.TRADE_RETCODE_INVALID_FILL)
    assert (
        terminal.deal(mt5c.ORDER_TYPE_BUY, 0.1, type_filling=mt5c.ORDER_FILLING_IOC).retcode
        == mt5c.TRADE_RETCODE_DONE
    )
    gold = terminal.api.symbol_info("XAUUSD")
    assert gold.filling_mode == mt5c.SYMBOL_FILLING_IOC
    assert mt5c.order_filling_from_symbol(gold.filling_mode) == mt5c.ORDER_FILLING_IOC
    rejected = terminal.deal(
        mt5c.ORDER_TYPE_BUY, 0.1, symbol="XAUUSD", type_filling=mt5c.ORDER_FILLING_FOK
    )
    assert rejected.retcode == mt5c.TRADE_RETCODE_INVALID_FILL
    assert (
        terminal.deal(mt5c.ORDER_TYPE_BUY, 0.1, symbol="XAUUSD").retcode == mt5c.TRADE_RETCODE_DONE
    )


def test_stops_must_respect_side_and_stops_level(make_terminal) -> None:
    term = make_terminal(stops_level=20)
    tick = term.tick()
    assert term.api.symbol_info("EURUSD").trade_stops_level == 20
    too_close = round(tick.bid - 10 * POINT, 5)
    assert (
        term.deal(mt5c.ORDER_TYPE_BUY, 0.1, sl=too_close).retcode
        == mt5c.TRADE_RETCODE_INVALID_STOPS
    )
    wrong_side = round(tick.bid + 50 * POINT, 5)
    assert (
        term.deal(mt5c.ORDER_TYPE_BUY, 0.1, sl=wrong_side).retcode
        == mt5c.TRADE_RETCODE_INVALID_STOPS
    )
    off_grid = tick.bid - 50.5 * POINT
    assert (
        term.deal(mt5c.ORDER_TYPE_BUY, 0.1, sl=off_grid).retcode == mt5c.TRADE_RETCODE_INVALID_STOPS
    )
    ok = term.deal(
        mt5c.ORDER_TYPE_BUY,
        0.1,
        sl=round(tick.bid - 30 * POINT, 5),
        tp=round(tick.bid + 30 * POINT, 5),
    )
    assert ok.retcode == mt5c.TRADE_RETCODE_DONE
    position = term.api.positions_get()[0]
    assert (position.sl, position.tp) == (
        round(tick.bid - 30 * POINT, 5),
        round(tick.bid + 30 * POINT, 5),
    )


def test_market_closed_in_the_weekend_gap(terminal: Terminal) -> None:
    saturday = datetime(2024, 1, 6, 12, tzinfo=UTC)
    terminal.sim.advance_to(saturday)
    assert not terminal.sim.is_market_open("EURUSD")
    assert terminal.deal(mt5c.ORDER_TYPE_BUY, 0.1).retcode == mt5c.TRADE_RETCODE_MARKET_CLOSED
    last_friday_tick = terminal.tick()
    assert datetime.fromtimestamp(last_friday_tick.time, tz=UTC) < saturday
    terminal.sim.advance(1)  # Sunday 22:00 open
    assert terminal.sim.is_market_open("EURUSD")
    assert terminal.deal(mt5c.ORDER_TYPE_BUY, 0.1).retcode == mt5c.TRADE_RETCODE_DONE


def test_not_enough_money_is_rejected_with_10019(terminal: Terminal) -> None:
    tick = terminal.tick()
    affordable = 10_000.0 / eurusd_margin(1.0, tick.ask)
    result = terminal.deal(mt5c.ORDER_TYPE_BUY, 100.0)
    assert affordable < 100.0 and result.retcode == mt5c.TRADE_RETCODE_NO_MONEY
    assert terminal.api.positions_total() == 0
    assert terminal.api.account_info().balance == 10_000.0


def test_unknown_symbol_and_wrong_type_are_invalid(terminal: Terminal) -> None:
    assert (
        terminal.deal(mt5c.ORDER_TYPE_BUY, 0.1, symbol="NOPE").retcode == mt5c.TRADE_RETCODE_INVALID
    )
    assert terminal.deal(mt5c.ORDER_TYPE_BUY_LIMIT, 0.1).retcode == mt5c.TRADE_RETCODE_INVALID_ORDER


def test_instant_execution_requotes_beyond_the_deviation(make_terminal) -> None:
    spec = SymbolSpec(
        "EURUSD", "Euro vs US Dollar", "EUR", "USD", "EUR", 5, EURUSD_CONTRACT, 1.10,
        trade_exemode=mt5c.SYMBOL_TRADE_EXECUTION_INSTANT,
    )  # fmt: skip
    term = make_terminal(specs={"EURUSD": spec})
    assert term.api.symbol_info("EURUSD").trade_exemode == mt5c.SYMBOL_TRADE_EXECUTION_INSTANT
    tick = term.tick()
    request = {"action": mt5c.TRADE_ACTION_DEAL, "symbol": "EURUSD", "volume": 0.1, "type": mt5c.ORDER_TYPE_BUY,
               "type_filling": mt5c.ORDER_FILLING_FOK, "deviation": 5}  # fmt: skip
    stale = round(tick.ask - 20 * POINT, 5)
    assert term.api.order_send({**request, "price": stale}).retcode == mt5c.TRADE_RETCODE_REQUOTE
    assert (
        term.api.order_send({**request, "price": round(tick.ask - 3 * POINT, 5)}).retcode
        == mt5c.TRADE_RETCODE_DONE
    )


# --- pending orders ----------------------------------------------------------------------


def _first_tick_where(term: Terminal, condition, max_ticks: int = 400):
    """Advance tick by tick until `condition(tick)` holds; return that tick."""
    for _ in range(max_ticks):
        term.sim.advance(1)
        tick = term.tick()
        if condition(tick):
            return tick
    raise AssertionError("condition never met")


def test_buy_limit_is_placed_then_filled_when_the_ask_reaches_it(terminal: Terminal) -> None:
    tick = terminal.tick()
    price = round(tick.ask - 40 * POINT, 5)
    placed = terminal.pending(mt5c.ORDER_TYPE_BUY_LIMIT, 0.2, price, magic=77, comment="limit-1")
    assert placed.retcode == mt5c.TRADE_RETCODE_PLACED and placed.deal == 0
    (order,) = terminal.api.orders_get(ticket=placed.order)
    assert (order.state, order.type, order.price_open, order.volume_current) == (
        mt5c.ORDER_STATE_PLACED,
        mt5c.ORDER_TYPE_BUY_LIMIT,
        price,
        0.2,
    )
    assert terminal.api.orders_total() == 1 and terminal.api.positions_total() == 0
    trigger = _first_tick_where(terminal, lambda t: t.ask <= price)
    assert terminal.api.orders_total() == 0
    (position,) = terminal.api.positions_get()
    assert position.price_open == min(price, trigger.ask)
    assert (position.magic, position.comment, position.identifier) == (77, "limit-1", placed.order)
    (deal,) = terminal.api.history_deals_get(ticket=placed.order)
    assert (deal.entry, deal.type, deal.time_msc) == (
        mt5c.DEAL_ENTRY_IN,
        mt5c.DEAL_TYPE_BUY,
        trigger.time_msc,
    )
    (history,) = terminal.api.history_orders_get(ticket=placed.order)
    assert history.state == mt5c.ORDER_STATE_FILLED and history.volume_current == 0.0


def test_sell_stop_fills_at_the_market_when_the_bid_falls_through(terminal: Terminal) -> None:
    tick = terminal.tick()
    price = round(tick.bid - 30 * POINT, 5)
    placed = terminal.pending(mt5c.ORDER_TYPE_SELL_STOP, 0.1, price)
    assert placed.retcode == mt5c.TRADE_RETCODE_PLACED
    trigger = _first_tick_where(terminal, lambda t: t.bid <= price)
    (position,) = terminal.api.positions_get()
    assert (position.type, position.price_open) == (mt5c.POSITION_TYPE_SELL, trigger.bid)


def test_buy_stop_limit_becomes_a_limit_at_the_trigger(terminal: Terminal) -> None:
    tick = terminal.tick()
    trigger_price = round(tick.ask + 10 * POINT, 5)
    limit_price = round(trigger_price - 5 * POINT, 5)
    placed = terminal.pending(
        mt5c.ORDER_TYPE_BUY_STOP_LIMIT, 0.1, trigger_price, stoplimit=limit_price
    )
    assert placed.retcode == mt5c.TRADE_RETCODE_PLACED
    assert terminal.api.orders_get()[0].price_stoplimit == limit_price
    _first_tick_where(terminal, lambda t: t.ask >= trigger_price)
    if terminal.api.orders_total():  # not filled on the trigger tick: now a limit order
        (order,) = terminal.api.orders_get()
        assert (order.type, order.price_open) == (mt5c.ORDER_TYPE_BUY_LIMIT, limit_price)
        fill = _first_tick_where(terminal, lambda t: t.ask <= limit_price)
        assert terminal.api.positions_get()[0].price_open == min(limit_price, fill.ask)
    assert terminal.api.history_orders_get(ticket=placed.order)[0].state == mt5c.ORDER_STATE_FILLED


def test_pending_order_without_margin_at_the_trigger_is_rejected(make_terminal) -> None:
    term = make_terminal(balance=100.0)
    tick = term.tick()
    price = round(tick.ask + 10 * POINT, 5)
    assert term.pending(mt5c.ORDER_TYPE_BUY_STOP, 50.0, price).retcode == mt5c.TRADE_RETCODE_PLACED
    _first_tick_where(term, lambda t: t.ask >= price)
    assert term.api.positions_total() == 0
    assert term.api.history_orders_get(0, far_future())[-1].state == mt5c.ORDER_STATE_REJECTED


def test_pending_prices_on_the_wrong_side_or_off_grid_are_invalid(terminal: Terminal) -> None:
    tick = terminal.tick()
    above = round(tick.ask + 20 * POINT, 5)
    assert (
        terminal.pending(mt5c.ORDER_TYPE_BUY_LIMIT, 0.1, above).retcode
        == mt5c.TRADE_RETCODE_INVALID_PRICE
    )
    assert (
        terminal.pending(mt5c.ORDER_TYPE_SELL_STOP, 0.1, above).retcode
        == mt5c.TRADE_RETCODE_INVALID_PRICE
    )
    assert (
        terminal.pending(mt5c.ORDER_TYPE_BUY_STOP, 0.1, above + 0.3 * POINT).retcode
        == mt5c.TRADE_RETCODE_INVALID_PRICE
    )
    assert terminal.pending(
        mt5c.ORDER_TYPE_BUY_STOP, 0.1, above, type_filling=mt5c.ORDER_FILLING_RETURN
    ).retcode == (mt5c.TRADE_RETCODE_PLACED)


def test_modify_and_remove_pending_orders(terminal: Terminal) -> None:
    tick = terminal.tick()
    price = round(tick.ask - 100 * POINT, 5)
    placed = terminal.pending(mt5c.ORDER_TYPE_BUY_LIMIT, 0.1, price)
    new_price = round(price - 10 * POINT, 5)
    modify = {"action": mt5c.TRADE_ACTION_MODIFY, "order": placed.order, "price": new_price,
              "sl": round(new_price - 50 * POINT, 5), "tp": 0.0}  # fmt: skip
    assert terminal.api.order_send(modify).retcode == mt5c.TRADE_RETCODE_DONE
    (order,) = terminal.api.orders_get()
    assert (order.price_open, order.sl) == (new_price, round(new_price - 50 * POINT, 5))
    assert terminal.api.order_send(modify).retcode == mt5c.TRADE_RETCODE_NO_CHANGES
    remove = terminal.api.order_send({"action": mt5c.TRADE_ACTION_REMOVE, "order": placed.order})
    assert remove.retcode == mt5c.TRADE_RETCODE_DONE
    assert terminal.api.orders_get() == ()
    (history,) = terminal.api.history_orders_get(ticket=placed.order)
    assert history.state == mt5c.ORDER_STATE_CANCELED
    again = terminal.api.order_send({"action": mt5c.TRADE_ACTION_REMOVE, "order": placed.order})
    assert again.retcode == mt5c.TRADE_RETCODE_INVALID


def test_specified_expiration_must_be_in_the_future_and_expires(terminal: Terminal) -> None:
    tick = terminal.tick()
    price = round(tick.ask - 500 * POINT, 5)
    past = {"type_time": mt5c.ORDER_TIME_SPECIFIED, "expiration": tick.time - 60}
    assert (
        terminal.pending(mt5c.ORDER_TYPE_BUY_LIMIT, 0.1, price, **past).retcode
        == mt5c.TRADE_RETCODE_INVALID_EXPIRATION
    )
    soon = {"type_time": mt5c.ORDER_TIME_SPECIFIED, "expiration": tick.time + 2 * 3600}
    placed = terminal.pending(mt5c.ORDER_TYPE_BUY_LIMIT, 0.1, price, **soon)
    assert placed.retcode == mt5c.TRADE_RETCODE_PLACED
    assert terminal.api.orders_get()[0].time_expiration == tick.time + 2 * 3600
    terminal.sim.advance_bars(3)
    assert terminal.api.orders_total() == 0
    assert terminal.api.history_orders_get(ticket=placed.order)[0].state == mt5c.ORDER_STATE_EXPIRED


# --- SL/TP -------------------------------------------------------------------------------


def test_take_profit_closes_the_position_with_reason_tp(terminal: Terminal) -> None:
    opened = terminal.deal(mt5c.ORDER_TYPE_BUY, 0.5)
    tp = round(opened.price + 20 * POINT, 5)
    sltp = terminal.api.order_send({"action": mt5c.TRADE_ACTION_SLTP, "symbol": "EURUSD", "position": opened.order,
                                    "sl": 0.0, "tp": tp})  # fmt: skip
    assert sltp.retcode == mt5c.TRADE_RETCODE_DONE
    assert terminal.api.positions_get()[0].tp == tp
    trigger = _first_tick_where(terminal, lambda t: t.bid >= tp)
    assert terminal.api.positions_total() == 0
    deals = terminal.api.history_deals_get(position=opened.order)
    close = deals[-1]
    assert (close.entry, close.reason, close.price) == (
        mt5c.DEAL_ENTRY_OUT,
        mt5c.DEAL_REASON_TP,
        trigger.bid,
    )
    assert close.profit == eurusd_profit(mt5c.ORDER_TYPE_BUY, 0.5, opened.price, trigger.bid)
    assert terminal.api.account_info().balance == pytest.approx(10_000.0 + close.profit)


def test_stop_loss_closes_a_sell_with_reason_sl(hedging: Terminal) -> None:
    tick = hedging.tick()
    sl = round(tick.ask + 15 * POINT, 5)
    opened = hedging.deal(mt5c.ORDER_TYPE_SELL, 0.1, sl=sl)
    trigger = _first_tick_where(hedging, lambda t: t.ask >= sl)
    close = hedging.api.history_deals_get(position=opened.order)[-1]
    assert (close.reason, close.type, close.price) == (
        mt5c.DEAL_REASON_SL,
        mt5c.DEAL_TYPE_BUY,
        trigger.ask,
    )
    (order,) = hedging.api.history_orders_get(ticket=close.order)
    assert order.reason == mt5c.ORDER_REASON_SL


def test_sltp_without_changes_and_on_unknown_positions(terminal: Terminal) -> None:
    opened = terminal.deal(mt5c.ORDER_TYPE_BUY, 0.1)
    request = {
        "action": mt5c.TRADE_ACTION_SLTP,
        "symbol": "EURUSD",
        "position": opened.order,
        "sl": 0.0,
        "tp": 0.0,
    }
    assert terminal.api.order_send(request).retcode == mt5c.TRADE_RETCODE_NO_CHANGES
    assert (
        terminal.api.order_send({**request, "position": 123, "tp": 2.0}).retcode
        == mt5c.TRADE_RETCODE_POSITION_CLOSED
    )


# --- history queries ---------------------------------------------------------------------


def test_history_by_interval_group_ticket_and_position(terminal: Terminal) -> None:
    a = terminal.deal(mt5c.ORDER_TYPE_BUY, 0.1)
    terminal.sim.advance_bars(1)
    b = terminal.deal(mt5c.ORDER_TYPE_BUY, 0.1, symbol="USDJPY")
    b_time = terminal.api.history_deals_get(ticket=b.order)[0].time
    assert [d.order for d in terminal.api.history_deals_get(b_time, far_future())] == [b.order]
    assert [d.order for d in terminal.api.history_deals_get(0, far_future(), group="EUR*")] == [
        a.order
    ]
    assert terminal.api.history_orders_total(0, far_future()) == 2
    assert [o.ticket for o in terminal.api.history_orders_get(0, far_future(), group="*JPY")] == [
        b.order
    ]
    assert [o.ticket for o in terminal.api.history_orders_get(position=a.order)] == [a.order]
    assert terminal.api.history_deals_get(ticket=424242) == ()
    assert terminal.api.history_deals_get() is None
    assert terminal.api.last_error()[0] == mt5c.RES_E_INVALID_PARAMS


def test_positions_and_orders_filters(terminal: Terminal) -> None:
    eur = terminal.deal(mt5c.ORDER_TYPE_BUY, 0.1)
    jpy = terminal.deal(mt5c.ORDER_TYPE_SELL, 0.1, symbol="USDJPY")
    assert [p.ticket for p in terminal.api.positions_get(symbol="USDJPY")] == [jpy.order]
    assert [p.ticket for p in terminal.api.positions_get(group="*USD*,!USD*")] == [eur.order]
    assert [p.ticket for p in terminal.api.positions_get(ticket=eur.order)] == [eur.order]
    assert terminal.api.positions_total() == 2
    assert terminal.api.orders_get(symbol="EURUSD") == ()


# --- faults ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "retcode"),
    [
        ("requote", mt5c.TRADE_RETCODE_REQUOTE),
        ("off_quotes", mt5c.TRADE_RETCODE_PRICE_OFF),
        ("no_money", mt5c.TRADE_RETCODE_NO_MONEY),
        ("reject", mt5c.TRADE_RETCODE_REJECT),
        ("market_closed", mt5c.TRADE_RETCODE_MARKET_CLOSED),
    ],
)
def test_injected_trade_faults_answer_without_trading(
    terminal: Terminal, fault: str, retcode: int
) -> None:
    terminal.sim.inject(fault, count=1)
    tick = terminal.tick()
    result = terminal.deal(mt5c.ORDER_TYPE_BUY, 0.1)
    assert result.retcode == retcode and result.deal == 0 and result.order == 0
    assert (result.bid, result.ask) == (tick.bid, tick.ask)  # a fresh price to retry with
    assert terminal.api.positions_total() == 0
    assert (
        terminal.deal(mt5c.ORDER_TYPE_BUY, 0.1).retcode == mt5c.TRADE_RETCODE_DONE
    )  # count used up


def test_timeout_fault_executes_but_reports_timeout(terminal: Terminal) -> None:
    terminal.sim.inject("timeout")
    result = terminal.deal(mt5c.ORDER_TYPE_BUY, 0.1, comment="O-timeout")
    assert result.retcode == mt5c.TRADE_RETCODE_TIMEOUT and (result.deal, result.order) == (0, 0)
    assert mt5c.retcode_retry_policy(result.retcode) == "after_check"
    # Reconcile: the order went through.
    (position,) = terminal.api.positions_get()
    assert position.comment == "O-timeout"
    deals = [d for d in terminal.api.history_deals_get(0, far_future()) if d.comment == "O-timeout"]
    assert len(deals) == 1


def test_disconnect_fails_calls_until_initialize_reconnects(terminal: Terminal) -> None:
    terminal.sim.inject("disconnect", count=2)
    assert terminal.api.account_info() is None
    assert terminal.api.last_error()[0] == mt5c.RES_E_INTERNAL_FAIL_CONNECT
    assert terminal.api.initialize() is False  # still down (second count)
    assert terminal.api.positions_get() is None  # link back, session lost
    assert mt5c.is_connection_error(terminal.api.last_error()[0])
    assert terminal.api.initialize() is True
    assert terminal.api.account_info().balance == 10_000.0


def test_disconnect_until_cleared(terminal: Terminal) -> None:
    terminal.sim.inject("disconnect", count=None)
    for _ in range(3):
        assert terminal.api.initialize() is False
    terminal.sim.clear_faults()
    assert terminal.api.initialize() is True


def test_server_time_offset_shifts_every_reported_time(make_terminal) -> None:
    term = make_terminal(server_offset_s=7200)
    tick = term.tick()
    assert tick.time_msc == term.sim.time_msc + 7_200_000
    result = term.deal(mt5c.ORDER_TYPE_BUY, 0.1)
    assert term.api.positions_get()[0].time == tick.time
    assert term.api.history_deals_get(ticket=result.order)[0].time_msc == tick.time_msc
    rates = term.api.copy_rates_from_pos("EURUSD", mt5c.TIMEFRAME_H1, 0, 2)
    assert rates["time"][0] + 3600 <= tick.time  # completed
    assert rates["time"][1] <= tick.time < rates["time"][1] + 3600  # in progress
    # Dates passed in are server time too.
    assert (
        len(term.api.copy_ticks_range("EURUSD", tick.time, tick.time + 1, mt5c.COPY_TICKS_ALL)) == 1
    )


# --- market depth (simulator choice: a synthetic book around the quote) ----------------


def test_market_book_needs_a_subscription_and_brackets_the_quote(terminal: Terminal) -> None:
    api = terminal.api
    tick = terminal.tick()
    assert api.market_book_get("EURUSD") is None
    assert api.last_error()[0] == mt5c.RES_E_NOT_FOUND
    assert api.market_book_add("EURUSD") is True
    book = api.market_book_get("EURUSD")
    prices = [level.price for level in book]
    assert prices == sorted(prices, reverse=True)  # the module's order: highest first
    sells = [b for b in book if b.type == mt5c.BOOK_TYPE_SELL]
    buys = [b for b in book if b.type == mt5c.BOOK_TYPE_BUY]
    assert min(b.price for b in sells) == tick.ask and max(b.price for b in buys) == tick.bid
    assert len(sells) == len(buys) and len(sells) + len(buys) == len(book)
    assert all(b.volume_dbl > 0 for b in book)
    assert api.market_book_release("EURUSD") is True
    assert api.market_book_release("EURUSD") is False
    assert api.market_book_get("EURUSD") is None
