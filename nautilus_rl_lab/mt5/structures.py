"""Result structures of the `MetaTrader5` Python module: named tuples and numpy dtypes.

The native module returns named tuples whose field names *and order* are the ones below
(`TradePosition._fields`, `pd.DataFrame(list(positions), columns=...)` and positional
unpacking in user code all depend on the order), and numpy structured arrays for rates
and ticks. Every backend of `Mt5Client` returns these exact types, so code that parses
them (the adapter's `parsing/`) works the same against the native module, the RPyC
bridge and the simulator.

Defaults exist only to make construction convenient; the native module fills every
field. `TradeRequest` is the echo of the request dict carried in
`OrderSendResult.request` / `OrderCheckResult.request`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np


class AccountInfo(NamedTuple):
    """`account_info()` result."""

    login: int = 0
    trade_mode: int = 0
    leverage: int = 0
    limit_orders: int = 0
    margin_so_mode: int = 0
    trade_allowed: bool = True
    trade_expert: bool = True
    margin_mode: int = 0
    currency_digits: int = 2
    fifo_close: bool = False
    balance: float = 0.0
    credit: float = 0.0
    profit: float = 0.0
    equity: float = 0.0
    margin: float = 0.0
    margin_free: float = 0.0
    margin_level: float = 0.0
    margin_so_call: float = 0.0
    margin_so_so: float = 0.0
    margin_initial: float = 0.0
    margin_maintenance: float = 0.0
    assets: float = 0.0
    liabilities: float = 0.0
    commission_blocked: float = 0.0
    name: str = ""
    server: str = ""
    currency: str = ""
    company: str = ""


class TerminalInfo(NamedTuple):
    """`terminal_info()` result."""

    community_account: bool = False
    community_connection: bool = False
    connected: bool = True
    dlls_allowed: bool = False
    trade_allowed: bool = True
    tradeapi_disabled: bool = False
    email_enabled: bool = False
    ftp_enabled: bool = False
    notifications_enabled: bool = False
    mqid: bool = False
    build: int = 0
    maxbars: int = 100000
    codepage: int = 0
    ping_last: int = 0
    community_balance: float = 0.0
    retransmission: float = 0.0
    company: str = ""
    name: str = ""
    language: str = "English"
    path: str = ""
    data_path: str = ""
    commondata_path: str = ""


class SymbolInfo(NamedTuple):
    """`symbol_info()` / `symbols_get()` element."""

    custom: bool = False
    chart_mode: int = 0
    select: bool = False
    visible: bool = False
    session_deals: int = 0
    session_buy_orders: int = 0
    session_sell_orders: int = 0
    volume: int = 0
    volumehigh: int = 0
    volumelow: int = 0
    time: int = 0
    digits: int = 5
    spread: int = 0
    spread_float: bool = True
    ticks_bookdepth: int = 0
    trade_calc_mode: int = 0
    trade_mode: int = 4
    start_time: int = 0
    expiration_time: int = 0
    trade_stops_level: int = 0
    trade_freeze_level: int = 0
    trade_exemode: int = 2
    swap_mode: int = 0
    swap_rollover3days: int = 3
    margin_hedged_use_leg: bool = False
    expiration_mode: int = 15
    filling_mode: int = 0
    order_mode: int = 127
    order_gtc_mode: int = 0
    option_mode: int = 0
    option_right: int = 0
    bid: float = 0.0
    bidhigh: float = 0.0
    bidlow: float = 0.0
    ask: float = 0.0
    askhigh: float = 0.0
    asklow: float = 0.0
    last: float = 0.0
    lasthigh: float = 0.0
    lastlow: float = 0.0
    volume_real: float = 0.0
    volumehigh_real: float = 0.0
    volumelow_real: float = 0.0
    option_strike: float = 0.0
    point: float = 0.0
    trade_tick_value: float = 0.0
    trade_tick_value_profit: float = 0.0
    trade_tick_value_loss: float = 0.0
    trade_tick_size: float = 0.0
    trade_contract_size: float = 0.0
    trade_accrued_interest: float = 0.0
    trade_face_value: float = 0.0
    trade_liquidity_rate: float = 0.0
    volume_min: float = 0.0
    volume_max: float = 0.0
    volume_step: float = 0.0
    volume_limit: float = 0.0
    swap_long: float = 0.0
    swap_short: float = 0.0
    margin_initial: float = 0.0
    margin_maintenance: float = 0.0
    session_volume: float = 0.0
    session_turnover: float = 0.0
    session_interest: float = 0.0
    session_buy_orders_volume: float = 0.0
    session_sell_orders_volume: float = 0.0
    session_open: float = 0.0
    session_close: float = 0.0
    session_aw: float = 0.0
    session_price_settlement: float = 0.0
    session_price_limit_min: float = 0.0
    session_price_limit_max: float = 0.0
    margin_hedged: float = 0.0
    price_change: float = 0.0
    price_volatility: float = 0.0
    price_theoretical: float = 0.0
    price_greeks_delta: float = 0.0
    price_greeks_theta: float = 0.0
    price_greeks_gamma: float = 0.0
    price_greeks_vega: float = 0.0
    price_greeks_rho: float = 0.0
    price_greeks_omega: float = 0.0
    price_sensitivity: float = 0.0
    basis: str = ""
    category: str = ""
    currency_base: str = ""
    currency_profit: str = ""
    currency_margin: str = ""
    bank: str = ""
    description: str = ""
    exchange: str = ""
    formula: str = ""
    isin: str = ""
    name: str = ""
    page: str = ""
    path: str = ""


class Tick(NamedTuple):
    """`symbol_info_tick()` result (`time` in seconds, `time_msc` in milliseconds)."""

    time: int = 0
    bid: float = 0.0
    ask: float = 0.0
    last: float = 0.0
    volume: int = 0
    time_msc: int = 0
    flags: int = 0
    volume_real: float = 0.0


class BookInfo(NamedTuple):
    """One market-depth level of `market_book_get` (``type`` is a ``BOOK_TYPE_*``)."""

    type: int = 0
    price: float = 0.0
    volume: int = 0
    volume_dbl: float = 0.0


class TradeOrder(NamedTuple):
    """`orders_get()` / `history_orders_get()` element."""

    ticket: int = 0
    time_setup: int = 0
    time_setup_msc: int = 0
    time_done: int = 0
    time_done_msc: int = 0
    time_expiration: int = 0
    type: int = 0
    type_time: int = 0
    type_filling: int = 0
    state: int = 0
    magic: int = 0
    position_id: int = 0
    position_by_id: int = 0
    reason: int = 0
    volume_initial: float = 0.0
    volume_current: float = 0.0
    price_open: float = 0.0
    sl: float = 0.0
    tp: float = 0.0
    price_current: float = 0.0
    price_stoplimit: float = 0.0
    symbol: str = ""
    comment: str = ""
    external_id: str = ""


class TradePosition(NamedTuple):
    """`positions_get()` element."""

    ticket: int = 0
    time: int = 0
    time_msc: int = 0
    time_update: int = 0
    time_update_msc: int = 0
    type: int = 0
    magic: int = 0
    identifier: int = 0
    reason: int = 0
    volume: float = 0.0
    price_open: float = 0.0
    sl: float = 0.0
    tp: float = 0.0
    price_current: float = 0.0
    swap: float = 0.0
    profit: float = 0.0
    symbol: str = ""
    comment: str = ""
    external_id: str = ""


class TradeDeal(NamedTuple):
    """`history_deals_get()` element."""

    ticket: int = 0
    order: int = 0
    time: int = 0
    time_msc: int = 0
    type: int = 0
    entry: int = 0
    magic: int = 0
    position_id: int = 0
    reason: int = 0
    volume: float = 0.0
    price: float = 0.0
    commission: float = 0.0
    swap: float = 0.0
    profit: float = 0.0
    fee: float = 0.0
    symbol: str = ""
    comment: str = ""
    external_id: str = ""


class TradeRequest(NamedTuple):
    """The request echoed in `OrderSendResult.request` / `OrderCheckResult.request`."""

    action: int = 0
    magic: int = 0
    order: int = 0
    symbol: str = ""
    volume: float = 0.0
    price: float = 0.0
    stoplimit: float = 0.0
    sl: float = 0.0
    tp: float = 0.0
    deviation: int = 0
    type: int = 0
    type_filling: int = 0
    type_time: int = 0
    expiration: int = 0
    comment: str = ""
    position: int = 0
    position_by: int = 0


class OrderSendResult(NamedTuple):
    """`order_send()` result (MqlTradeResult plus the request)."""

    retcode: int = 0
    deal: int = 0
    order: int = 0
    volume: float = 0.0
    price: float = 0.0
    bid: float = 0.0
    ask: float = 0.0
    comment: str = ""
    request_id: int = 0
    retcode_external: int = 0
    request: TradeRequest = TradeRequest()


class OrderCheckResult(NamedTuple):
    """`order_check()` result (MqlTradeCheckResult plus the request)."""

    retcode: int = 0
    balance: float = 0.0
    equity: float = 0.0
    profit: float = 0.0
    margin: float = 0.0
    margin_free: float = 0.0
    margin_level: float = 0.0
    comment: str = ""
    request: TradeRequest = TradeRequest()


#: `copy_rates_*` structured dtype (time in seconds, bar open time).
RATES_DTYPE = np.dtype(
    [
        ("time", "<i8"),
        ("open", "<f8"),
        ("high", "<f8"),
        ("low", "<f8"),
        ("close", "<f8"),
        ("tick_volume", "<u8"),
        ("spread", "<i4"),
        ("real_volume", "<u8"),
    ],
)

#: `copy_ticks_*` structured dtype.
TICKS_DTYPE = np.dtype(
    [
        ("time", "<i8"),
        ("bid", "<f8"),
        ("ask", "<f8"),
        ("last", "<f8"),
        ("volume", "<u8"),
        ("time_msc", "<i8"),
        ("flags", "<u4"),
        ("volume_real", "<f8"),
    ],
)

#: Every named-tuple structure by its class name (used to rebuild them after transport).
STRUCTURES: dict[str, type[tuple]] = {
    cls.__name__: cls
    for cls in (
        AccountInfo,
        TerminalInfo,
        SymbolInfo,
        Tick,
        BookInfo,
        TradeOrder,
        TradePosition,
        TradeDeal,
        TradeRequest,
        OrderSendResult,
        OrderCheckResult,
    )
}


def trade_request_from_mapping(request: Mapping[str, Any]) -> TradeRequest:
    """Build the `TradeRequest` echo from an `order_send` request dict (unknown keys ignored)."""
    fields = TradeRequest._fields
    return TradeRequest(**{key: request[key] for key in fields if key in request})


def structure_to_plain(value: Any) -> Any:
    """Turn a structure (possibly nested) into plain tuples, keeping field order."""
    if isinstance(value, tuple):
        return tuple(structure_to_plain(item) for item in value)
    return value


def structure_from_plain(name: str, values: tuple | list) -> tuple:
    """Rebuild the named tuple `name` from plain values produced by `structure_to_plain`."""
    cls = STRUCTURES[name]
    items = list(values)
    if cls in (OrderSendResult, OrderCheckResult):
        items[-1] = TradeRequest(*items[-1])
    return cls(*items)
