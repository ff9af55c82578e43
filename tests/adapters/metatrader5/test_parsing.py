"""Pure MT5 ⇄ Nautilus conversions (no terminal involved)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from nautilus_rl_lab.adapters.metatrader5 import parsing
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.simulator.symbols import DEFAULT_SYMBOL_SPECS, symbol_info
from nautilus_rl_lab.mt5.structures import (
    RATES_DTYPE,
    TICKS_DTYPE,
    OrderSendResult,
    SymbolInfo,
    Tick,
    TradeDeal,
    TradeOrder,
    TradePosition,
)
from nautilus_rl_lab.nt.core import UUID4
from nautilus_rl_lab.nt.model import (
    AccountId,
    AssetClass,
    BarType,
    Cfd,
    ClientOrderId,
    ContingencyType,
    Currency,
    CurrencyPair,
    LimitOrder,
    LiquiditySide,
    MarketOrder,
    Money,
    OrderFilled,
    OrderListId,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    PositionId,
    PositionSide,
    Price,
    Quantity,
    StopLimitOrder,
    StopMarketOrder,
    StrategyId,
    TimeInForce,
    TradeId,
    TraderId,
    TrailingOffsetType,
    TrailingStopMarketOrder,
    TriggerType,
    VenueOrderId,
)

EURUSD = SymbolInfo(
    name="EURUSD",
    digits=5,
    point=0.00001,
    trade_tick_size=0.00001,
    trade_contract_size=100_000.0,
    volume_min=0.01,
    volume_max=100.0,
    volume_step=0.01,
    currency_base="EUR",
    currency_profit="USD",
    currency_margin="EUR",
    trade_calc_mode=mt5c.SYMBOL_CALC_MODE_FOREX,
    filling_mode=mt5c.SYMBOL_FILLING_IOC,
)
US500 = SymbolInfo(
    name="US500",
    digits=1,
    point=0.1,
    trade_tick_size=0.25,
    trade_contract_size=1.0,
    volume_min=0.1,
    volume_max=50.0,
    volume_step=0.1,
    currency_base="USD",
    currency_profit="USD",
    currency_margin="USD",
    trade_calc_mode=mt5c.SYMBOL_CALC_MODE_CFDINDEX,
    filling_mode=mt5c.SYMBOL_FILLING_FOK | mt5c.SYMBOL_FILLING_IOC,
)
ACCOUNT = AccountId("MT5-5000000")
USD = Currency.from_str("USD")


@pytest.fixture
def eurusd() -> CurrencyPair:
    return parsing.symbol_info_to_instrument(EURUSD, ts_init=0)


#: Order fields NautilusTrader 2.0 requires and 1.221 defaults (to these values).
ORDER_DEFAULTS = {"time_in_force": TimeInForce.GTC, "quote_quantity": False}


def _market(instrument, side=OrderSide.BUY, qty="10000", coid="O-20250101-000000-001-000-1"):
    return MarketOrder(
        trader_id=TraderId("TESTER-001"),
        strategy_id=StrategyId("S-001"),
        instrument_id=instrument.id,
        client_order_id=ClientOrderId(coid),
        order_side=side,
        quantity=Quantity.from_str(qty),
        init_id=UUID4(),
        ts_init=0,
        reduce_only=False,
        **ORDER_DEFAULTS,
    )


def test_fx_symbol_becomes_currency_pair_in_units(eurusd):
    assert isinstance(eurusd, CurrencyPair)
    assert str(eurusd.id) == "EURUSD.MT5"
    assert eurusd.price_precision == 5
    assert eurusd.price_increment == Price.from_str("0.00001")
    assert eurusd.size_increment == Quantity.from_int(1000)  # 0.01 lot
    assert eurusd.min_quantity == Quantity.from_int(1000)
    assert eurusd.max_quantity == Quantity.from_int(10_000_000)
    assert eurusd.lot_size == Quantity.from_int(100_000)
    assert eurusd.base_currency.code == "EUR"
    assert eurusd.quote_currency.code == "USD"
    assert eurusd.info["trade_contract_size"] == 100_000.0


def test_index_symbol_becomes_cfd_with_tick_size():
    cfd = parsing.symbol_info_to_instrument(US500, ts_init=0)
    assert isinstance(cfd, Cfd)
    assert cfd.asset_class == AssetClass.INDEX
    assert cfd.price_increment == Price.from_str("0.25")
    assert cfd.price_precision == 2
    assert cfd.size_increment == Quantity.from_str("0.1")


def test_unknown_profit_currency_is_a_clear_error():
    with pytest.raises(ValueError, match="currency_profit"):
        parsing.symbol_info_to_instrument(EURUSD._replace(currency_profit="ZZZ"), ts_init=0)


def test_lots_units_round_trip_without_silent_rounding():
    assert parsing.units_to_lots(Decimal(12_000), 100_000.0) == pytest.approx(0.12)
    # Off-step volumes are sent as is: the terminal answers 10014 INVALID_VOLUME.
    assert parsing.units_to_lots(Decimal(12_345), 100_000.0) == pytest.approx(0.12345)
    assert parsing.lots_to_units(0.12, 100_000.0) == Decimal("12000.0")


def test_server_time_offset_is_subtracted():
    assert parsing.server_msc_to_unix_nanos(7_200_000, server_time=7200) == 0
    assert parsing.unix_nanos_to_server_secs(0, server_time=7200) == 7200


def test_all_zero_tick_is_ignored_and_real_tick_is_quote(eurusd):
    assert parsing.tick_to_quote_tick(Tick(), eurusd, ts_init=1) is None
    tick = Tick(time=10, bid=1.10001, ask=1.10011, time_msc=10_500)
    quote = parsing.tick_to_quote_tick(tick, eurusd, ts_init=1, server_time=10)
    assert quote.bid_price == Price.from_str("1.10001")
    assert quote.ask_price == Price.from_str("1.10011")
    assert quote.ts_event == 500 * 1_000_000
    assert quote.bid_size == Quantity.from_int(100_000)


def test_tick_array_converts_and_skips_zero_rows(eurusd):
    ticks = np.zeros(3, dtype=TICKS_DTYPE)
    ticks[1] = (1, 1.1, 1.1002, 0, 0, 1000, 6, 0.0)
    ticks[2] = (2, 1.1001, 1.1003, 0, 0, 2000, 6, 0.0)
    quotes = parsing.ticks_to_quote_ticks(ticks, eurusd, ts_init=0)
    assert [q.ts_event for q in quotes] == [1_000_000_000, 2_000_000_000]


def test_rates_become_bars_stamped_at_close(eurusd):
    bar_type = BarType.from_str("EURUSD.MT5-1-HOUR-BID-EXTERNAL")
    assert parsing.bar_type_to_timeframe(bar_type) == mt5c.TIMEFRAME_H1
    rates = np.zeros(2, dtype=RATES_DTYPE)
    rates[0] = (3600, 1.1, 1.2, 1.0, 1.15, 10, 5, 0)
    rates[1] = (7200, 1.15, 1.16, 1.14, 1.155, 12, 5, 0)
    bars = parsing.rates_to_bars(rates, bar_type, eurusd, ts_init=0, server_time=3600)
    assert [b.ts_event for b in bars] == [3600 * 10**9, 7200 * 10**9]
    assert bars[0].close == Price.from_str("1.15000")
    assert bars[1].volume == Quantity.from_int(12)


@pytest.mark.parametrize(
    "bar_type",
    [
        "EURUSD.MT5-7-MINUTE-BID-EXTERNAL",
        "EURUSD.MT5-1-HOUR-BID-INTERNAL",
        "EURUSD.MT5-1-HOUR-ASK-EXTERNAL",
    ],
)
def test_unsupported_bar_types_say_what_works(bar_type):
    with pytest.raises(ValueError, match="MT5"):
        parsing.bar_type_to_timeframe(BarType.from_str(bar_type))


def test_timeframe_to_spec_round_trip():
    spec = parsing.timeframe_to_bar_spec(mt5c.TIMEFRAME_H4)
    assert str(spec) == "4-HOUR-BID"
    spec = parsing.timeframe_to_bar_spec(mt5c.TIMEFRAME_M15)
    assert str(spec) == "15-MINUTE-BID"


def test_market_order_request_uses_symbol_filling_magic_and_comment(eurusd):
    order = _market(eurusd, OrderSide.SELL, "25000")
    tick = Tick(bid=1.1, ask=1.1002, time_msc=1)
    request = parsing.order_to_request(order, EURUSD, magic=4242, tick=tick, deviation=5)
    assert request["action"] == mt5c.TRADE_ACTION_DEAL
    assert request["type"] == mt5c.ORDER_TYPE_SELL
    assert request["price"] == 1.1
    assert request["volume"] == pytest.approx(0.25)
    assert request["type_filling"] == mt5c.ORDER_FILLING_IOC  # from the bitmask, not the TIF
    assert request["magic"] == 4242
    assert request["comment"] == "O-20250101-000000-001-000-1"
    assert request["deviation"] == 5
    fok = parsing.order_to_request(order, EURUSD._replace(filling_mode=3), magic=1, tick=tick)
    assert fok["type_filling"] == mt5c.ORDER_FILLING_FOK
    ret = parsing.order_to_request(order, EURUSD._replace(filling_mode=0), magic=1, tick=tick)
    assert ret["type_filling"] == mt5c.ORDER_FILLING_RETURN


def test_pending_orders_are_pending_requests_with_stops_and_position(eurusd):
    limit = LimitOrder(
        trader_id=TraderId("TESTER-001"),
        strategy_id=StrategyId("S-001"),
        instrument_id=eurusd.id,
        client_order_id=ClientOrderId("O-1"),
        order_side=OrderSide.BUY,
        quantity=Quantity.from_int(1000),
        price=Price.from_str("1.09000"),
        init_id=UUID4(),
        ts_init=0,
        post_only=False,
        reduce_only=False,
        **ORDER_DEFAULTS,
    )
    request = parsing.order_to_request(limit, EURUSD, magic=7, sl=1.08, tp=1.1, position_ticket=99)
    assert request["action"] == mt5c.TRADE_ACTION_PENDING
    assert request["type"] == mt5c.ORDER_TYPE_BUY_LIMIT
    assert request["price"] == 1.09
    assert request["type_filling"] == mt5c.ORDER_FILLING_RETURN
    assert (request["sl"], request["tp"], request["position"]) == (1.08, 1.1, 99)
    stop_limit = StopLimitOrder(
        trader_id=TraderId("TESTER-001"),
        strategy_id=StrategyId("S-001"),
        instrument_id=eurusd.id,
        client_order_id=ClientOrderId("O-2"),
        order_side=OrderSide.SELL,
        quantity=Quantity.from_int(1000),
        price=Price.from_str("1.08900"),
        trigger_price=Price.from_str("1.09000"),
        trigger_type=TriggerType.DEFAULT,
        init_id=UUID4(),
        ts_init=0,
        post_only=False,
        reduce_only=False,
        **ORDER_DEFAULTS,
    )
    request = parsing.order_to_request(stop_limit, EURUSD, magic=7)
    assert request["type"] == mt5c.ORDER_TYPE_SELL_STOP_LIMIT
    assert (request["price"], request["stoplimit"]) == (1.09, 1.089)


@pytest.mark.parametrize(
    ("cls", "fields"),
    [
        (LimitOrder, {"price": Price.from_str("1.09000"), "post_only": False}),
        (
            StopMarketOrder,
            {"trigger_price": Price.from_str("1.11000"), "trigger_type": TriggerType.DEFAULT},
        ),
    ],
)
def test_a_gtd_pending_order_expires_on_the_server_at_its_expiry(eurusd, cls, fields):
    expiry_ns = 1_767_225_600_000_000_000  # 2026-01-01 00:00 UTC
    order = cls(
        trader_id=TraderId("TESTER-001"),
        strategy_id=StrategyId("S-001"),
        instrument_id=eurusd.id,
        client_order_id=ClientOrderId("O-3"),
        order_side=OrderSide.BUY,
        quantity=Quantity.from_int(1000),
        init_id=UUID4(),
        ts_init=0,
        reduce_only=False,
        quote_quantity=False,
        time_in_force=TimeInForce.GTD,
        expire_time=expiry_ns,
        **fields,
    )
    request = parsing.order_to_request(order, EURUSD, magic=7, server_time=7200)
    assert request["type_time"] == mt5c.ORDER_TIME_SPECIFIED
    assert request["expiration"] == 1_767_225_600 + 7200  # server seconds (UTC+2)


def test_an_order_type_mt5_lacks_is_refused_naming_it(eurusd):
    trailing = TrailingStopMarketOrder(
        trader_id=TraderId("TESTER-001"),
        strategy_id=StrategyId("S-001"),
        instrument_id=eurusd.id,
        client_order_id=ClientOrderId("O-4"),
        order_side=OrderSide.SELL,
        quantity=Quantity.from_int(1000),
        trigger_price=Price.from_str("1.08900"),
        trigger_type=TriggerType.BID_ASK,
        trailing_offset=Decimal(100),
        trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
        init_id=UUID4(),
        ts_init=0,
        reduce_only=False,
        **ORDER_DEFAULTS,
    )
    with pytest.raises(parsing.UnsupportedOrderError, match="SELL TRAILING_STOP_MARKET"):
        parsing.order_to_request(trailing, EURUSD, magic=7)


def test_market_order_without_quote_is_refused(eurusd):
    with pytest.raises(parsing.UnsupportedOrderError, match="tick"):
        parsing.order_to_request(_market(eurusd), EURUSD, magic=1, tick=Tick())


def test_long_client_order_ids_are_hashed_to_31_chars():
    coid = ClientOrderId("O-" + "x" * 40)
    comment = parsing.comment_from_client_order_id(coid)
    assert len(comment) == mt5c.MAX_COMMENT_LENGTH
    assert parsing.comment_matches(comment, coid)
    assert parsing.client_order_id_from_comment(comment) is None
    assert parsing.client_order_id_from_comment("O-1") == ClientOrderId("O-1")
    assert parsing.client_order_id_from_comment("") is None


@pytest.mark.parametrize(
    ("retcode", "kind"),
    [
        (mt5c.TRADE_RETCODE_DONE, "filled"),
        (mt5c.TRADE_RETCODE_PLACED, "placed"),
        (mt5c.TRADE_RETCODE_DONE_PARTIAL, "partially_filled"),
        (mt5c.TRADE_RETCODE_REQUOTE, "retry_price"),
        (mt5c.TRADE_RETCODE_PRICE_OFF, "retry_price"),
        (mt5c.TRADE_RETCODE_TIMEOUT, "unknown"),
        (mt5c.TRADE_RETCODE_CONNECTION, "unknown"),
        (mt5c.TRADE_RETCODE_NO_MONEY, "rejected"),
        (mt5c.TRADE_RETCODE_INVALID_VOLUME, "rejected"),
    ],
)
def test_retcodes_are_classified(retcode, kind):
    outcome = parsing.classify_send_result(OrderSendResult(retcode=retcode, comment=""))
    assert outcome.kind == kind
    assert f"MT5 {retcode} " in outcome.reason


def test_rejection_reason_names_code_and_text():
    outcome = parsing.classify_send_result(
        OrderSendResult(retcode=mt5c.TRADE_RETCODE_NO_MONEY, comment="No money"),
    )
    assert outcome.reason == "MT5 10019 TRADE_RETCODE_NO_MONEY: No money"
    failed = parsing.classify_send_result(
        None, (mt5c.RES_E_INTERNAL_FAIL_CONNECT, "No IPC connection")
    )
    assert failed.kind == "unknown"
    assert "-10004" in failed.reason


def test_open_and_history_orders_become_status_reports(eurusd):
    pending = TradeOrder(
        ticket=11,
        time_setup_msc=1_000,
        type=mt5c.ORDER_TYPE_SELL_STOP,
        state=mt5c.ORDER_STATE_PLACED,
        magic=7,
        volume_initial=0.5,
        volume_current=0.5,
        price_open=1.05,
        symbol="EURUSD",
        comment="O-abc",
    )
    report = parsing.trade_order_to_report(pending, eurusd, ACCOUNT, ts_init=5, own_magic=7)
    assert report.order_status == OrderStatus.ACCEPTED
    assert report.order_type == OrderType.STOP_MARKET
    assert report.order_side == OrderSide.SELL
    assert report.trigger_price == Price.from_str("1.05000")
    assert report.quantity == Quantity.from_int(50_000)
    assert report.filled_qty == Quantity.from_int(0)
    assert report.client_order_id == ClientOrderId("O-abc")
    assert str(report.venue_order_id) == "11"
    foreign = parsing.trade_order_to_report(
        pending._replace(magic=8), eurusd, ACCOUNT, 5, own_magic=7
    )
    assert foreign.client_order_id is None
    filled = pending._replace(
        type=mt5c.ORDER_TYPE_BUY,
        state=mt5c.ORDER_STATE_FILLED,
        volume_current=0.0,
        type_filling=mt5c.ORDER_FILLING_IOC,
        time_done_msc=2_000,
    )
    report = parsing.trade_order_to_report(
        filled, eurusd, ACCOUNT, 5, own_magic=7, avg_px=Decimal("1.1")
    )
    assert report.order_status == OrderStatus.FILLED
    assert report.time_in_force == TimeInForce.IOC
    assert report.filled_qty == Quantity.from_int(50_000)
    assert report.avg_px == Decimal("1.1")
    assert report.ts_last == 2_000_000_000


def test_deal_becomes_fill_report_with_positive_commission(eurusd):
    deal = TradeDeal(
        ticket=21,
        order=11,
        time_msc=3_000,
        type=mt5c.DEAL_TYPE_SELL,
        entry=mt5c.DEAL_ENTRY_IN,
        magic=7,
        position_id=11,
        volume=0.1,
        price=1.10123,
        commission=-0.7,
        fee=-0.1,
        symbol="EURUSD",
        comment="O-abc",
    )
    report = parsing.deal_to_fill_report(
        deal,
        eurusd,
        ACCOUNT,
        eurusd.quote_currency,
        ts_init=9,
        own_magic=7,
        venue_position_id=PositionId("11"),
    )
    assert report.order_side == OrderSide.SELL
    assert str(report.trade_id) == "21"
    assert str(report.venue_order_id) == "11"
    assert report.last_qty == Quantity.from_int(10_000)
    assert report.last_px == Price.from_str("1.10123")
    assert report.commission.as_double() == pytest.approx(0.8)
    assert report.client_order_id == ClientOrderId("O-abc")
    assert report.ts_event == 3_000_000_000
    assert not parsing.is_trade_deal(deal._replace(type=mt5c.DEAL_TYPE_BALANCE))


def _simulator_instrument(symbol: str):
    """The Nautilus instrument of one of the simulator's symbols (USDJPY: a `CurrencyPair`,
    XAUUSD: a `Cfd`)."""
    spec = DEFAULT_SYMBOL_SPECS[symbol]
    info = symbol_info(spec, bid=1.0, ask=1.0, time_s=0, tick_value=1.0, selected=True)
    return parsing.symbol_info_to_instrument(info, ts_init=0)


def _deal(price: float, commission: float, fee: float = 0.0) -> TradeDeal:
    return TradeDeal(
        ticket=21, order=11, type=mt5c.DEAL_TYPE_BUY, volume=2.0, price=price,
        commission=commission, fee=fee,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("symbol", "account", "price", "expected"),
    [
        ("USDJPY", "USD", 150.123, "1051 JPY"),  # 7.00 x 150.123 = 1050.861 yen
        ("USDCHF", "USD", 0.88123, "6.17 CHF"),
        ("USDCAD", "USD", 1.36123, "9.53 CAD"),
        ("EURUSD", "EUR", 1.08123, "7.57 USD"),
        ("EURUSD", "USD", 1.08123, "7.00 USD"),  # USD is the quote: nothing to convert
        ("USDJPY", "EUR", 150.123, "7.00 EUR"),  # a third currency
        ("XAUUSD", "XAU", 2000.12, "7.00 XAU"),  # a CFD: Nautilus leaves its positions alone
    ],
)
def test_a_commission_in_the_pair_s_base_currency_is_given_in_its_quote_currency(
    symbol, account, price, expected
):
    commission = parsing.deal_commission(
        _deal(price, commission=-6.5, fee=-0.5),
        _simulator_instrument(symbol),
        Currency.from_str(account),
    )
    assert commission == Money.from_str(expected)


@pytest.mark.parametrize("symbol", ["USDJPY", "USDCHF", "USDCAD"])
def test_a_converted_commission_is_the_terminal_s_back_at_the_deal_price(symbol) -> None:
    """Back at the deal's price it is the terminal's within half the quote currency's unit
    (half a yen: 0.0033 USD at 150), so to the cent wherever that is under half a cent."""
    instrument = _simulator_instrument(symbol)
    unit = Decimal(1).scaleb(-instrument.quote_currency.precision)
    base = DEFAULT_SYMBOL_SPECS[symbol].base_price
    for step in range(200):
        price = Decimal(repr(round(base * (0.9 + step / 1000), instrument.price_precision)))
        paid = Decimal(step + 1) * Decimal("0.37")  # 0.37 to 74.00 USD
        commission = parsing.deal_commission(_deal(float(price), -float(paid)), instrument, USD)
        back = commission.as_decimal() / price
        assert abs(back - paid) <= unit / 2 / price
        if unit / 2 / price < Decimal("0.005"):
            assert round(back, 2) == paid


def test_nautilus_takes_a_base_currency_commission_off_a_pair_s_position_not_a_converted_one():
    """The NautilusTrader 2.0 rule the conversion avoids (if this starts failing, Nautilus has
    dropped it and the conversion may go): a USD commission shrinks a USDJPY position, the
    same money in JPY leaves it whole."""
    instrument = _simulator_instrument("USDJPY")
    deal = _deal(150.123, commission=-7.0)
    quantities = []
    for commission in (Money(7.0, USD), parsing.deal_commission(deal, instrument, USD)):
        fill = OrderFilled(
            TraderId("T-001"), StrategyId("S-001"), instrument.id, ClientOrderId("O-1"),
            VenueOrderId("11"), ACCOUNT, TradeId("21"), OrderSide.BUY, OrderType.MARKET,
            instrument.make_qty(200_000), instrument.make_price(deal.price),
            instrument.quote_currency, LiquiditySide.TAKER, UUID4(), 0, 0, False,
            PositionId("P-1"), commission,
        )  # fmt: skip
        quantities.append(Position(instrument, fill).quantity)
    assert quantities == [Quantity.from_int(199_993), Quantity.from_int(200_000)]


def test_a_commission_to_convert_at_no_price_is_refused() -> None:
    with pytest.raises(ValueError, match=r"MT5 deal 21: `price` 0\.0 is not positive"):
        parsing.deal_commission(_deal(0.0, commission=-7.0), _simulator_instrument("USDJPY"), USD)


def test_positions_become_hedging_and_net_reports(eurusd):
    long = TradePosition(
        ticket=31, type=mt5c.POSITION_TYPE_BUY, volume=0.3, price_open=1.1, symbol="EURUSD"
    )
    short = TradePosition(
        ticket=32, type=mt5c.POSITION_TYPE_SELL, volume=0.1, price_open=1.2, symbol="EURUSD"
    )
    hedge = parsing.position_to_report(short, eurusd, ACCOUNT, ts_init=1)
    assert hedge.venue_position_id == PositionId("32")
    assert hedge.position_side == PositionSide.SHORT
    assert hedge.quantity == Quantity.from_int(10_000)
    net = parsing.net_position_report([long, short], eurusd, ACCOUNT, ts_init=1)
    assert net.venue_position_id is None
    assert net.position_side == PositionSide.LONG
    assert net.quantity == Quantity.from_int(20_000)
    flat = parsing.net_position_report([], eurusd, ACCOUNT, ts_init=1)
    assert flat.position_side == PositionSide.FLAT


def test_modify_and_cancel_requests():
    mt5_order = TradeOrder(
        ticket=5, type=mt5c.ORDER_TYPE_BUY_LIMIT, price_open=1.0, sl=0.9, symbol="EURUSD"
    )
    request = parsing.modify_request(mt5_order, price=1.01)
    assert request["action"] == mt5c.TRADE_ACTION_MODIFY
    assert (request["order"], request["price"], request["sl"]) == (5, 1.01, 0.9)
    assert parsing.cancel_request(5, magic=3) == {
        "action": mt5c.TRADE_ACTION_REMOVE,
        "order": 5,
        "magic": 3,
    }


# -- protection: OTO children ⇄ position sl/tp -------------------------------------------

PARENT_ID = ClientOrderId("O-20250101-000000-001-000-1")


def _oto(instrument, *children, parent_type=OrderType.MARKET):
    """An OTO list of a BUY parent and `children` ``(order class, kwargs)`` closing it."""
    common = {
        "trader_id": TraderId("TESTER-001"),
        "strategy_id": StrategyId("S-001"),
        "instrument_id": instrument.id,
        "quantity": Quantity.from_str("10000"),
        "ts_init": 0,
        "order_list_id": OrderListId("OL-1"),
        **ORDER_DEFAULTS,
    }
    ids = [ClientOrderId(f"O-20250101-000000-001-000-{i + 2}") for i in range(len(children))]
    orders = []
    for own, (cls, kwargs) in zip(ids, children, strict=True):
        fields = {"reduce_only": True, **kwargs}
        orders.append(
            cls(
                **common,
                client_order_id=own,
                order_side=OrderSide.SELL,
                init_id=UUID4(),
                parent_order_id=PARENT_ID,
                **fields,
            )
        )
    parent_kwargs: dict = {"reduce_only": False}
    if parent_type == OrderType.LIMIT:
        parent_kwargs |= {"price": Price.from_str("1.10000"), "post_only": False}
    parent_cls = MarketOrder if parent_type == OrderType.MARKET else LimitOrder
    parent = parent_cls(
        **common,
        client_order_id=PARENT_ID,
        order_side=OrderSide.BUY,
        init_id=UUID4(),
        contingency_type=ContingencyType.OTO,
        linked_order_ids=ids,
        **parent_kwargs,
    )
    return [parent, *orders]


STOP = (
    StopMarketOrder,
    {"trigger_price": Price.from_str("1.08900"), "trigger_type": TriggerType.DEFAULT},
)
TAKE = (LimitOrder, {"price": Price.from_str("1.12200"), "post_only": False})


def test_oto_stop_and_limit_children_are_the_sl_and_tp_legs(eurusd):
    parent, legs = parsing.protected_list(_oto(eurusd, STOP, TAKE))
    assert parent.client_order_id == PARENT_ID
    assert [(rule, parsing.leg_price(rule, child)) for rule, child in legs] == [
        ("sl", 1.089),
        ("tp", 1.122),
    ]


@pytest.mark.parametrize(
    ("children", "parent_type", "fragment"),
    [
        ([STOP], OrderType.LIMIT, "MARKET OTO parent"),
        (
            [
                (
                    TrailingStopMarketOrder,
                    {
                        "trigger_price": Price.from_str("1.08900"),
                        "trigger_type": TriggerType.BID_ASK,
                        "trailing_offset": Decimal(100),
                        "trailing_offset_type": TrailingOffsetType.BASIS_POINTS,
                    },
                )
            ],
            OrderType.MARKET,
            "trailing",
        ),
        ([(StopMarketOrder, {**STOP[1], "reduce_only": False})], OrderType.MARKET, "reduce_only"),
        ([STOP, STOP], OrderType.MARKET, "two sl children"),
    ],
)
def test_contingent_lists_mt5_cannot_honour_are_refused_saying_why(
    eurusd, children, parent_type, fragment
):
    with pytest.raises(parsing.UnsupportedOrderError, match=fragment):
        parsing.protected_list(_oto(eurusd, *children, parent_type=parent_type))


def test_a_list_without_contingency_is_refused_naming_it(eurusd):
    # 2.0's NO_CONTINGENCY is None
    with pytest.raises(parsing.UnsupportedOrderError, match="MARKET NO_CONTINGENCY order"):
        parsing.protected_list([_market(eurusd)])


def test_leg_venue_order_ids_round_trip_and_mt5_tickets_are_no_legs():
    venue_order_id = parsing.leg_venue_order_id("tp", 100_007, PARENT_ID.value)
    assert venue_order_id.value == f"TP-100007-{PARENT_ID.value}"
    assert parsing.parse_leg(venue_order_id) == parsing.Leg("tp", 100_007)
    for other in ("100007", "SL-x-O-1", "XX-1-O-1", "SL-1-"):
        assert parsing.parse_leg(VenueOrderId(other)) is None
    assert parsing.parse_leg(None) is None


def test_sltp_request_names_the_position():
    request = parsing.sltp_request(100_007, "EURUSD", 1.089, 0.0, magic=7)
    assert request == {
        "action": mt5c.TRADE_ACTION_SLTP,
        "position": 100_007,
        "symbol": "EURUSD",
        "sl": 1.089,
        "tp": 0.0,
        "magic": 7,
    }


def test_reduce_only_closes_into_the_oldest_covering_opposite_position_or_is_refused() -> None:
    def position(ticket: int, kind: int, volume: float, time_msc: int) -> TradePosition:
        return TradePosition(ticket=ticket, type=kind, volume=volume, time_msc=time_msc)

    buy, sell = mt5c.POSITION_TYPE_BUY, mt5c.POSITION_TYPE_SELL
    hedged = [position(3, buy, 0.3, 30), position(2, buy, 0.1, 10), position(1, sell, 0.5, 5)]
    ticket = parsing.reduce_only_ticket
    assert ticket(OrderSide.SELL, 0.1, hedged, hedging=True) == 2  # the oldest long covers it
    assert ticket(OrderSide.SELL, 0.3, hedged, hedging=True) == 3  # 0.1 lots cannot
    assert ticket(OrderSide.BUY, 0.5, hedged, hedging=True) == 1
    with pytest.raises(parsing.UnsupportedOrderError, match="no single opposite position"):
        ticket(OrderSide.SELL, 0.4, hedged, hedging=True)
    netted = [position(7, buy, 0.3, 1)]
    assert ticket(OrderSide.SELL, 0.3, netted, hedging=False) is None  # the deal reduces it
    for side, volume, held in ((OrderSide.SELL, 0.31, netted), (OrderSide.BUY, 0.1, netted)):
        with pytest.raises(parsing.UnsupportedOrderError, match=r"holds BUY 0\.3"):
            ticket(side, volume, held, hedging=False)
    with pytest.raises(parsing.UnsupportedOrderError, match="holds no position"):
        ticket(OrderSide.SELL, 0.1, [], hedging=False)
