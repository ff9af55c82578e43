"""Constants of the `MetaTrader5` Python module, with the module's own names and values.

Everything here mirrors `import MetaTrader5 as mt5; mt5.<NAME>` so code written against
this module runs unchanged against the native package. Values were checked against the
MQL5 reference (trade/order/deal/position enumerations, ENUM_TIMEFRAMES, trade server
return codes) and the Python module's documentation (`last_error` codes, `COPY_TICKS_*`).

Helpers at the bottom classify return codes:

- :func:`retcode_name` / :func:`retcode_description` for logs and rejection reasons;
- :func:`is_success_retcode`;
- :func:`retcode_retry_policy`: ``"fresh_price"`` (requote, price changed, off quotes:
  resend with a new price), ``"after_check"`` (timeout, too many requests, no connection:
  the outcome is unknown, reconcile with `orders_get`/`history_deals_get` before any
  resend), ``"never"`` (invalid volume/stops, trading disabled, market closed, no money,
  invalid filling, ...) or ``"none"`` for successes;
- :func:`is_connection_error` for the ``-10000…-10005`` IPC `last_error` codes.
"""

from __future__ import annotations

from typing import Final, Literal

# --- Trade request actions (TRADE_REQUEST_ACTIONS) -------------------------------------
TRADE_ACTION_DEAL: Final = 1
TRADE_ACTION_PENDING: Final = 5
TRADE_ACTION_SLTP: Final = 6
TRADE_ACTION_MODIFY: Final = 7
TRADE_ACTION_REMOVE: Final = 8
TRADE_ACTION_CLOSE_BY: Final = 10

# --- Order types (ORDER_TYPE) ----------------------------------------------------------
ORDER_TYPE_BUY: Final = 0
ORDER_TYPE_SELL: Final = 1
ORDER_TYPE_BUY_LIMIT: Final = 2
ORDER_TYPE_SELL_LIMIT: Final = 3
ORDER_TYPE_BUY_STOP: Final = 4
ORDER_TYPE_SELL_STOP: Final = 5
ORDER_TYPE_BUY_STOP_LIMIT: Final = 6
ORDER_TYPE_SELL_STOP_LIMIT: Final = 7
ORDER_TYPE_CLOSE_BY: Final = 8

# --- Request filling policy (ORDER_TYPE_FILLING, request `type_filling`) ---------------
ORDER_FILLING_FOK: Final = 0
ORDER_FILLING_IOC: Final = 1
ORDER_FILLING_RETURN: Final = 2
ORDER_FILLING_BOC: Final = 3

#: The trade server keeps at most this many characters of a request `comment` (not an
#: export of the module: a documented limit of the trade server).
MAX_COMMENT_LENGTH: Final = 31

# --- Order lifetime (ORDER_TYPE_TIME, request `type_time`) -----------------------------
ORDER_TIME_GTC: Final = 0
ORDER_TIME_DAY: Final = 1
ORDER_TIME_SPECIFIED: Final = 2
ORDER_TIME_SPECIFIED_DAY: Final = 3

# --- Order state (ORDER_STATE) ---------------------------------------------------------
ORDER_STATE_STARTED: Final = 0
ORDER_STATE_PLACED: Final = 1
ORDER_STATE_CANCELED: Final = 2
ORDER_STATE_PARTIAL: Final = 3
ORDER_STATE_FILLED: Final = 4
ORDER_STATE_REJECTED: Final = 5
ORDER_STATE_EXPIRED: Final = 6
ORDER_STATE_REQUEST_ADD: Final = 7
ORDER_STATE_REQUEST_MODIFY: Final = 8
ORDER_STATE_REQUEST_CANCEL: Final = 9

# --- Order / deal / position reasons ---------------------------------------------------
ORDER_REASON_CLIENT: Final = 0
ORDER_REASON_MOBILE: Final = 1
ORDER_REASON_WEB: Final = 2
ORDER_REASON_EXPERT: Final = 3
ORDER_REASON_SL: Final = 4
ORDER_REASON_TP: Final = 5
ORDER_REASON_SO: Final = 6

DEAL_REASON_CLIENT: Final = 0
DEAL_REASON_MOBILE: Final = 1
DEAL_REASON_WEB: Final = 2
DEAL_REASON_EXPERT: Final = 3
DEAL_REASON_SL: Final = 4
DEAL_REASON_TP: Final = 5
DEAL_REASON_SO: Final = 6
DEAL_REASON_ROLLOVER: Final = 7
DEAL_REASON_VMARGIN: Final = 8
DEAL_REASON_SPLIT: Final = 9

POSITION_REASON_CLIENT: Final = 0
POSITION_REASON_MOBILE: Final = 1
POSITION_REASON_WEB: Final = 2
POSITION_REASON_EXPERT: Final = 3

# --- Deal types (DEAL_TYPE) ------------------------------------------------------------
DEAL_TYPE_BUY: Final = 0
DEAL_TYPE_SELL: Final = 1
DEAL_TYPE_BALANCE: Final = 2
DEAL_TYPE_CREDIT: Final = 3
DEAL_TYPE_CHARGE: Final = 4
DEAL_TYPE_CORRECTION: Final = 5
DEAL_TYPE_BONUS: Final = 6
DEAL_TYPE_COMMISSION: Final = 7
DEAL_TYPE_COMMISSION_DAILY: Final = 8
DEAL_TYPE_COMMISSION_MONTHLY: Final = 9
DEAL_TYPE_COMMISSION_AGENT_DAILY: Final = 10
DEAL_TYPE_COMMISSION_AGENT_MONTHLY: Final = 11
DEAL_TYPE_INTEREST: Final = 12
DEAL_TYPE_BUY_CANCELED: Final = 13
DEAL_TYPE_SELL_CANCELED: Final = 14
DEAL_DIVIDEND: Final = 15
DEAL_DIVIDEND_FRANKED: Final = 16
DEAL_TAX: Final = 17

# --- Deal entry (DEAL_ENTRY) -----------------------------------------------------------
DEAL_ENTRY_IN: Final = 0
DEAL_ENTRY_OUT: Final = 1
DEAL_ENTRY_INOUT: Final = 2
DEAL_ENTRY_OUT_BY: Final = 3

# --- Position type (POSITION_TYPE) -----------------------------------------------------
POSITION_TYPE_BUY: Final = 0
POSITION_TYPE_SELL: Final = 1

# --- Account ---------------------------------------------------------------------------
ACCOUNT_TRADE_MODE_DEMO: Final = 0
ACCOUNT_TRADE_MODE_CONTEST: Final = 1
ACCOUNT_TRADE_MODE_REAL: Final = 2

ACCOUNT_STOPOUT_MODE_PERCENT: Final = 0
ACCOUNT_STOPOUT_MODE_MONEY: Final = 1

ACCOUNT_MARGIN_MODE_RETAIL_NETTING: Final = 0
ACCOUNT_MARGIN_MODE_EXCHANGE: Final = 1
ACCOUNT_MARGIN_MODE_RETAIL_HEDGING: Final = 2

# --- Symbol properties -----------------------------------------------------------------
# `SymbolInfo.filling_mode` is a bitmask with values other than ORDER_FILLING_*.
SYMBOL_FILLING_FOK: Final = 1
SYMBOL_FILLING_IOC: Final = 2
SYMBOL_FILLING_BOC: Final = 4

# `SymbolInfo.expiration_mode` bitmask.
SYMBOL_EXPIRATION_GTC: Final = 1
SYMBOL_EXPIRATION_DAY: Final = 2
SYMBOL_EXPIRATION_SPECIFIED: Final = 4
SYMBOL_EXPIRATION_SPECIFIED_DAY: Final = 8

# `SymbolInfo.order_mode` bitmask.
SYMBOL_ORDER_MARKET: Final = 1
SYMBOL_ORDER_LIMIT: Final = 2
SYMBOL_ORDER_STOP: Final = 4
SYMBOL_ORDER_STOP_LIMIT: Final = 8
SYMBOL_ORDER_SL: Final = 16
SYMBOL_ORDER_TP: Final = 32
SYMBOL_ORDER_CLOSEBY: Final = 64

SYMBOL_TRADE_MODE_DISABLED: Final = 0
SYMBOL_TRADE_MODE_LONGONLY: Final = 1
SYMBOL_TRADE_MODE_SHORTONLY: Final = 2
SYMBOL_TRADE_MODE_CLOSEONLY: Final = 3
SYMBOL_TRADE_MODE_FULL: Final = 4

SYMBOL_TRADE_EXECUTION_REQUEST: Final = 0
SYMBOL_TRADE_EXECUTION_INSTANT: Final = 1
SYMBOL_TRADE_EXECUTION_MARKET: Final = 2
SYMBOL_TRADE_EXECUTION_EXCHANGE: Final = 3

SYMBOL_CALC_MODE_FOREX: Final = 0
SYMBOL_CALC_MODE_FUTURES: Final = 1
SYMBOL_CALC_MODE_CFD: Final = 2
SYMBOL_CALC_MODE_CFDINDEX: Final = 3
SYMBOL_CALC_MODE_CFDLEVERAGE: Final = 4
SYMBOL_CALC_MODE_FOREX_NO_LEVERAGE: Final = 5
SYMBOL_CALC_MODE_EXCH_STOCKS: Final = 32
SYMBOL_CALC_MODE_EXCH_FUTURES: Final = 33
SYMBOL_CALC_MODE_EXCH_FUTURES_FORTS: Final = 34
SYMBOL_CALC_MODE_EXCH_OPTIONS: Final = 34
SYMBOL_CALC_MODE_EXCH_OPTIONS_MARGIN: Final = 36
SYMBOL_CALC_MODE_EXCH_BONDS: Final = 37
SYMBOL_CALC_MODE_EXCH_STOCKS_MOEX: Final = 38
SYMBOL_CALC_MODE_EXCH_BONDS_MOEX: Final = 39
SYMBOL_CALC_MODE_SERV_COLLATERAL: Final = 64

SYMBOL_SWAP_MODE_DISABLED: Final = 0
SYMBOL_SWAP_MODE_POINTS: Final = 1
SYMBOL_SWAP_MODE_CURRENCY_SYMBOL: Final = 2
SYMBOL_SWAP_MODE_CURRENCY_MARGIN: Final = 3
SYMBOL_SWAP_MODE_CURRENCY_DEPOSIT: Final = 4
SYMBOL_SWAP_MODE_INTEREST_CURRENT: Final = 5
SYMBOL_SWAP_MODE_INTEREST_OPEN: Final = 6
SYMBOL_SWAP_MODE_REOPEN_CURRENT: Final = 7
SYMBOL_SWAP_MODE_REOPEN_BID: Final = 8

# `SymbolInfo.order_gtc_mode`: how long SL/TP and pending orders live.
SYMBOL_ORDERS_GTC: Final = 0
SYMBOL_ORDERS_DAILY: Final = 1
SYMBOL_ORDERS_DAILY_NO_STOPS: Final = 2

SYMBOL_CHART_MODE_BID: Final = 0
SYMBOL_CHART_MODE_LAST: Final = 1

SYMBOL_OPTION_MODE_EUROPEAN: Final = 0
SYMBOL_OPTION_MODE_AMERICAN: Final = 1
SYMBOL_OPTION_RIGHT_CALL: Final = 0
SYMBOL_OPTION_RIGHT_PUT: Final = 1

# `SymbolInfo.swap_rollover3days`.
DAY_OF_WEEK_SUNDAY: Final = 0
DAY_OF_WEEK_MONDAY: Final = 1
DAY_OF_WEEK_TUESDAY: Final = 2
DAY_OF_WEEK_WEDNESDAY: Final = 3
DAY_OF_WEEK_THURSDAY: Final = 4
DAY_OF_WEEK_FRIDAY: Final = 5
DAY_OF_WEEK_SATURDAY: Final = 6

# --- Market depth (BookInfo.type, `market_book_get`) -----------------------------------
BOOK_TYPE_SELL: Final = 1
BOOK_TYPE_BUY: Final = 2
BOOK_TYPE_SELL_MARKET: Final = 3
BOOK_TYPE_BUY_MARKET: Final = 4

# --- Timeframes (ENUM_TIMEFRAMES as exported by the Python module) ---------------------
TIMEFRAME_M1: Final = 1
TIMEFRAME_M2: Final = 2
TIMEFRAME_M3: Final = 3
TIMEFRAME_M4: Final = 4
TIMEFRAME_M5: Final = 5
TIMEFRAME_M6: Final = 6
TIMEFRAME_M10: Final = 10
TIMEFRAME_M12: Final = 12
TIMEFRAME_M15: Final = 15
TIMEFRAME_M20: Final = 20
TIMEFRAME_M30: Final = 30
TIMEFRAME_H1: Final = 1 | 0x4000  # 16385
TIMEFRAME_H2: Final = 2 | 0x4000
TIMEFRAME_H3: Final = 3 | 0x4000
TIMEFRAME_H4: Final = 4 | 0x4000
TIMEFRAME_H6: Final = 6 | 0x4000
TIMEFRAME_H8: Final = 8 | 0x4000
TIMEFRAME_H12: Final = 12 | 0x4000
TIMEFRAME_D1: Final = 24 | 0x4000  # 16408
TIMEFRAME_W1: Final = 1 | 0x8000  # 32769
TIMEFRAME_MN1: Final = 1 | 0xC000  # 49153

#: Fixed-length timeframes in seconds (MN1 has no fixed length and is not listed).
TIMEFRAME_SECONDS: Final[dict[int, int]] = {
    TIMEFRAME_M1: 60,
    TIMEFRAME_M2: 120,
    TIMEFRAME_M3: 180,
    TIMEFRAME_M4: 240,
    TIMEFRAME_M5: 300,
    TIMEFRAME_M6: 360,
    TIMEFRAME_M10: 600,
    TIMEFRAME_M12: 720,
    TIMEFRAME_M15: 900,
    TIMEFRAME_M20: 1200,
    TIMEFRAME_M30: 1800,
    TIMEFRAME_H1: 3600,
    TIMEFRAME_H2: 7200,
    TIMEFRAME_H3: 10800,
    TIMEFRAME_H4: 14400,
    TIMEFRAME_H6: 21600,
    TIMEFRAME_H8: 28800,
    TIMEFRAME_H12: 43200,
    TIMEFRAME_D1: 86400,
    TIMEFRAME_W1: 604800,
}

# --- Ticks -----------------------------------------------------------------------------
COPY_TICKS_ALL: Final = -1
COPY_TICKS_INFO: Final = 1
COPY_TICKS_TRADE: Final = 2

TICK_FLAG_BID: Final = 0x02
TICK_FLAG_ASK: Final = 0x04
TICK_FLAG_LAST: Final = 0x08
TICK_FLAG_VOLUME: Final = 0x10
TICK_FLAG_BUY: Final = 0x20
TICK_FLAG_SELL: Final = 0x40

# --- Trade server return codes (MqlTradeResult.retcode) --------------------------------
TRADE_RETCODE_REQUOTE: Final = 10004
TRADE_RETCODE_REJECT: Final = 10006
TRADE_RETCODE_CANCEL: Final = 10007
TRADE_RETCODE_PLACED: Final = 10008
TRADE_RETCODE_DONE: Final = 10009
TRADE_RETCODE_DONE_PARTIAL: Final = 10010
TRADE_RETCODE_ERROR: Final = 10011
TRADE_RETCODE_TIMEOUT: Final = 10012
TRADE_RETCODE_INVALID: Final = 10013
TRADE_RETCODE_INVALID_VOLUME: Final = 10014
TRADE_RETCODE_INVALID_PRICE: Final = 10015
TRADE_RETCODE_INVALID_STOPS: Final = 10016
TRADE_RETCODE_TRADE_DISABLED: Final = 10017
TRADE_RETCODE_MARKET_CLOSED: Final = 10018
TRADE_RETCODE_NO_MONEY: Final = 10019
TRADE_RETCODE_PRICE_CHANGED: Final = 10020
TRADE_RETCODE_PRICE_OFF: Final = 10021
TRADE_RETCODE_INVALID_EXPIRATION: Final = 10022
TRADE_RETCODE_ORDER_CHANGED: Final = 10023
TRADE_RETCODE_TOO_MANY_REQUESTS: Final = 10024
TRADE_RETCODE_NO_CHANGES: Final = 10025
TRADE_RETCODE_SERVER_DISABLES_AT: Final = 10026
TRADE_RETCODE_CLIENT_DISABLES_AT: Final = 10027
TRADE_RETCODE_LOCKED: Final = 10028
TRADE_RETCODE_FROZEN: Final = 10029
TRADE_RETCODE_INVALID_FILL: Final = 10030
TRADE_RETCODE_CONNECTION: Final = 10031
TRADE_RETCODE_ONLY_REAL: Final = 10032
TRADE_RETCODE_LIMIT_ORDERS: Final = 10033
TRADE_RETCODE_LIMIT_VOLUME: Final = 10034
TRADE_RETCODE_INVALID_ORDER: Final = 10035
TRADE_RETCODE_POSITION_CLOSED: Final = 10036
TRADE_RETCODE_INVALID_CLOSE_VOLUME: Final = 10038
TRADE_RETCODE_CLOSE_ORDER_EXIST: Final = 10039
TRADE_RETCODE_LIMIT_POSITIONS: Final = 10040
TRADE_RETCODE_REJECT_CANCEL: Final = 10041
TRADE_RETCODE_LONG_ONLY: Final = 10042
TRADE_RETCODE_SHORT_ONLY: Final = 10043
TRADE_RETCODE_CLOSE_ONLY: Final = 10044
TRADE_RETCODE_FIFO_CLOSE: Final = 10045
TRADE_RETCODE_HEDGE_PROHIBITED: Final = 10046

#: `order_check` reports success with retcode 0 (its comment reads "Done").
ORDER_CHECK_RETCODE_OK: Final = 0

# --- `last_error()` codes of the Python module -----------------------------------------
RES_S_OK: Final = 1
RES_E_FAIL: Final = -1
RES_E_INVALID_PARAMS: Final = -2
RES_E_NO_MEMORY: Final = -3
RES_E_NOT_FOUND: Final = -4
RES_E_INVALID_VERSION: Final = -5
RES_E_AUTH_FAILED: Final = -6
RES_E_UNSUPPORTED: Final = -7
RES_E_AUTO_TRADING_DISABLED: Final = -8
RES_E_INTERNAL_FAIL: Final = -10000
RES_E_INTERNAL_FAIL_SEND: Final = -10001
RES_E_INTERNAL_FAIL_RECEIVE: Final = -10002
RES_E_INTERNAL_FAIL_INIT: Final = -10003
RES_E_INTERNAL_FAIL_CONNECT: Final = -10004
RES_E_INTERNAL_FAIL_TIMEOUT: Final = -10005

#: `last_error()` descriptions: the module's own strings (e.g. ``(-2, 'Terminal: Invalid
#: params')``; those of -3, -5, -7, -8, -10000 and -10002 follow the pattern unverified).
LAST_ERROR_DESCRIPTIONS: Final[dict[int, str]] = {
    RES_S_OK: "Success",
    RES_E_FAIL: "Terminal: Call failed",
    RES_E_INVALID_PARAMS: "Terminal: Invalid params",
    RES_E_NO_MEMORY: "Terminal: No memory",
    RES_E_NOT_FOUND: "Terminal: Not found",
    RES_E_INVALID_VERSION: "Terminal: Invalid version",
    RES_E_AUTH_FAILED: "Terminal: Authorization failed",
    RES_E_UNSUPPORTED: "Terminal: Unsupported method",
    RES_E_AUTO_TRADING_DISABLED: "Terminal: Auto-trading disabled",
    RES_E_INTERNAL_FAIL: "IPC internal error",
    RES_E_INTERNAL_FAIL_SEND: "IPC send failed",
    RES_E_INTERNAL_FAIL_RECEIVE: "IPC recv failed",
    RES_E_INTERNAL_FAIL_INIT: "IPC initialize failed",
    RES_E_INTERNAL_FAIL_CONNECT: "No IPC connection",
    RES_E_INTERNAL_FAIL_TIMEOUT: "IPC timeout",
}

#: Codes that mean the terminal link is down: reconnect (with backoff) and retry.
CONNECTION_ERROR_CODES: Final = frozenset(
    range(RES_E_INTERNAL_FAIL_TIMEOUT, RES_E_INTERNAL_FAIL + 1)
)

_RETCODE_DESCRIPTIONS: Final[dict[int, tuple[str, str]]] = {
    ORDER_CHECK_RETCODE_OK: ("ORDER_CHECK_OK", "Done"),
    TRADE_RETCODE_REQUOTE: ("TRADE_RETCODE_REQUOTE", "Requote"),
    TRADE_RETCODE_REJECT: ("TRADE_RETCODE_REJECT", "Request rejected"),
    TRADE_RETCODE_CANCEL: ("TRADE_RETCODE_CANCEL", "Request canceled by trader"),
    TRADE_RETCODE_PLACED: ("TRADE_RETCODE_PLACED", "Order placed"),
    TRADE_RETCODE_DONE: ("TRADE_RETCODE_DONE", "Request completed"),
    TRADE_RETCODE_DONE_PARTIAL: (
        "TRADE_RETCODE_DONE_PARTIAL",
        "Only part of the request was completed",
    ),
    TRADE_RETCODE_ERROR: ("TRADE_RETCODE_ERROR", "Request processing error"),
    TRADE_RETCODE_TIMEOUT: ("TRADE_RETCODE_TIMEOUT", "Request canceled by timeout"),
    TRADE_RETCODE_INVALID: ("TRADE_RETCODE_INVALID", "Invalid request"),
    TRADE_RETCODE_INVALID_VOLUME: ("TRADE_RETCODE_INVALID_VOLUME", "Invalid volume in the request"),
    TRADE_RETCODE_INVALID_PRICE: ("TRADE_RETCODE_INVALID_PRICE", "Invalid price in the request"),
    TRADE_RETCODE_INVALID_STOPS: ("TRADE_RETCODE_INVALID_STOPS", "Invalid stops in the request"),
    TRADE_RETCODE_TRADE_DISABLED: ("TRADE_RETCODE_TRADE_DISABLED", "Trade is disabled"),
    TRADE_RETCODE_MARKET_CLOSED: ("TRADE_RETCODE_MARKET_CLOSED", "Market is closed"),
    TRADE_RETCODE_NO_MONEY: (
        "TRADE_RETCODE_NO_MONEY",
        "There is not enough money to complete the request",
    ),
    TRADE_RETCODE_PRICE_CHANGED: ("TRADE_RETCODE_PRICE_CHANGED", "Prices changed"),
    TRADE_RETCODE_PRICE_OFF: (
        "TRADE_RETCODE_PRICE_OFF",
        "There are no quotes to process the request",
    ),
    TRADE_RETCODE_INVALID_EXPIRATION: (
        "TRADE_RETCODE_INVALID_EXPIRATION",
        "Invalid order expiration date in the request",
    ),
    TRADE_RETCODE_ORDER_CHANGED: ("TRADE_RETCODE_ORDER_CHANGED", "Order state changed"),
    TRADE_RETCODE_TOO_MANY_REQUESTS: ("TRADE_RETCODE_TOO_MANY_REQUESTS", "Too frequent requests"),
    TRADE_RETCODE_NO_CHANGES: ("TRADE_RETCODE_NO_CHANGES", "No changes in request"),
    TRADE_RETCODE_SERVER_DISABLES_AT: (
        "TRADE_RETCODE_SERVER_DISABLES_AT",
        "Autotrading disabled by server",
    ),
    TRADE_RETCODE_CLIENT_DISABLES_AT: (
        "TRADE_RETCODE_CLIENT_DISABLES_AT",
        "Autotrading disabled by client terminal",
    ),
    TRADE_RETCODE_LOCKED: ("TRADE_RETCODE_LOCKED", "Request locked for processing"),
    TRADE_RETCODE_FROZEN: ("TRADE_RETCODE_FROZEN", "Order or position frozen"),
    TRADE_RETCODE_INVALID_FILL: ("TRADE_RETCODE_INVALID_FILL", "Invalid order filling type"),
    TRADE_RETCODE_CONNECTION: ("TRADE_RETCODE_CONNECTION", "No connection with the trade server"),
    TRADE_RETCODE_ONLY_REAL: (
        "TRADE_RETCODE_ONLY_REAL",
        "Operation is allowed only for live accounts",
    ),
    TRADE_RETCODE_LIMIT_ORDERS: (
        "TRADE_RETCODE_LIMIT_ORDERS",
        "The number of pending orders has reached the limit",
    ),
    TRADE_RETCODE_LIMIT_VOLUME: (
        "TRADE_RETCODE_LIMIT_VOLUME",
        "The volume of orders and positions for the symbol has reached the limit",
    ),
    TRADE_RETCODE_INVALID_ORDER: (
        "TRADE_RETCODE_INVALID_ORDER",
        "Incorrect or prohibited order type",
    ),
    TRADE_RETCODE_POSITION_CLOSED: (
        "TRADE_RETCODE_POSITION_CLOSED",
        "Position with the specified POSITION_IDENTIFIER has already been closed",
    ),
    TRADE_RETCODE_INVALID_CLOSE_VOLUME: (
        "TRADE_RETCODE_INVALID_CLOSE_VOLUME",
        "A close volume exceeds the current position volume",
    ),
    TRADE_RETCODE_CLOSE_ORDER_EXIST: (
        "TRADE_RETCODE_CLOSE_ORDER_EXIST",
        "A close order already exists for the specified position",
    ),
    TRADE_RETCODE_LIMIT_POSITIONS: (
        "TRADE_RETCODE_LIMIT_POSITIONS",
        "The number of open positions has reached the limit",
    ),
    TRADE_RETCODE_REJECT_CANCEL: (
        "TRADE_RETCODE_REJECT_CANCEL",
        "The pending order activation request is rejected, the order is canceled",
    ),
    TRADE_RETCODE_LONG_ONLY: ("TRADE_RETCODE_LONG_ONLY", "Only long positions are allowed"),
    TRADE_RETCODE_SHORT_ONLY: ("TRADE_RETCODE_SHORT_ONLY", "Only short positions are allowed"),
    TRADE_RETCODE_CLOSE_ONLY: ("TRADE_RETCODE_CLOSE_ONLY", "Only position closing is allowed"),
    TRADE_RETCODE_FIFO_CLOSE: (
        "TRADE_RETCODE_FIFO_CLOSE",
        "Position closing is allowed only by FIFO rule",
    ),
    TRADE_RETCODE_HEDGE_PROHIBITED: (
        "TRADE_RETCODE_HEDGE_PROHIBITED",
        "Opposite positions on a single symbol are disabled",
    ),
}

#: Successful outcomes of `order_send` (and 0 for `order_check`).
SUCCESS_RETCODES: Final = frozenset(
    {
        ORDER_CHECK_RETCODE_OK,
        TRADE_RETCODE_PLACED,
        TRADE_RETCODE_DONE,
        TRADE_RETCODE_DONE_PARTIAL,
        TRADE_RETCODE_NO_CHANGES,
    },
)

#: Retry with a fresh price (the request was not executed).
RETRY_FRESH_PRICE_RETCODES: Final = frozenset(
    {TRADE_RETCODE_REQUOTE, TRADE_RETCODE_PRICE_CHANGED, TRADE_RETCODE_PRICE_OFF},
)

#: Outcome unknown or transient: pause, check whether it went through, then maybe retry.
RETRY_AFTER_CHECK_RETCODES: Final = frozenset(
    {TRADE_RETCODE_TIMEOUT, TRADE_RETCODE_TOO_MANY_REQUESTS, TRADE_RETCODE_CONNECTION},
)

RetryPolicy = Literal["none", "fresh_price", "after_check", "never"]


#: Names above that the `MetaTrader5` module does not export (documented MQL5 values the
#: simulator uses internally): the drop-in modules leave them out, so that a script developed
#: against the simulator does not fail with AttributeError on the real module.
NOT_MODULE_EXPORTS: Final = frozenset(
    {
        "MAX_COMMENT_LENGTH",
        "ORDER_CHECK_RETCODE_OK",
        "ORDER_FILLING_BOC",
        "SYMBOL_CALC_MODE_EXCH_FUTURES_FORTS",
        "SYMBOL_EXPIRATION_GTC",
        "SYMBOL_EXPIRATION_DAY",
        "SYMBOL_EXPIRATION_SPECIFIED",
        "SYMBOL_EXPIRATION_SPECIFIED_DAY",
        "SYMBOL_FILLING_FOK",
        "SYMBOL_FILLING_IOC",
        "SYMBOL_FILLING_BOC",
        "SYMBOL_ORDER_MARKET",
        "SYMBOL_ORDER_LIMIT",
        "SYMBOL_ORDER_STOP",
        "SYMBOL_ORDER_STOP_LIMIT",
        "SYMBOL_ORDER_SL",
        "SYMBOL_ORDER_TP",
        "SYMBOL_ORDER_CLOSEBY",
    },
)


def retcode_name(retcode: int) -> str:
    """Return the constant's name for a trade return code (``"UNKNOWN_<code>"`` if unknown)."""
    entry = _RETCODE_DESCRIPTIONS.get(int(retcode))
    return entry[0] if entry else f"UNKNOWN_{int(retcode)}"


def retcode_description(retcode: int) -> str:
    """Return the documented description of a trade return code."""
    entry = _RETCODE_DESCRIPTIONS.get(int(retcode))
    return entry[1] if entry else f"Unknown trade return code {int(retcode)}"


def is_success_retcode(retcode: int) -> bool:
    """Return whether an `order_send`/`order_check` retcode means the request went through."""
    return int(retcode) in SUCCESS_RETCODES


def retcode_retry_policy(retcode: int) -> RetryPolicy:
    """Classify a retcode: ``none`` (success), ``fresh_price``, ``after_check`` or ``never``."""
    code = int(retcode)
    if code in SUCCESS_RETCODES:
        return "none"
    if code in RETRY_FRESH_PRICE_RETCODES:
        return "fresh_price"
    if code in RETRY_AFTER_CHECK_RETCODES:
        return "after_check"
    return "never"


def last_error_description(code: int) -> str:
    """Return the module's description of a `last_error()` code."""
    return LAST_ERROR_DESCRIPTIONS.get(int(code), f"Unknown error {int(code)}")


def is_connection_error(code: int) -> bool:
    """Return whether a `last_error()` code means the terminal link is down (reconnect)."""
    return int(code) in CONNECTION_ERROR_CODES


def timeframe_seconds(timeframe: int) -> int:
    """Return a fixed-length timeframe's duration in seconds; raise `ValueError` for MN1/unknown."""
    try:
        return TIMEFRAME_SECONDS[int(timeframe)]
    except KeyError:
        raise ValueError(
            f"`timeframe` {timeframe!r} has no fixed length; use a TIMEFRAME_* constant "
            "from M1 to W1",
        ) from None


def order_filling_from_symbol(filling_mode: int) -> int:
    """Choose the request `type_filling` the symbol's `filling_mode` bitmask allows.

    FOK if the symbol allows it, else IOC, else RETURN (always allowed for market
    execution symbols with neither flag set, as the terminal does).
    """
    mode = int(filling_mode)
    if mode & SYMBOL_FILLING_FOK:
        return ORDER_FILLING_FOK
    if mode & SYMBOL_FILLING_IOC:
        return ORDER_FILLING_IOC
    return ORDER_FILLING_RETURN
