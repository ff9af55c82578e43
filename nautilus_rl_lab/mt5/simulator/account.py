"""Account bookkeeping of the simulated terminal: balance, positions, orders, deals, margin.

Arithmetic (the contract test checks it from the inputs):

- profit of a BUY = ``(close - open) * volume * contract_size`` in the profit currency
  (SELL: ``open - close``), converted to the account currency; a BUY is valued at the bid,
  a SELL at the ask;
- margin (FOREX) = ``volume * contract_size / leverage`` in the margin currency, converted
  at the given price; (CFDLEVERAGE) ``volume * contract_size * price / leverage``;
  a position's margin is fixed at its open price;
- equity = balance + floating profit; free margin = equity - margin;
  margin level = equity / margin * 100 (0 without margin);
- commission = ``-commission_per_lot * volume`` on every deal, taken from the balance.

Netting (`ACCOUNT_MARGIN_MODE_RETAIL_NETTING`): one position per symbol. A deal on the
same side adds to it (volume-weighted open price, entry IN); on the other side it reduces
or closes it (entry OUT) or reverses it (entry INOUT: the position keeps its ticket and
identifier, opens at the deal price with the remaining volume). Hedging: each deal opens a
new position unless the request names `position=<ticket>`, which closes (part of) it.
Closing deals book their profit into the balance.

Currency conversion uses the symbol itself when it quotes the account currency, else
another known symbol (``XXXUSD`` / ``USDXXX``); with none, the rate is 1 (logged once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.server_time import ServerTime
from nautilus_rl_lab.mt5.simulator.symbols import SymbolSpec, normalize_volume
from nautilus_rl_lab.mt5.structures import (
    AccountInfo,
    TradeDeal,
    TradeOrder,
    TradePosition,
)

logger = logging.getLogger(__name__)

QuoteFn = Callable[[str], tuple[float, float] | None]  # symbol -> (bid, ask)


def opposite(side: int) -> int:
    """BUY <-> SELL (order, deal and position types share 0/1)."""
    return mt5c.ORDER_TYPE_SELL if side == mt5c.ORDER_TYPE_BUY else mt5c.ORDER_TYPE_BUY


@dataclass
class Position:
    """An open position (times in UTC ms)."""

    ticket: int
    identifier: int
    symbol: str
    type: int
    volume: float
    price_open: float
    time_msc: int
    time_update_msc: int
    magic: int = 0
    reason: int = mt5c.POSITION_REASON_EXPERT
    sl: float = 0.0
    tp: float = 0.0
    comment: str = ""


@dataclass
class Order:
    """A pending or historical order (times in UTC ms; expiration in UTC seconds)."""

    ticket: int
    symbol: str
    type: int
    state: int
    volume_initial: float
    volume_current: float
    price_open: float
    time_setup_msc: int
    type_time: int = mt5c.ORDER_TIME_GTC
    type_filling: int = mt5c.ORDER_FILLING_RETURN
    time_done_msc: int = 0
    time_expiration: int = 0
    sl: float = 0.0
    tp: float = 0.0
    price_stoplimit: float = 0.0
    price_current: float = 0.0
    magic: int = 0
    position_id: int = 0
    position_by_id: int = 0
    reason: int = mt5c.ORDER_REASON_EXPERT
    comment: str = ""


class _DealFields(TypedDict):
    """The `Account._book` arguments that every deal of one `execute` call shares."""

    spec: SymbolSpec
    side: int
    volume: float
    price: float
    order: int
    time_msc: int
    magic: int
    reason: int
    comment: str


@dataclass
class Account:
    """Balance, positions, orders and deals of one simulated trading account."""

    login: int
    balance: float
    leverage: int
    currency: str
    margin_mode: int
    specs: dict[str, SymbolSpec]
    quote: QuoteFn
    name: str = ""
    server: str = ""
    company: str = ""
    commission_per_lot: float = 0.0
    margin_so_call: float = 100.0
    margin_so_so: float = 50.0
    positions: dict[int, Position] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    history_orders: list[Order] = field(default_factory=list)
    deals: list[TradeDeal] = field(default_factory=list)
    _next_order: int = 100_001
    _next_deal: int = 200_001
    _warned: set[str] = field(default_factory=set)

    # --- tickets ---------------------------------------------------------------------
    def new_order_ticket(self) -> int:
        ticket = self._next_order
        self._next_order += 1
        return ticket

    def new_deal_ticket(self) -> int:
        ticket = self._next_deal
        self._next_deal += 1
        return ticket

    @property
    def hedging(self) -> bool:
        return self.margin_mode == mt5c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING

    # --- conversion and arithmetic -----------------------------------------------------
    def rate(self, currency: str, spec: SymbolSpec, price: float | None) -> float:
        """Units of account currency per unit of `currency`."""
        if currency == self.currency:
            return 1.0
        if price and spec.currency_base == currency and spec.currency_profit == self.currency:
            return price
        if price and spec.currency_base == self.currency and spec.currency_profit == currency:
            return 1.0 / price
        for other in self.specs.values():
            quote = self.quote(other.name)
            if not quote or not quote[0]:
                continue
            if other.currency_base == currency and other.currency_profit == self.currency:
                return quote[0]
            if other.currency_base == self.currency and other.currency_profit == currency:
                return 1.0 / quote[1]
        if currency not in self._warned:
            self._warned.add(currency)
            logger.warning("No symbol converts %s to %s; using rate 1", currency, self.currency)
        return 1.0

    def calc_profit(
        self,
        spec: SymbolSpec,
        side: int,
        volume: float,
        price_open: float,
        price_close: float,
    ) -> float:
        """Profit in account currency of a BUY/SELL of `volume` lots from open to close."""
        direction = 1.0 if side == mt5c.ORDER_TYPE_BUY else -1.0
        raw = direction * (price_close - price_open) * volume * spec.contract_size
        return round(raw * self.rate(spec.currency_profit, spec, price_close), 2)

    def calc_margin(self, spec: SymbolSpec, side: int, volume: float, price: float) -> float:
        """Margin in account currency of `volume` lots opened at `price`."""
        del side  # same margin rate for buys and sells
        units = volume * spec.contract_size / self.leverage
        if spec.calc_mode == mt5c.SYMBOL_CALC_MODE_FOREX:
            amount = units
        elif spec.calc_mode == mt5c.SYMBOL_CALC_MODE_FOREX_NO_LEVERAGE:
            amount = volume * spec.contract_size
        else:  # CFD modes: notional in the margin currency
            amount = units * price
        return round(amount * self.rate(spec.currency_margin, spec, price), 2)

    def mark_price(self, position: Position) -> float:
        quote = self.quote(position.symbol)
        if not quote:
            return position.price_open
        return quote[0] if position.type == mt5c.POSITION_TYPE_BUY else quote[1]

    def position_profit(self, position: Position) -> float:
        spec = self.specs[position.symbol]
        return self.calc_profit(
            spec,
            position.type,
            position.volume,
            position.price_open,
            self.mark_price(position),
        )

    def position_margin(self, position: Position) -> float:
        spec = self.specs[position.symbol]
        return self.calc_margin(spec, position.type, position.volume, position.price_open)

    def floating_profit(self) -> float:
        return round(sum((self.position_profit(p) for p in self.positions.values()), 0.0), 2)

    def margin(self) -> float:
        return round(sum((self.position_margin(p) for p in self.positions.values()), 0.0), 2)

    def equity(self) -> float:
        return round(self.balance + self.floating_profit(), 2)

    def margin_level(self, equity: float | None = None, margin: float | None = None) -> float:
        equity = self.equity() if equity is None else equity
        margin = self.margin() if margin is None else margin
        return round(equity / margin * 100.0, 2) if margin > 0 else 0.0

    def added_margin(
        self,
        spec: SymbolSpec,
        side: int,
        volume: float,
        price: float,
        position_ticket: int = 0,
    ) -> float:
        """Extra margin a deal needs (0 for the part that reduces a position)."""
        if position_ticket:
            return 0.0
        opening = volume
        if not self.hedging:
            current = self.netting_position(spec.name)
            if current is not None and current.type != side:
                opening = max(0.0, volume - current.volume)
                # A reversal also releases the closed position's margin.
                return self.calc_margin(spec, side, opening, price) - (
                    self.position_margin(current) if opening > 0 else 0.0
                )
        return self.calc_margin(spec, side, opening, price)

    def account_info(self) -> AccountInfo:
        profit = self.floating_profit()
        equity = round(self.balance + profit, 2)
        margin = self.margin()
        return AccountInfo(
            login=self.login,
            trade_mode=mt5c.ACCOUNT_TRADE_MODE_DEMO,
            leverage=self.leverage,
            limit_orders=200,
            margin_so_mode=mt5c.ACCOUNT_STOPOUT_MODE_PERCENT,
            trade_allowed=True,
            trade_expert=True,
            margin_mode=self.margin_mode,
            currency_digits=2,
            fifo_close=False,
            balance=round(self.balance, 2),
            credit=0.0,
            profit=profit,
            equity=equity,
            margin=margin,
            margin_free=round(equity - margin, 2),
            margin_level=self.margin_level(equity, margin),
            margin_so_call=self.margin_so_call,
            margin_so_so=self.margin_so_so,
            name=self.name,
            server=self.server,
            currency=self.currency,
            company=self.company,
        )

    # --- queries -----------------------------------------------------------------------
    def netting_position(self, symbol: str) -> Position | None:
        for position in self.positions.values():
            if position.symbol == symbol:
                return position
        return None

    # --- deals -------------------------------------------------------------------------
    def deposit(self, amount: float, time_msc: int, comment: str = "Deposit") -> TradeDeal:
        """Book a balance deal (DEAL_TYPE_BALANCE)."""
        self.balance = round(self.balance + amount, 2)
        deal = TradeDeal(
            ticket=self.new_deal_ticket(),
            time=time_msc // 1000,
            time_msc=time_msc,
            type=mt5c.DEAL_TYPE_BALANCE,
            entry=mt5c.DEAL_ENTRY_IN,
            reason=mt5c.DEAL_REASON_CLIENT,
            profit=round(amount, 2),
            comment=comment,
        )
        self.deals.append(deal)
        return deal

    def _book(
        self,
        *,
        spec: SymbolSpec,
        side: int,
        entry: int,
        volume: float,
        price: float,
        profit: float,
        position_id: int,
        order: int,
        time_msc: int,
        magic: int,
        reason: int,
        comment: str,
    ) -> TradeDeal:
        commission = round(-self.commission_per_lot * volume, 2) + 0.0  # no -0.0
        self.balance = round(self.balance + profit + commission, 2)
        deal = TradeDeal(
            ticket=self.new_deal_ticket(),
            order=order,
            time=time_msc // 1000,
            time_msc=time_msc,
            type=side,
            entry=entry,
            magic=magic,
            position_id=position_id,
            reason=reason,
            volume=volume,
            price=price,
            commission=commission,
            swap=0.0,
            profit=profit,
            fee=0.0,
            symbol=spec.name,
            comment=comment,
        )
        self.deals.append(deal)
        return deal

    def execute(
        self,
        *,
        spec: SymbolSpec,
        side: int,
        volume: float,
        price: float,
        order: int,
        time_msc: int,
        magic: int = 0,
        comment: str = "",
        reason: int = mt5c.DEAL_REASON_EXPERT,
        position_ticket: int = 0,
        add_to: int = 0,
        sl: float = 0.0,
        tp: float = 0.0,
    ) -> TradeDeal:
        """Execute a BUY/SELL deal of `volume` at `price` (checks done by the caller).

        `position_ticket` names the position to close (hedging); `add_to` the position a
        further part of a partially filled order adds to.
        """
        book: _DealFields = {
            "spec": spec,
            "side": side,
            "volume": volume,
            "price": price,
            "order": order,
            "time_msc": time_msc,
            "magic": magic,
            "reason": reason,
            "comment": comment,
        }
        target = self.positions.get(position_ticket or add_to)
        if target is None and not self.hedging:
            target = self.netting_position(spec.name)
        if target is None or (target.type == side and not position_ticket):
            if target is None:
                position = Position(
                    ticket=order,
                    identifier=order,
                    symbol=spec.name,
                    type=side,
                    volume=volume,
                    price_open=price,
                    time_msc=time_msc,
                    time_update_msc=time_msc,
                    magic=magic,
                    sl=sl,
                    tp=tp,
                    comment=comment,
                )
                self.positions[position.ticket] = position
                return self._book(entry=mt5c.DEAL_ENTRY_IN, profit=0.0, position_id=order, **book)
            total = normalize_volume(spec, target.volume + volume)
            target.price_open = round(
                (target.price_open * target.volume + price * volume) / total,
                spec.digits + 3,
            )
            target.volume = total
            target.time_update_msc = time_msc
            if sl or tp:
                target.sl, target.tp = sl, tp
            return self._book(
                entry=mt5c.DEAL_ENTRY_IN,
                profit=0.0,
                position_id=target.identifier,
                **book,
            )
        # Opposite side (or an explicit close): reduce, close or reverse `target`.
        closed = min(volume, target.volume)
        profit = self.calc_profit(spec, target.type, closed, target.price_open, price)
        remaining = normalize_volume(spec, volume - closed)
        if remaining > 0:  # netting reversal
            deal = self._book(
                entry=mt5c.DEAL_ENTRY_INOUT,
                profit=profit,
                position_id=target.identifier,
                **book,
            )
            target.type = side
            target.volume = remaining
            target.price_open = price
            target.sl, target.tp = sl, tp
            target.time_update_msc = time_msc
            return deal
        deal = self._book(
            entry=mt5c.DEAL_ENTRY_OUT,
            profit=profit,
            position_id=target.identifier,
            **book,
        )
        left = normalize_volume(spec, target.volume - closed)
        if left > 0:
            target.volume = left
            target.time_update_msc = time_msc
        else:
            del self.positions[target.ticket]
        return deal

    def close_by(
        self,
        *,
        position: Position,
        position_by: Position,
        order: int,
        time_msc: int,
        magic: int,
        comment: str,
    ) -> tuple[TradeDeal, TradeDeal]:
        """Close two opposite positions against each other (entry OUT_BY), hedging only.

        Both deals are made at `position_by`'s open price, so the realised profit is the
        difference of the two open prices on the common volume.
        """
        spec = self.specs[position.symbol]
        volume = min(position.volume, position_by.volume)
        price = position_by.price_open
        deals = []
        for target in (position, position_by):
            profit = self.calc_profit(spec, target.type, volume, target.price_open, price)
            deals.append(
                self._book(
                    spec=spec,
                    side=opposite(target.type),
                    entry=mt5c.DEAL_ENTRY_OUT_BY,
                    volume=volume,
                    price=price,
                    profit=profit,
                    position_id=target.identifier,
                    order=order,
                    time_msc=time_msc,
                    magic=magic,
                    reason=mt5c.DEAL_REASON_EXPERT,
                    comment=comment,
                ),
            )
            left = normalize_volume(spec, target.volume - volume)
            if left > 0:
                target.volume = left
                target.time_update_msc = time_msc
            else:
                del self.positions[target.ticket]
        return deals[0], deals[1]

    # --- conversion to module structures (times shifted to server time) ---------------
    def trade_position(self, position: Position, server_time: ServerTime) -> TradePosition:
        return TradePosition(
            ticket=position.ticket,
            time=server_time.server_ms(position.time_msc) // 1000,
            time_msc=server_time.server_ms(position.time_msc),
            time_update=server_time.server_ms(position.time_update_msc) // 1000,
            time_update_msc=server_time.server_ms(position.time_update_msc),
            type=position.type,
            magic=position.magic,
            identifier=position.identifier,
            reason=position.reason,
            volume=position.volume,
            price_open=position.price_open,
            sl=position.sl,
            tp=position.tp,
            price_current=self.mark_price(position),
            swap=0.0,
            profit=self.position_profit(position),
            symbol=position.symbol,
            comment=position.comment,
        )

    def trade_order(self, order: Order, server_time: ServerTime) -> TradeOrder:
        price_current = order.price_current
        if order.state in (mt5c.ORDER_STATE_PLACED, mt5c.ORDER_STATE_PARTIAL):
            quote = self.quote(order.symbol)
            if quote:
                buy = order.type in (
                    mt5c.ORDER_TYPE_BUY_LIMIT,
                    mt5c.ORDER_TYPE_BUY_STOP,
                    mt5c.ORDER_TYPE_BUY_STOP_LIMIT,
                )
                price_current = quote[1] if buy else quote[0]
        done = server_time.server_ms(order.time_done_msc) if order.time_done_msc else 0
        return TradeOrder(
            ticket=order.ticket,
            time_setup=server_time.server_ms(order.time_setup_msc) // 1000,
            time_setup_msc=server_time.server_ms(order.time_setup_msc),
            time_done=done // 1000,
            time_done_msc=done,
            time_expiration=server_time.server_s(order.time_expiration)
            if order.time_expiration
            else 0,
            type=order.type,
            type_time=order.type_time,
            type_filling=order.type_filling,
            state=order.state,
            magic=order.magic,
            position_id=order.position_id,
            position_by_id=order.position_by_id,
            reason=order.reason,
            volume_initial=order.volume_initial,
            volume_current=order.volume_current,
            price_open=order.price_open,
            sl=order.sl,
            tp=order.tp,
            price_current=price_current,
            price_stoplimit=order.price_stoplimit,
            symbol=order.symbol,
            comment=order.comment,
        )

    @staticmethod
    def trade_deal(deal: TradeDeal, server_time: ServerTime) -> TradeDeal:
        return deal._replace(
            time=server_time.server_ms(deal.time_msc) // 1000,
            time_msc=server_time.server_ms(deal.time_msc),
        )
