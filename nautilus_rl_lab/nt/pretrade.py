"""A pre-trade gate of our own in a backtest engine.

`install_pretrade_gate(engine, make_denial)` has every order a strategy submits through
`submit_checked` asked `denial(order)` first (`make_denial(cache, portfolio)` builds it from the
engine's cache and portfolio); an order it gives a reason for is denied as Nautilus' risk engine
denies (an `OrderDenied` event with that reason, status DENIED, the strategy's
`on_order_denied`) and never reaches the venue.

NautilusTrader 2 exposes neither its message bus endpoints nor its risk engine to Python, and
its `Strategy` cannot deny an order. The gate is an `ExecutionAlgorithm` in the engine (its
`deny_order` records the denial in the cache and tells the strategy): `submit_checked` offers
the order on `PRETRADE_TOPIC` (synchronous) and submits it unless the gate denied it. Without a
gate (an engine of others, a live node) the order is submitted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nautilus_trader.trading import ExecutionAlgorithm

from nautilus_rl_lab.nt.backtest import BacktestEngine
from nautilus_rl_lab.nt.model import OrderStatus

Denial = Callable[[Any], str | None]
"""A pre-trade check: the reason to deny an order, or `None` to let it go."""
DenialFactory = Callable[[Any, Any], Denial]
"""Builds a `Denial` from an engine's cache and portfolio."""
PRETRADE_TOPIC = "nautilus_rl_lab.pretrade"
"""Where `submit_checked` offers an order to the engine's gate before submitting it."""


class PretradeGate(ExecutionAlgorithm):
    """Denies the orders offered on `PRETRADE_TOPIC` that its denial refuses."""

    def __new__(cls, make_denial: DenialFactory) -> PretradeGate:
        return super().__new__(cls)

    def __init__(self, make_denial: DenialFactory) -> None:
        super().__init__()
        self._make_denial = make_denial
        self._denial: Denial | None = None

    def on_start(self) -> None:
        self._denial = self._make_denial(self.cache, self.portfolio)
        self.subscribe_topic(PRETRADE_TOPIC, self._offered)

    def on_stop(self) -> None:
        self.unsubscribe_topic(PRETRADE_TOPIC, self._offered)

    def _offered(self, order: Any) -> None:
        # 2.0 swallows a handler's exception and the order would go out unchecked: a check
        # that fails denies the order instead, saying why
        try:
            reason = self._denial(order) if self._denial is not None else None
        except Exception as error:
            reason = f"PRETRADE_CHECK_FAILED: {type(error).__name__}: {error}"
        if reason is not None:
            self.deny_order(order, reason)


def install_pretrade_gate(engine: BacktestEngine, make_denial: DenialFactory) -> None:
    """Deny the orders `make_denial`'s check refuses in `engine` (see the module)."""
    engine.add_exec_algorithm(PretradeGate(make_denial))


def submit_checked(strategy: Any, order: Any) -> None:
    """Submit `order` unless the engine's pre-trade gate denies it (see the module)."""
    strategy.publish_message(PRETRADE_TOPIC, order)
    offered = strategy.cache.order(order.client_order_id)
    if offered is None or offered.status != OrderStatus.DENIED:
        strategy.submit_order(order)


__all__ = [
    "PRETRADE_TOPIC",
    "Denial",
    "DenialFactory",
    "PretradeGate",
    "install_pretrade_gate",
    "submit_checked",
]
