"""`TradingSwitch`: a live node's trading state (ACTIVE, REDUCING, HALTED), as the kill switch sets it.

NautilusTrader 2 offers Python no trading state on its risk engine. So the state is enforced
where our strategies decide: every `DecisionPathEvents` strategy of the node is told it
(`set_trading_state`) and its `DecisionPath` sends only closing orders while REDUCING and none
while HALTED (`strategies.execution.gate_plan`, Nautilus' own rule). A strategy of another kind
is not held back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nautilus_rl_lab.nt.model import TradingState
from nautilus_rl_lab.strategies.decision import DecisionPathEvents

__all__ = ["TradingSwitch"]


class TradingSwitch:
    """The trading state of one live node's strategies."""

    def __init__(self, strategies: Iterable[Any]) -> None:
        self._strategies = [s for s in strategies if isinstance(s, DecisionPathEvents)]
        self._state = TradingState.ACTIVE

    @classmethod
    def of_node(cls, node: Any) -> TradingSwitch:
        """The switch of a live `node` (`nodes.live.LiveNode`) and its strategies."""
        return cls(node.trader.strategies())

    @property
    def state(self) -> TradingState:
        """The state the node trades in now."""
        return self._state

    def set(self, state: TradingState) -> None:
        """Trade in `state` from now on (call it on the node's thread)."""
        self._state = state
        for strategy in self._strategies:
            strategy.set_trading_state(state)
