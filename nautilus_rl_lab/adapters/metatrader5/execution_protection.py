"""`Mt5ProtectiveLegs`: OTO stop-loss/take-profit children as the position's ``sl``/``tp``.

Decisions:

- An OTO list of a MARKET parent with a STOP_MARKET stop-loss and/or LIMIT take-profit
  child (`strategies.protection.submit_protected`) maps to the position's ``sl``/``tp``
  (`parsing.protection`): the parent is sent as a deal; once it filled, one
  ``TRADE_ACTION_SLTP`` (``position=<ticket>``) sets the children's prices on the position
  it left (netting: the symbol's position, which a scale-in's new list re-protects, the old
  legs canceled as replaced; hedging: the ticket the parent opened).
- The children stay Nautilus orders, ACCEPTED with a synthetic venue order id
  ``SL-<ticket>-<parent id>``; cancel sets that leg to 0, modify moves it. A child whose
  quantity is not the position's volume (partial parent fill, a hedging scale-in: one
  Nautilus order fills one position), stops the server refuses (10016: too close or
  already crossed) and trailing stops (MT5 has no server-side trailing over its API) are
  rejected with the reason. Between the parent's fill and the SLTP reply the position is
  unprotected (one round trip).
- A position closed by the server with DEAL_REASON_SL/TP of a leg is that leg's
  `OrderFilled` at the deal (the OUO sibling, and the legs of a position closed any other
  way, are canceled). Open legs are reported as open orders while their position carries
  their price, and the server's SL/TP order and deal of a leg under the leg's ids.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Coroutine
from typing import Any

from nautilus_rl_lab.adapters.metatrader5.core import MT5_VENUE
from nautilus_rl_lab.adapters.metatrader5.execution_core import Mt5ExecutionCore
from nautilus_rl_lab.adapters.metatrader5.parsing import (
    DEAL_REASON_RULES,
    SL,
    TP,
    Leg,
    comment_matches,
    is_trade_deal,
    leg_price,
    leg_venue_order_id,
    lots_to_units,
    parse_leg,
    sltp_request,
    symbol_from_instrument_id,
)
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.structures import TradeDeal, TradePosition
from nautilus_rl_lab.nt.core import UUID4
from nautilus_rl_lab.nt.live import ModifyOrder
from nautilus_rl_lab.nt.model import (
    InstrumentId,
    Order,
    OrderSide,
    OrderStatus,
    OrderStatusReport,
    TradeId,
    TriggerType,
    VenueOrderId,
)


def leg_for_deal(deal: TradeDeal, legs: list[tuple[Order, Leg]]) -> Order | None:
    """The open leg a terminal SL/TP close fills, if any."""
    rule = DEAL_REASON_RULES.get(deal.reason)
    for order, leg in legs:
        if leg.rule == rule and deal.position_id == leg.ticket:
            return order
    return None


class Mt5ProtectiveLegs(Mt5ExecutionCore):
    """Attach, cancel, modify, poll and report the sl/tp legs of MT5 positions."""

    def _open_legs(self) -> list[tuple[Order, Leg]]:
        """The open Nautilus orders that are position sl/tp legs, with their `Leg`."""
        legs = []
        for order in self._cache.orders_open(venue=MT5_VENUE):
            leg = parse_leg(order.venue_order_id)
            if leg is not None:
                legs.append((order, leg))
        return legs

    async def _protected_position(self, parent: Order, side: OrderSide) -> TradePosition | str:
        """The position the children of `parent` (closing with `side`) protect, or why none.

        Netting: the symbol's position. Hedging: the ticket the parent opened (its comment is
        the parent's client order id); a Nautilus order fills one position, so a list whose
        children cover more than that ticket (a scale-in) cannot be protected.
        """
        symbol = symbol_from_instrument_id(parent.instrument_id)
        positions = await self._call("positions_get", symbol=symbol)
        if positions is None:
            return f"cannot read the MT5 positions of {symbol}"
        if self._hedging:
            positions = [
                p
                for p in positions
                if p.magic == self._magic and comment_matches(p.comment, parent.client_order_id)
            ]
        protected_type = (
            mt5c.POSITION_TYPE_BUY if side == OrderSide.SELL else mt5c.POSITION_TYPE_SELL
        )
        if len(positions) != 1 or positions[0].type != protected_type:
            opened = "opened by" if self._hedging else "after"
            return f"no MT5 position of {symbol} {opened} {parent.client_order_id} to protect"
        return positions[0]

    async def _attach_legs(self, parent: Order, legs: list[tuple[str, Order]]) -> None:
        """Set the children's prices as sl/tp of the position the parent left.

        The position's volume must equal every child's quantity (the server closes a whole
        position). Else, or when the server refuses the stops (e.g. 10016 INVALID_STOPS: too
        close or already crossed), the children are rejected with the reason.
        """
        children = [child for _, child in legs]

        def reject(reason: str) -> None:
            for child in children:
                self._reject(child, f"stop-loss/take-profit not set: {reason}")

        position = await self._protected_position(parent, children[0].side)
        instrument = self._instrument(parent.instrument_id)
        if isinstance(position, str) or instrument is None:
            reject(position if isinstance(position, str) else f"{parent.instrument_id} unknown")
            return
        units = lots_to_units(position.volume, float(instrument.info["trade_contract_size"]))
        for child in children:
            if child.quantity.as_decimal() != units:
                reject(
                    f"{child.client_order_id} covers {child.quantity} but MT5 position "
                    f"{position.ticket} holds {units} (an MT5 sl/tp closes the whole position"
                    + (
                        "; in a hedging account each entry is its own position)"
                        if self._hedging
                        else ")"
                    )
                )
                return
        prices = {rule: leg_price(rule, child) for rule, child in legs}
        problem = await self._set_stops(
            position.ticket, position.symbol, prices.get(SL, 0.0), prices.get(TP, 0.0)
        )
        if problem is not None:
            reject(problem)
            return
        for order, leg in self._open_legs():  # the stops they had are replaced
            if leg.ticket == position.ticket and order.client_order_id not in self._resolving:
                self._canceled(order)
        for rule, child in legs:
            venue_order_id = leg_venue_order_id(rule, position.ticket, parent.client_order_id.value)
            self.emit_order_accepted(child, venue_order_id)

    async def _set_stops(self, ticket: int, symbol: str, sl: float, tp: float) -> str | None:
        """Set a position's sl/tp; `None` when the terminal holds them, else the reason."""
        request = sltp_request(ticket, symbol, sl, tp, magic=self._magic)
        _, outcome = await self._order_send(request)
        if outcome.kind in ("filled", "no_changes"):
            return None
        # Refused or unknown (timeout, lost link): what the terminal holds decides.
        found = await self._call("positions_get", ticket=ticket)
        if found and math.isclose(found[0].sl, sl) and math.isclose(found[0].tp, tp):
            return None
        return outcome.reason if found else f"MT5 position {ticket} is closed"

    async def _leg_command(self, order: Order, work: Coroutine[Any, Any, None]) -> None:
        """Run a cancel/modify of a leg, one stops change at a time, the poll standing aside."""
        self._inflight += 1
        self._resolving.add(order.client_order_id)
        try:
            async with self._stops_lock:
                await work
        finally:
            self._resolving.discard(order.client_order_id)
            self._inflight -= 1

    async def _cancel_leg(self, order: Order, leg: Leg, reject: Callable[[str], None]) -> None:
        """Clear the leg's price (0) on its position; a leg that closed it is left to fill."""
        found = await self._call("positions_get", ticket=leg.ticket)
        if not found:
            closing = await self._call("history_deals_get", position=leg.ticket) or ()
            if any(DEAL_REASON_RULES.get(d.reason) == leg.rule for d in closing):
                return  # it fired first: the protection poll reports its fill
        else:
            position = found[0]
            held = position.sl if leg.rule == SL else position.tp
            if math.isclose(held, leg_price(leg.rule, order)):  # else replaced: not ours
                sl, tp = (0.0, position.tp) if leg.rule == SL else (position.sl, 0.0)
                problem = await self._set_stops(leg.ticket, position.symbol, sl, tp)
                if problem is not None:
                    reject(problem)
                    return
        self._canceled(order)

    async def _modify_leg(
        self,
        command: ModifyOrder,
        order: Order,
        venue_order_id: VenueOrderId,
        leg: Leg,
        reject: Callable[[str], None],
    ) -> None:
        """Move the leg's price on its position (a stop by trigger price, a limit by price)."""
        new = command.trigger_price if leg.rule == SL else command.price
        if new is None:
            field = "trigger_price" if leg.rule == SL else "price"
            reject(f"an MT5 {leg.rule} leg moves by its {field}; nothing to change")
            return
        found = await self._call("positions_get", ticket=leg.ticket)
        if not found:
            reject(f"MT5 position {leg.ticket} is closed")
            return
        position = found[0]
        sl, tp = (float(new), position.tp) if leg.rule == SL else (position.sl, float(new))
        problem = await self._set_stops(leg.ticket, position.symbol, sl, tp)
        if problem is not None:
            reject(problem)
            return
        if leg.rule == SL:
            self._updated(order, venue_order_id, None, new)
        else:
            self._updated(order, venue_order_id, new, None)

    async def _poll_protection(self) -> None:
        """Resolve the legs whose positions the terminal closed: a close by the leg's own
        reason (DEAL_REASON_SL/TP) fills it at the deal, any other close cancels it."""
        legs = [
            (o, leg) for o, leg in self._open_legs() if o.client_order_id not in self._resolving
        ]
        if not legs:
            return
        positions = await self.connection.call("positions_get")  # before the deals
        if positions is None:
            return
        open_tickets = {p.ticket for p in positions}
        for order, leg in legs:
            if leg.ticket in open_tickets:
                continue
            deals = await self.connection.call("history_deals_get", position=leg.ticket) or ()
            closing = [d for d in deals if is_trade_deal(d) and d.entry != mt5c.DEAL_ENTRY_IN]
            if not closing:
                continue  # the history lags: decide next poll
            hits = [d for d in closing if DEAL_REASON_RULES.get(d.reason) == leg.rule]
            instrument = self._order_instrument(order)
            for deal in sorted(hits, key=lambda d: (d.time_msc, d.ticket)):
                self._emit_fill(order, instrument, deal, venue_order_id=order.venue_order_id)
            if not hits:
                self._log.info(
                    f"{order.client_order_id!r} canceled: MT5 closed position {leg.ticket} "
                    f"otherwise (deal reasons {sorted({d.reason for d in closing})})"
                )
                self._canceled(order)

    def _leg_report(self, order: Order, ts_init: int) -> OrderStatusReport:
        """A leg as the open order it is while its position carries its price."""
        # an accepted LimitOrder (tp) or StopMarketOrder (sl): `has_price` and
        # `has_trigger_price` say which prices it has (2.0 types orders as a union)
        leg: Any = order
        return OrderStatusReport(
            account_id=self.account_id,
            instrument_id=order.instrument_id,
            venue_order_id=leg.venue_order_id,
            order_side=order.side,
            order_type=order.order_type,
            time_in_force=order.time_in_force,
            order_status=OrderStatus.PARTIALLY_FILLED
            if order.filled_qty.as_double() > 0
            else OrderStatus.ACCEPTED,
            quantity=order.quantity,
            filled_qty=order.filled_qty,
            report_id=UUID4(),
            ts_accepted=leg.ts_accepted,
            ts_last=order.ts_last,
            ts_init=ts_init,
            client_order_id=order.client_order_id,
            order_list_id=order.order_list_id,
            linked_order_ids=order.linked_order_ids,
            parent_order_id=order.parent_order_id,
            contingency_type=order.contingency_type,
            price=leg.price if leg.has_price else None,
            trigger_price=leg.trigger_price if leg.has_trigger_price else None,
            trigger_type=leg.trigger_type if leg.has_trigger_price else TriggerType.NO_TRIGGER,
            reduce_only=order.is_reduce_only,
        )

    async def _live_leg_reports(
        self, instrument_id: InstrumentId | None, ts_init: int
    ) -> list[OrderStatusReport]:
        """Reports of the open legs whose positions still carry their price."""
        legs = [
            (o, leg)
            for o, leg in self._open_legs()
            if instrument_id is None or o.instrument_id == instrument_id
        ]
        if not legs:
            return []
        positions = {p.ticket: p for p in await self._call("positions_get") or ()}
        reports = []
        for order, leg in legs:
            position = positions.get(leg.ticket)
            if position is None:
                continue
            held = position.sl if leg.rule == SL else position.tp
            if math.isclose(held, leg_price(leg.rule, order)):
                reports.append(self._leg_report(order, ts_init))
        return reports

    def _leg_owner(self, rule: str | None, ticket: int, trade_id: TradeId | None) -> Order | None:
        """The leg order a terminal SL/TP close of position `ticket` filled (or will fill)."""
        if rule is None:
            return None
        candidates = []
        for order in self._cache.orders(venue=MT5_VENUE):
            leg = parse_leg(order.venue_order_id)
            if leg is None or leg.rule != rule or leg.ticket != ticket:
                continue
            if trade_id is not None and trade_id in order.trade_ids:
                return order
            if order.is_open:
                candidates.append(order)
        return candidates[0] if candidates else None
