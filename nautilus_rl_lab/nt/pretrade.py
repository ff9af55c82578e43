"""A pre-trade gate of our own in a backtest engine, on NautilusTrader 1.221 and 2.0.

`install_pretrade_gate(engine, make_denial)` has every order a strategy submits through
`submit_checked` asked `denial(order)` first (`make_denial(cache, portfolio)` builds it from the
engine's cache and portfolio); an order it gives a reason for is denied as Nautilus' risk engine
denies (an `OrderDenied` event with that reason, status DENIED, the strategy's
`on_order_denied`) and never reaches the venue.

- 1.221: the gate sits in front of the risk engine on the message bus (the `RiskEngine.execute`
  endpoint every `SubmitOrder` passes) and denies through `RiskEngine._deny_order`, so it sees
  any strategy's `submit_order`; `submit_checked` is `submit_order`.
- 2.0 exposes neither its message bus endpoints nor its risk engine to Python, and its
  `Strategy` cannot deny an order. The gate is an `ExecutionAlgorithm` in the engine (its
  `deny_order` records the denial in the cache and tells the strategy): `submit_checked`
  offers the order on `PRETRADE_TOPIC` (synchronous) and submits it unless the gate denied it.
  Without a gate (an engine of others, a live node) the order is submitted, as on 1.221.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nautilus_rl_lab.nt.backtest import BacktestEngine
from nautilus_rl_lab.nt.model import OrderStatus
from nautilus_rl_lab.nt.version import NT2

Denial = Callable[[Any], str | None]
"""A pre-trade check: the reason to deny an order, or `None` to let it go."""
DenialFactory = Callable[[Any, Any], Denial]
"""Builds a `Denial` from an engine's cache and portfolio."""
PRETRADE_TOPIC = "nautilus_rl_lab.pretrade"
"""Where `submit_checked` offers an order to the engine's gate before submitting it (2.0)."""

if NT2:
    from nautilus_trader.trading import ExecutionAlgorithm

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
else:
    from nautilus_rl_lab.nt.live import SubmitOrder

    ENDPOINT = "RiskEngine.execute"

    class PretradeGate:
        """In front of the risk engine: denies the `SubmitOrder`s its denial refuses."""

        def __init__(self, kernel: Any, make_denial: DenialFactory) -> None:
            self._risk = kernel.risk_engine
            self._denial = make_denial(kernel.cache, kernel.portfolio)

        def execute(self, command: Any) -> None:
            """Deny `command` if it is a refused order, else hand it to the risk engine."""
            if isinstance(command, SubmitOrder):
                reason = self._denial(command.order)
                if reason is not None:
                    self._risk._deny_order(command.order, reason)
                    return
            self._risk.execute(command)

    def install_pretrade_gate(engine: BacktestEngine, make_denial: DenialFactory) -> None:
        """Deny the orders `make_denial`'s check refuses in `engine` (see the module)."""
        gate = PretradeGate(engine.kernel, make_denial)
        msgbus = engine.kernel.msgbus
        msgbus.deregister(ENDPOINT, gate._risk.execute)
        msgbus.register(ENDPOINT, gate.execute)

    def submit_checked(strategy: Any, order: Any) -> None:
        """Submit `order`: the gate on the message bus sees every submission (see the module)."""
        strategy.submit_order(order)


__all__ = [
    "PRETRADE_TOPIC",
    "Denial",
    "DenialFactory",
    "PretradeGate",
    "install_pretrade_gate",
    "submit_checked",
]
