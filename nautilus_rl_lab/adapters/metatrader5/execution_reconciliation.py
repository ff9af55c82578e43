"""`Mt5Reconciliation`: the poll of what MT5 does not push, and Nautilus' reconciliation reports.

Decisions:

- MT5 pushes no events, so a poll (every ``poll_interval_secs``) finds fills, cancels and
  expiries of pending orders, the legs' closes (`Mt5ProtectiveLegs._poll_protection`) and
  deals of positions closed by the server any other way (stop out, manual, sl/tp set
  outside Nautilus). Those are sent to the execution engine as an `ExecutionMassStatus` of
  a FILLED external order plus its fill reports, i.e. through Nautilus' own reconciliation
  (claim the instrument with `external_order_claims` to attribute them to a strategy in
  netting accounts; in hedging accounts the position ticket routes them). An order of our
  `magic` whose comment names a client order id is ours even when the cache does not know it
  (sent by an earlier node, executed after or just before this node's startup
  reconciliation): it is reported under that id, as the startup reconciliation would, so
  every node names the venue order alike; only other orders get an id from the engine.
- Reconciliation reports come from `orders_get` / `history_orders_get` (orders),
  `history_deals_get` (fills) and `positions_get` (positions) — never inferred from
  positions alone. The server's SL/TP order and deal of a leg are reported under the leg's
  client and venue order ids (so a restart with a persisted cache does not turn them into
  external orders). Without a persisted cache a restarted node does not know the legs: the
  position keeps its sl/tp at the terminal, and a close by them comes back as an external
  order.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from decimal import Decimal
from typing import cast

from nautilus_rl_lab.adapters.metatrader5.connection import Mt5ConnectionLost
from nautilus_rl_lab.adapters.metatrader5.core import MT5_VENUE
from nautilus_rl_lab.adapters.metatrader5.execution_core import DAY_SECS
from nautilus_rl_lab.adapters.metatrader5.execution_orders import Mt5OrderSubmission
from nautilus_rl_lab.adapters.metatrader5.execution_protection import leg_for_deal
from nautilus_rl_lab.adapters.metatrader5.parsing import (
    DEAL_REASON_RULES,
    ORDER_REASON_RULES,
    deal_to_fill_report,
    instrument_id_from_symbol,
    is_trade_deal,
    net_position_report,
    parse_leg,
    position_to_report,
    symbol_from_instrument_id,
    trade_order_to_report,
)
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.structures import TradeDeal, TradeOrder
from nautilus_rl_lab.nt.core import UUID4
from nautilus_rl_lab.nt.live import (
    GenerateFillReports,
    GenerateOrderStatusReport,
    GenerateOrderStatusReports,
    GeneratePositionStatusReports,
)
from nautilus_rl_lab.nt.model import (
    ExecutionMassStatus,
    FillReport,
    Instrument,
    InstrumentId,
    OrderStatusReport,
    OrderType,
    PositionId,
    PositionStatusReport,
    TradeId,
    VenueOrderId,
)


class Mt5Reconciliation(Mt5OrderSubmission):
    """Poll the terminal for what it changed by itself; answer Nautilus' report requests."""

    # -- polling -------------------------------------------------------------------------

    async def _poll_loop(self) -> None:
        interval = self._mt5_config.poll_interval_secs
        while True:
            await asyncio.sleep(interval)
            try:
                await self._poll_pending_orders()
                if self._inflight == 0:
                    await self._poll_protection()
                    await self._poll_external_deals()
                await self._update_account_state()
            except Mt5ConnectionLost as e:
                self._log.warning(f"MT5 link lost while polling ({e}); reconnecting")
                await self._reconnect()
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self._log.exception("Error polling the MT5 terminal", e)

    async def _poll_pending_orders(self) -> None:
        watched = [
            order
            for order in self._cache.orders_open(venue=MT5_VENUE)
            if order.venue_order_id is not None
            and order.client_order_id not in self._resolving
            and order.order_type != OrderType.MARKET
            and parse_leg(order.venue_order_id) is None
        ]
        if not watched:
            return
        open_orders = await self.connection.call("orders_get")
        if open_orders is None:
            return  # the call failed: decide nothing this round
        open_by_ticket = {o.ticket: o for o in open_orders}
        for order in watched:
            ticket = int(order.venue_order_id.value)
            instrument = self._order_instrument(order)
            mt5_order = open_by_ticket.get(ticket)
            if mt5_order is not None:
                if mt5_order.volume_current < mt5_order.volume_initial:
                    for deal in await self._deals_for_order(ticket):
                        self._emit_fill(order, instrument, deal)
                continue
            history = await self.connection.call("history_orders_get", ticket=ticket)
            if history:
                await self._apply_terminal_order(order, instrument, history[0])

    async def _poll_external_deals(self) -> None:
        """Report deals of orders Nautilus did not send (SL/TP, stop out, manual closes)."""
        if self._deal_cursor_secs is None:
            return
        date_to = max(await self._server_now_secs(), self._deal_cursor_secs) + DAY_SECS
        deals = await self.connection.call("history_deals_get", self._deal_cursor_secs - 1, date_to)
        if not deals:
            return
        legs = self._open_legs()
        by_order: dict[int, list[TradeDeal]] = defaultdict(list)
        for deal in deals:
            if deal.ticket in self._known_deals or not is_trade_deal(deal):
                continue
            if leg_for_deal(deal, legs) is not None:
                continue  # a leg's fill: `_poll_protection` reports it
            venue_order_id = VenueOrderId(str(deal.order))
            if self._cache.client_order_id(venue_order_id) is not None:
                continue  # ours: handled by the submit path or the pending-order poll
            instrument_id = instrument_id_from_symbol(deal.symbol)
            if self._instrument(instrument_id) is None:
                continue
            by_order[deal.order].append(deal)
        cursor = max(self._deal_cursor_secs, max(int(d.time) for d in deals))
        for ticket, order_deals in by_order.items():
            if not await self._report_external_order(ticket, order_deals):
                # The order lags its deals: look at these deals again next poll.
                cursor = min(cursor, min(int(d.time) for d in order_deals))
        self._deal_cursor_secs = cursor

    async def _report_external_order(self, ticket: int, deals: list[TradeDeal]) -> bool:
        history = await self.connection.call("history_orders_get", ticket=ticket)
        if not history:
            return False
        mt5_order = history[0]
        # known: `_poll_external_deals` passes only deals of instruments it has
        instrument = cast(
            "Instrument", self._instrument(instrument_id_from_symbol(mt5_order.symbol))
        )
        ts_init = self._clock.timestamp_ns()
        mass_status = ExecutionMassStatus(
            client_id=self.id,
            account_id=self.account_id,
            venue=MT5_VENUE,
            report_id=UUID4(),
            ts_init=ts_init,
        )
        fills = [self._fill_report(deal, instrument, ts_init) for deal in deals]
        report = self._order_report(mt5_order, instrument, ts_init, deals)
        mass_status.add_order_reports([report])
        mass_status.add_fill_reports(fills)
        for deal in deals:
            self._known_deals.add(deal.ticket)
        self._log.info(
            f"Reporting MT5 order {ticket} not sent by Nautilus (reason {mt5_order.reason})"
        )
        self.send_mass_status(mass_status)
        await self._update_account_state()
        return True

    # -- reconciliation reports ------------------------------------------------------------

    def _fill_report(self, deal: TradeDeal, instrument: Instrument, ts_init: int) -> FillReport:
        rule = DEAL_REASON_RULES.get(deal.reason)
        # A close by a leg's stop is that leg's fill (reports are immutable on 2.0: ids first).
        owner = self._leg_owner(rule, deal.position_id, TradeId(str(deal.ticket)))
        return deal_to_fill_report(
            deal,
            instrument,
            self.account_id,
            self._currency,
            ts_init,
            own_magic=self._magic,
            server_time=self._time,
            client_order_id=owner.client_order_id if owner is not None else None,
            venue_order_id=owner.venue_order_id if owner is not None else None,
            venue_position_id=PositionId(str(deal.position_id)) if self._hedging else None,
        )

    def _order_report(
        self,
        mt5_order: TradeOrder,
        instrument: Instrument,
        ts_init: int,
        deals: list[TradeDeal] | None = None,
    ) -> OrderStatusReport:
        """The report of an MT5 order under the client order id the cache or, for our `magic`,
        its comment gives (none for an order Nautilus did not send: the engine assigns one)."""
        avg_px: Decimal | None = None
        if deals:
            volume = sum((Decimal(repr(d.volume)) for d in deals), Decimal(0))
            notional = sum(
                (Decimal(repr(d.volume)) * Decimal(repr(d.price)) for d in deals), Decimal(0)
            )
            if volume > 0:
                avg_px = notional / volume
        client_order_id = None
        delivered_qty = None
        if mt5_order.magic == self._magic:
            client_order_id = self._cache.client_order_id(VenueOrderId(str(mt5_order.ticket)))
        order = self._cache.order(client_order_id) if client_order_id is not None else None
        if order is not None and order.is_open and client_order_id in self._own_orders:
            # Its deals reach Nautilus as real fills through this client (submit path or
            # poll); a report ahead of them would make Nautilus infer a duplicate fill.
            delivered_qty = order.filled_qty
        rule = ORDER_REASON_RULES.get(mt5_order.reason)
        trade_id = TradeId(str(deals[0].ticket)) if deals else None
        owner = self._leg_owner(rule, mt5_order.position_id, trade_id)
        venue_order_id = None
        if owner is not None:  # the server's SL/TP order is that leg, not an external order
            client_order_id, venue_order_id = owner.client_order_id, owner.venue_order_id
        return trade_order_to_report(
            mt5_order,
            instrument,
            self.account_id,
            ts_init,
            own_magic=self._magic,
            server_time=self._time,
            avg_px=avg_px,
            client_order_id=client_order_id,
            venue_order_id=venue_order_id,
            delivered_qty=delivered_qty,
        )

    def _reportable(self, symbol: str, instrument_id: InstrumentId | None) -> Instrument | None:
        candidate = instrument_id_from_symbol(symbol)
        if instrument_id is not None and candidate != instrument_id:
            return None
        return self._instrument(candidate)

    async def _generate_order_status_report(
        self,
        command: GenerateOrderStatusReport,
    ) -> OrderStatusReport | None:
        if command.client_order_id is not None and command.client_order_id in self._resolving:
            return None  # the submit path is resolving it and will emit its events
        cached = self._cache.order(command.client_order_id) if command.client_order_id else None
        if parse_leg(command.venue_order_id or (cached and cached.venue_order_id)) is not None:
            reports = await self._live_leg_reports(
                command.instrument_id, self._clock.timestamp_ns()
            )
            return next((r for r in reports if r.client_order_id == command.client_order_id), None)
        ticket: int | None = None
        if command.venue_order_id is not None and command.venue_order_id.value.isdigit():
            ticket = int(command.venue_order_id.value)
        mt5_order = None
        if ticket is not None:
            found = await self._call("orders_get", ticket=ticket) or await self._call(
                "history_orders_get",
                ticket=ticket,
            )
            mt5_order = found[0] if found else None
        elif command.client_order_id is not None:
            order = self._cache.order(command.client_order_id)
            if order is not None:
                _, mt5_order = await self._find_at_terminal(order)
        if mt5_order is None:
            return None
        instrument = self._instrument(instrument_id_from_symbol(mt5_order.symbol))
        if instrument is None:
            return None
        deals = (
            await self._deals_for_order(mt5_order.ticket)
            if mt5_order.state
            in (
                mt5c.ORDER_STATE_FILLED,
                mt5c.ORDER_STATE_PARTIAL,
            )
            else []
        )
        return self._order_report(mt5_order, instrument, self._clock.timestamp_ns(), deals)

    async def _generate_order_status_reports(
        self,
        command: GenerateOrderStatusReports,
    ) -> list[OrderStatusReport]:
        ts_init = self._clock.timestamp_ns()
        reports: list[OrderStatusReport] = []
        for mt5_order in await self._call("orders_get") or ():
            instrument = self._reportable(mt5_order.symbol, command.instrument_id)
            if instrument is not None:
                reports.append(self._order_report(mt5_order, instrument, ts_init))
        reports += await self._live_leg_reports(command.instrument_id, ts_init)
        if command.open_only:
            return reports
        date_from, date_to = await self._history_window(command.start, command.end)
        history = await self._call("history_orders_get", date_from, date_to) or ()
        deals_by_order: dict[int, list[TradeDeal]] = defaultdict(list)
        for deal in await self._call("history_deals_get", date_from, date_to) or ():
            if is_trade_deal(deal):
                deals_by_order[deal.order].append(deal)
        for mt5_order in history:
            instrument = self._reportable(mt5_order.symbol, command.instrument_id)
            if instrument is None:
                continue
            deals = deals_by_order.get(mt5_order.ticket, [])
            reports.append(self._order_report(mt5_order, instrument, ts_init, deals))
        return reports

    async def _generate_fill_reports(self, command: GenerateFillReports) -> list[FillReport]:
        ts_init = self._clock.timestamp_ns()
        if command.venue_order_id is not None and command.venue_order_id.value.isdigit():
            deals = await self._call("history_deals_get", ticket=int(command.venue_order_id.value))
        else:
            date_from, date_to = await self._history_window(command.start, command.end)
            deals = await self._call("history_deals_get", date_from, date_to)
        reports: list[FillReport] = []
        for deal in deals or ():
            if not is_trade_deal(deal):
                continue
            instrument = self._reportable(deal.symbol, command.instrument_id)
            if instrument is not None:
                reports.append(self._fill_report(deal, instrument, ts_init))
        return reports

    async def _generate_position_status_reports(
        self,
        command: GeneratePositionStatusReports,
    ) -> list[PositionStatusReport]:
        ts_init = self._clock.timestamp_ns()
        positions = await self._call("positions_get")
        if positions is None:
            raise ConnectionError("MT5 `positions_get()` failed; cannot report positions")
        if self._hedging:
            reports = []
            for position in positions:
                instrument = self._reportable(position.symbol, command.instrument_id)
                if instrument is not None:
                    reports.append(
                        position_to_report(
                            position,
                            instrument,
                            self.account_id,
                            ts_init,
                            server_time=self._time,
                        ),
                    )
            return reports
        by_symbol: dict[str, list] = defaultdict(list)
        for position in positions:
            by_symbol[position.symbol].append(position)
        if command.instrument_id is not None:
            by_symbol.setdefault(symbol_from_instrument_id(command.instrument_id), [])
        reports = []
        for symbol, symbol_positions in by_symbol.items():
            instrument = self._reportable(symbol, command.instrument_id)
            if instrument is not None:
                reports.append(
                    net_position_report(symbol_positions, instrument, self.account_id, ts_init)
                )
        return reports
