"""What a live node does with its strategies' orders and positions when it halts on an error.

Used by `LiveNode` (`nodes.live_nt2`): every strategy cancels its working orders and, when
flattening, closes its positions; the node stops once nothing is in flight or left to withdraw,
or after `HALT_TIMEOUT_S`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["HALT_TIMEOUT_S", "settled", "withdraw"]

HALT_TIMEOUT_S = 10.0


def withdraw(strategies: Iterable[Any], cache: Any, flatten: bool) -> None:
    """Every strategy cancels its working orders (and, if `flatten`, closes its positions)."""
    for strategy in strategies:
        orders = {o.instrument_id for o in cache.orders_open(strategy_id=strategy.id)}
        positions = {p.instrument_id for p in cache.positions_open(strategy_id=strategy.id)}
        for instrument_id in orders | (positions if flatten else set()):
            strategy.cancel_all_orders(instrument_id)
            if flatten:
                strategy.close_all_positions(instrument_id)


def settled(cache: Any, on_error: str) -> bool:
    """No order in flight; no working order unless kept; no position when flattening."""
    working = on_error != "keep" and bool(cache.orders_open())
    positions = on_error == "flatten" and bool(cache.positions_open())
    return not cache.orders_inflight() and not working and not positions
