"""`Mt5Client`: the `MetaTrader5` module's function surface as a protocol, and its helpers.

Code above this layer (the Nautilus adapter, scripts) calls exactly what it would call on
``import MetaTrader5 as mt5``: same names, same positional/keyword arguments, same
return types (`structures`), same failure convention — a failing call returns ``None``
(or ``False`` for the boolean session calls) and `last_error()` tells why. Nothing here
raises for MT5-level failures; `Mt5Error` is for callers that want to raise
(`require_success`).

This is layer 1 of `nautilus_rl_lab.mt5` (with `constants` and `structures`): it imports no
backend. Backends (`native`, `rpyc`, `simulator`) implement the protocol; `backends` picks
one. Dates (`date_from`, `date_to`) are `datetime` or POSIX seconds; like the module, which
calls ``datetime.timestamp()``, a naive `datetime` is read in the machine's local time zone
(the documentation's examples pass aware UTC dates to avoid exactly that).

Thread safety: the native module's is undocumented, so every backend serialises its calls
through one lock; callers can share one client between threads.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import numpy as np

from nautilus_rl_lab.errors import Mt5Error
from nautilus_rl_lab.mt5.structures import (
    AccountInfo,
    BookInfo,
    OrderCheckResult,
    OrderSendResult,
    SymbolInfo,
    TerminalInfo,
    Tick,
    TradeDeal,
    TradeOrder,
    TradePosition,
)

DateLike = datetime | int | float

#: Names of the module functions every `Mt5Client` implements (the contract test checks them).
MT5_FUNCTIONS: tuple[str, ...] = (
    "initialize",
    "login",
    "shutdown",
    "version",
    "last_error",
    "account_info",
    "terminal_info",
    "symbols_total",
    "symbols_get",
    "symbol_info",
    "symbol_info_tick",
    "symbol_select",
    "market_book_add",
    "market_book_get",
    "market_book_release",
    "copy_rates_from",
    "copy_rates_from_pos",
    "copy_rates_range",
    "copy_ticks_from",
    "copy_ticks_range",
    "order_calc_margin",
    "order_calc_profit",
    "order_check",
    "order_send",
    "orders_total",
    "orders_get",
    "positions_total",
    "positions_get",
    "history_orders_total",
    "history_orders_get",
    "history_deals_total",
    "history_deals_get",
)


@runtime_checkable
class Mt5Client(Protocol):
    """The `MetaTrader5` module's functions, with its signatures and return types."""

    # --- session ---------------------------------------------------------------------
    def initialize(
        self,
        path: str | None = None,
        *,
        login: int | None = None,
        password: str | None = None,
        server: str | None = None,
        timeout: int | None = None,
        portable: bool = False,
    ) -> bool:
        """Connect to the terminal (and log in when credentials are given)."""
        ...

    def login(
        self,
        login: int,
        password: str | None = None,
        server: str | None = None,
        timeout: int | None = None,
    ) -> bool:
        """Log in to a trading account."""
        ...

    def shutdown(self) -> None:
        """Close the connection to the terminal."""
        ...

    def version(self) -> tuple[int, int, str] | None:
        """Return ``(terminal version, build, build date)``."""
        ...

    def last_error(self) -> tuple[int, str]:
        """Return ``(code, description)`` of the last failure (``(1, "Success")`` if none)."""
        ...

    # --- info ------------------------------------------------------------------------
    def account_info(self) -> AccountInfo | None:
        """Return the current account."""
        ...

    def terminal_info(self) -> TerminalInfo | None:
        """Return the terminal's state and settings."""
        ...

    # --- symbols ---------------------------------------------------------------------
    def symbols_total(self) -> int | None:
        """Return the number of symbols."""
        ...

    def symbols_get(self, group: str | None = None) -> tuple[SymbolInfo, ...] | None:
        """Return all symbols, or those matching `group` (``"*USD*,!EUR*"`` style)."""
        ...

    def symbol_info(self, symbol: str) -> SymbolInfo | None:
        """Return one symbol's specification and current prices."""
        ...

    def symbol_info_tick(self, symbol: str) -> Tick | None:
        """Return the symbol's last tick."""
        ...

    def symbol_select(self, symbol: str, enable: bool = True) -> bool:
        """Show (or hide) a symbol in Market Watch; needed before asking it for ticks."""
        ...

    def market_book_add(self, symbol: str) -> bool:
        """Subscribe to the symbol's market depth (needed before `market_book_get`)."""
        ...

    def market_book_get(self, symbol: str) -> tuple[BookInfo, ...] | None:
        """Return the symbol's market depth, highest price first (sells, then buys)."""
        ...

    def market_book_release(self, symbol: str) -> bool:
        """Cancel the market-depth subscription of `market_book_add`."""
        ...

    # --- market data -----------------------------------------------------------------
    def copy_rates_from(
        self,
        symbol: str,
        timeframe: int,
        date_from: DateLike,
        count: int,
    ) -> np.ndarray | None:
        """Return up to `count` bars opened at or before `date_from`, oldest first."""
        ...

    def copy_rates_from_pos(
        self,
        symbol: str,
        timeframe: int,
        start_pos: int,
        count: int,
    ) -> np.ndarray | None:
        """Return `count` bars from index `start_pos` (0 = newest) backwards, oldest first."""
        ...

    def copy_rates_range(
        self,
        symbol: str,
        timeframe: int,
        date_from: DateLike,
        date_to: DateLike,
    ) -> np.ndarray | None:
        """Return the bars opened in ``[date_from, date_to]``."""
        ...

    def copy_ticks_from(
        self,
        symbol: str,
        date_from: DateLike,
        count: int,
        flags: int,
    ) -> np.ndarray | None:
        """Return up to `count` ticks from `date_from` onwards."""
        ...

    def copy_ticks_range(
        self,
        symbol: str,
        date_from: DateLike,
        date_to: DateLike,
        flags: int,
    ) -> np.ndarray | None:
        """Return the ticks in ``[date_from, date_to]``."""
        ...

    # --- trading ---------------------------------------------------------------------
    def order_calc_margin(
        self,
        action: int,
        symbol: str,
        volume: float,
        price: float,
    ) -> float | None:
        """Return the margin in account currency for ORDER_TYPE_BUY/SELL `action`."""
        ...

    def order_calc_profit(
        self,
        action: int,
        symbol: str,
        volume: float,
        price_open: float,
        price_close: float,
    ) -> float | None:
        """Return the profit in account currency of a BUY/SELL from open to close price."""
        ...

    def order_check(self, request: Mapping[str, Any]) -> OrderCheckResult | None:
        """Check a trade request (funds, parameters) without sending it."""
        ...

    def order_send(self, request: Mapping[str, Any]) -> OrderSendResult | None:
        """Send a trade request to the trade server."""
        ...

    def orders_total(self) -> int | None:
        """Return the number of active (pending) orders."""
        ...

    def orders_get(
        self,
        symbol: str | None = None,
        group: str | None = None,
        ticket: int | None = None,
    ) -> tuple[TradeOrder, ...] | None:
        """Return active orders, filtered by `symbol`, `group` or `ticket`."""
        ...

    def positions_total(self) -> int | None:
        """Return the number of open positions."""
        ...

    def positions_get(
        self,
        symbol: str | None = None,
        group: str | None = None,
        ticket: int | None = None,
    ) -> tuple[TradePosition, ...] | None:
        """Return open positions, filtered by `symbol`, `group` or `ticket`."""
        ...

    def history_orders_total(self, date_from: DateLike, date_to: DateLike) -> int | None:
        """Return the number of history orders in the interval."""
        ...

    def history_orders_get(
        self,
        date_from: DateLike | None = None,
        date_to: DateLike | None = None,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> tuple[TradeOrder, ...] | None:
        """Return history orders by interval (+ `group`), by `ticket` or by `position`."""
        ...

    def history_deals_total(self, date_from: DateLike, date_to: DateLike) -> int | None:
        """Return the number of deals in the interval."""
        ...

    def history_deals_get(
        self,
        date_from: DateLike | None = None,
        date_to: DateLike | None = None,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> tuple[TradeDeal, ...] | None:
        """Return deals by interval (+ `group`), by order `ticket` or by `position`."""
        ...


# --- helpers shared by the backends ------------------------------------------------------


def to_timestamp(value: DateLike) -> float:
    """Return POSIX seconds for a `datetime` (naive = local time, as the module reads it)
    or a number of seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    raise TypeError(f"expected a datetime or POSIX seconds, got {type(value).__name__}")


def require_success(client: Mt5Client, result: Any, what: str) -> Any:
    """Return `result`, or raise `Mt5Error` with `last_error()` when it is None/False."""
    if result is None or result is False:
        code, description = client.last_error()
        raise Mt5Error(f"{what} failed: {description}", code=code)
    return result


@runtime_checkable
class RemoteMt5Client(Mt5Client, Protocol):
    """An `Mt5Client` over a transport (a socket) that its owner closes after `shutdown()`."""

    @property
    def connected(self) -> bool:
        """Whether the transport is open."""
        ...

    def close(self) -> None:
        """Close the transport (the next call reconnects)."""
        ...
