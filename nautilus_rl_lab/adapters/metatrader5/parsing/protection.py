"""Protective children of a Nautilus OTO list ⇄ the MT5 position's ``sl`` / ``tp`` (pure).

MT5 protects a *position*, not an order: a position carries one stop-loss price (``sl``)
and one take-profit price (``tp``), set with ``TRADE_ACTION_SLTP`` and fired by the trade
server, which closes the whole position with a deal of reason ``DEAL_REASON_SL`` / ``_TP``.

Decisions:

- Supported list: a MARKET parent (contingency OTO) whose children (parent_order_id = the
  parent) are at most one STOP_MARKET (the ``sl`` leg) and one LIMIT (the ``tp`` leg),
  ``reduce_only``, e.g. `strategies.protection.submit_protected`. Trailing stops are refused:
  MT5's trailing stop runs in the client terminal (only while it is online), not on the
  trade server, and the Python API cannot set it; a trail by this client would likewise
  stop whenever the node does.
- Each child is a *leg* of one position (a Nautilus order fills one position, also in
  hedging accounts); its synthetic venue order id ``"<SL|TP>-<ticket>-<parent client order
  id>"`` names the rule, the position ticket and its list, so the client finds its legs
  from the cache alone, and no MT5 ticket can collide with it (MT5 tickets are digits).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from nautilus_rl_lab.adapters.metatrader5.parsing.requests import UnsupportedOrderError
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.nt.model import (
    ContingencyType,
    LimitOrder,
    Order,
    OrderType,
    StopMarketOrder,
    VenueOrderId,
    contingency_name,
)

SL, TP = "sl", "tp"
_LEG_TYPES = {OrderType.STOP_MARKET: SL, OrderType.LIMIT: TP}
#: The rule whose leg a deal (or history order) of this reason fills.
DEAL_REASON_RULES = {mt5c.DEAL_REASON_SL: SL, mt5c.DEAL_REASON_TP: TP}
ORDER_REASON_RULES = {mt5c.ORDER_REASON_SL: SL, mt5c.ORDER_REASON_TP: TP}


@dataclass(frozen=True, slots=True)
class Leg:
    """One protective leg: its rule (``"sl"`` / ``"tp"``) and the position ticket it protects."""

    rule: str
    ticket: int


def protected_list(orders: Sequence[Order]) -> tuple[Order, list[tuple[str, Order]]]:
    """The MARKET parent and the ``(rule, child)`` legs of a supported OTO list's `orders`.

    Raises `UnsupportedOrderError` naming what MT5 cannot honour for any other contingent list.
    """
    parent, *children = orders
    if parent.order_type != OrderType.MARKET or parent.contingency_type != ContingencyType.OTO:
        raise UnsupportedOrderError(
            f"MT5 supports contingent order lists only as a MARKET OTO parent with stop-loss/"
            f"take-profit children (position sl/tp); {parent.order_list_id} starts with a "
            f"{parent.order_type.name} {contingency_name(parent.contingency_type)} order",
        )
    legs: list[tuple[str, Order]] = []
    for child in children:
        if child.order_type == OrderType.TRAILING_STOP_MARKET:
            raise UnsupportedOrderError(
                f"MT5 has no server-side trailing stop over its API: {child.client_order_id} "
                "cannot be a position sl; set `risk.trailing_stop=False` on MT5",
            )
        rule = _LEG_TYPES.get(child.order_type)
        if rule is None or child.parent_order_id != parent.client_order_id:
            raise UnsupportedOrderError(
                f"{child.client_order_id} ({child.order_type.name}) is not a stop-loss "
                f"(STOP_MARKET) or take-profit (LIMIT) child of {parent.client_order_id}",
            )
        if not child.is_reduce_only:
            raise UnsupportedOrderError(
                f"{child.client_order_id} must be reduce_only: MT5 sl/tp only close positions",
            )
        if any(r == rule for r, _ in legs):
            raise UnsupportedOrderError(
                f"{parent.order_list_id} has two {rule} children: an MT5 position has one sl and one tp",
            )
        legs.append((rule, child))
    return parent, legs


def leg_price(rule: str, order: Order) -> float:
    """The position price of a leg: the stop's trigger price (``sl``) or the limit price (``tp``)."""
    if rule == SL:
        return float(cast("StopMarketOrder", order).trigger_price)
    return float(cast("LimitOrder", order).price)


def leg_venue_order_id(rule: str, ticket: int, parent: str) -> VenueOrderId:
    """The synthetic venue order id of a leg (see the module docstring)."""
    return VenueOrderId(f"{rule.upper()}-{int(ticket)}-{parent}")


def parse_leg(venue_order_id: VenueOrderId | None) -> Leg | None:
    """The `Leg` a synthetic venue order id names; `None` for any other id (MT5 tickets)."""
    if venue_order_id is None:
        return None
    rule, _, rest = venue_order_id.value.partition("-")
    ticket, _, parent = rest.partition("-")
    if rule not in (SL.upper(), TP.upper()) or not ticket.isdigit() or not parent:
        return None
    return Leg(rule.lower(), int(ticket))


def sltp_request(ticket: int, symbol: str, sl: float, tp: float, *, magic: int) -> dict[str, Any]:
    """Request setting a position's sl and tp (``0.0`` removes one)."""
    return {
        "action": mt5c.TRADE_ACTION_SLTP,
        "position": int(ticket),
        "symbol": symbol,
        "sl": float(sl),
        "tp": float(tp),
        "magic": int(magic),
    }
