"""`TradingSwitch`: a live node's trading state (ACTIVE, REDUCING, HALTED), as the kill switch sets it.

NautilusTrader 1.221's `RiskEngine` holds a trading state Python can set; 2.0 offers Python none.
So the state is enforced where our strategies decide, the same on both lines: every
`DecisionPathEvents` strategy of the node is told it (`set_trading_state`) and its `DecisionPath`
sends only closing orders while REDUCING and none while HALTED (`strategies.execution.gate_plan`,
Nautilus' own rule). Where the risk engine is reachable (1.221: `nt.node_kernel`) it is set as
well, so it still holds back any other strategy, and its state is the one read (the node's own
halt on error sets it there too). On 2.0 a strategy of another kind is not held back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nautilus_rl_lab.nt.model import TradingState
from nautilus_rl_lab.nt.node_kernel import node_risk_engine
from nautilus_rl_lab.strategies.decision import DecisionPathEvents

__all__ = ["TradingSwitch"]


class TradingSwitch:
    """The trading state of one live node's strategies (and its risk engine where reachable)."""

    def __init__(self, risk_engine: Any | None, strategies: Iterable[Any]) -> None:
        self._risk_engine = risk_engine
        self._strategies = [s for s in strategies if isinstance(s, DecisionPathEvents)]
        self._state = TradingState.ACTIVE

    @classmethod
    def of_node(cls, node: Any) -> TradingSwitch:
        """The switch of a live `node` (`nodes.live.LiveNode`) and its strategies."""
        return cls(node_risk_engine(node), node.trader.strategies())

    @property
    def state(self) -> TradingState:
        """The state the node trades in now."""
        if self._risk_engine is not None:
            return TradingState(self._risk_engine.trading_state)
        return self._state

    def set(self, state: TradingState) -> None:
        """Trade in `state` from now on (call it on the node's thread)."""
        self._state = state
        if self._risk_engine is not None:
            self._risk_engine.set_trading_state(state)
        for strategy in self._strategies:
            strategy.set_trading_state(state)
