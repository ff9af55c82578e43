"""`TradingApi`: the trading functions of the `MetaTrader5` module over the simulated account.

`order_calc_margin` / `order_calc_profit`, `order_check` / `order_send` (parsed by
`requests`, executed by `matching.TradeEngine`), open orders and positions, and the order
and deal history (dates in server time, as MT5 takes them).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.protocol import DateLike
from nautilus_rl_lab.mt5.simulator.api import ApiFailure, TerminalApi, group_match, mt5_api
from nautilus_rl_lab.mt5.simulator.requests import parse_request
from nautilus_rl_lab.mt5.structures import (
    OrderCheckResult,
    OrderSendResult,
    TradeDeal,
    TradeOrder,
    TradePosition,
)

logger = logging.getLogger(__name__)


class TradingApi(TerminalApi):
    """The trading half of the simulator's MT5 API."""

    @staticmethod
    def _check_side(action: int) -> None:
        if action not in (mt5c.ORDER_TYPE_BUY, mt5c.ORDER_TYPE_SELL):
            raise ApiFailure(
                mt5c.RES_E_INVALID_PARAMS, "action must be ORDER_TYPE_BUY or ORDER_TYPE_SELL"
            )

    @staticmethod
    def _check_amount(name: str, value: Any) -> float:
        """A finite number >= 0 (volume, price), else the module's invalid-params failure."""
        number = float(value) if isinstance(value, int | float | np.number) else math.nan
        if isinstance(value, bool) or not math.isfinite(number) or number < 0:
            raise ApiFailure(
                mt5c.RES_E_INVALID_PARAMS, f"{name} must be a finite number >= 0, was {value!r}"
            )
        return number

    @mt5_api(None)
    def order_calc_margin(
        self,
        action: int,
        symbol: str,
        volume: float,
        price: float,
    ) -> float | None:
        self._check_side(action)
        spec = self._spec(symbol)
        return self.account.calc_margin(
            spec, action, self._check_amount("volume", volume), self._check_amount("price", price)
        )

    @mt5_api(None)
    def order_calc_profit(
        self,
        action: int,
        symbol: str,
        volume: float,
        price_open: float,
        price_close: float,
    ) -> float | None:
        self._check_side(action)
        spec = self._spec(symbol)
        return self.account.calc_profit(
            spec,
            action,
            self._check_amount("volume", volume),
            self._check_amount("price_open", price_open),
            self._check_amount("price_close", price_close),
        )

    @mt5_api(None)
    def order_check(self, request: Mapping[str, Any]) -> OrderCheckResult | None:
        return self._engine.check(parse_request(request), self._clock.now_ms)

    @mt5_api(None)
    def order_send(self, request: Mapping[str, Any]) -> OrderSendResult | None:
        result = self._engine.send(parse_request(request), self._clock.now_ms)
        logger.debug("order_send %s -> %s %s", request, result.retcode, result.comment)
        return result

    @staticmethod
    def _select(
        items: list[Any], symbol: str | None, group: str | None, ticket: int | None
    ) -> list[Any]:
        if ticket is not None:
            return [i for i in items if i.ticket == int(ticket)]
        if symbol is not None:
            return [i for i in items if i.symbol == symbol]
        return [i for i in items if group_match(i.symbol, group)]

    @mt5_api(None)
    def orders_total(self) -> int | None:
        return len(self.account.orders)

    @mt5_api(None)
    def orders_get(
        self,
        symbol: str | None = None,
        group: str | None = None,
        ticket: int | None = None,
    ) -> tuple[TradeOrder, ...] | None:
        orders = self._select(list(self.account.orders.values()), symbol, group, ticket)
        return tuple(self.account.trade_order(o, self._time) for o in orders)

    @mt5_api(None)
    def positions_total(self) -> int | None:
        return len(self.account.positions)

    @mt5_api(None)
    def positions_get(
        self,
        symbol: str | None = None,
        group: str | None = None,
        ticket: int | None = None,
    ) -> tuple[TradePosition, ...] | None:
        positions = self._select(list(self.account.positions.values()), symbol, group, ticket)
        return tuple(self.account.trade_position(p, self._time) for p in positions)

    def _history(
        self,
        items: list[Any],
        time_of: Callable[[Any], int],
        ticket_of: Callable[[Any], int],
        date_from: DateLike | None,
        date_to: DateLike | None,
        group: str | None,
        ticket: int | None,
        position: int | None,
    ) -> list[Any]:
        if ticket is not None:
            return [i for i in items if ticket_of(i) == int(ticket)]
        if position is not None:
            return [i for i in items if i.position_id == int(position)]
        if date_from is None or date_to is None:
            raise ApiFailure(
                mt5c.RES_E_INVALID_PARAMS,
                "pass date_from and date_to, or ticket=, or position=",
            )
        lo, hi = self._utc_ms(date_from), self._utc_ms(date_to)
        return [i for i in items if lo <= time_of(i) <= hi and group_match(i.symbol, group)]

    def _history_orders(self, *args: Any) -> list[TradeOrder]:
        orders = self._history(
            self.account.history_orders,
            lambda o: o.time_done_msc or o.time_setup_msc,
            lambda o: o.ticket,
            *args,
        )
        return [self.account.trade_order(o, self._time) for o in orders]

    def _history_deals(self, *args: Any) -> list[TradeDeal]:
        deals = self._history(
            self.account.deals,
            lambda d: d.time_msc,
            lambda d: d.order,
            *args,
        )
        return [self.account.trade_deal(d, self._time) for d in deals]

    @mt5_api(None)
    def history_orders_total(self, date_from: DateLike, date_to: DateLike) -> int | None:
        return len(self._history_orders(date_from, date_to, None, None, None))

    @mt5_api(None)
    def history_orders_get(
        self,
        date_from: DateLike | None = None,
        date_to: DateLike | None = None,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> tuple[TradeOrder, ...] | None:
        """History orders by interval (+`group`), by order `ticket`, or by `position` id."""
        return tuple(self._history_orders(date_from, date_to, group, ticket, position))

    @mt5_api(None)
    def history_deals_total(self, date_from: DateLike, date_to: DateLike) -> int | None:
        return len(self._history_deals(date_from, date_to, None, None, None))

    @mt5_api(None)
    def history_deals_get(
        self,
        date_from: DateLike | None = None,
        date_to: DateLike | None = None,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> tuple[TradeDeal, ...] | None:
        """Deals by interval (+`group`), by ORDER `ticket` (as the module does), or `position`."""
        return tuple(self._history_deals(date_from, date_to, group, ticket, position))
