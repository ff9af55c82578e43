"""`AgentStrategy`: executes the actions an `RLAgent` publishes, under risk rules.

It listens on the message-bus topic of an `RLAgent` and runs the execution half of the
`DecisionPath` on each `AgentAction`: the same `ActionScheme` as training maps it to a target,
the same `RiskManager` (`AgentStrategyConfig.risk`, a `RiskLimits`; see `strategies.risk`)
adjusts it, and the orders go out as in `TrainingNode` (market orders from the position plus
the orders in flight: a reduce-only close, an open, or both on a flip; the entry with its
venue-side stop-loss/take-profit). With the same `risk` section as the `TrainingNodeConfig`
the orders are exactly those of training (the parity tests rely on it).

`equity_history` records Nautilus' equity (balance + unrealised P&L) and position at every
decision, which the evaluation turns into equity curves; `risk_events` lists every rule that
changed a target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import pandas as pd

from nautilus_rl_lab.nt.model import Instrument, InstrumentId
from nautilus_rl_lab.nt.trading import Strategy, StrategyConfig
from nautilus_rl_lab.schemes.base import ActionScheme, MarketState
from nautilus_rl_lab.schemes.registry import SchemeConfig, build_action
from nautilus_rl_lab.strategies.boundary import guarded
from nautilus_rl_lab.strategies.decision import DecisionPath, DecisionPathEvents
from nautilus_rl_lab.strategies.execution import require_instrument
from nautilus_rl_lab.strategies.risk import RiskLimits, RiskManager

DEFAULT_TOPIC = "rl_lab.agent.actions"


@dataclass(frozen=True, slots=True)
class AgentAction:
    """An agent's action for `instrument_id`, decided on the bar closed at `ts_event` at `close`
    in the market `state` the agent saw (the executor's too: it is the same instant).

    The message an `RLAgent` publishes on the message bus (`publish_message(topic, msg)`).
    Delivery is synchronous within the engine loop, so the order goes out while the decision
    bar is being processed, exactly as when a strategy decides in its own `on_bar`. It is an
    in-process command, never streamed to an external message bus.
    """

    agent_id: str
    instrument_id: InstrumentId
    action: int | list[float]
    ts_event: int
    close: float
    state: MarketState


class AgentStrategyConfig(StrategyConfig, frozen=True, forbid_unknown_fields=True):
    """The instrument, the action scheme (same as training), the topic and the risk rules."""

    instrument_id: InstrumentId
    action: SchemeConfig = SchemeConfig(name="target_position")
    topic: str = DEFAULT_TOPIC
    risk: RiskLimits = RiskLimits()


class AgentStrategy(DecisionPathEvents, Strategy):
    """Trades an agent's published actions through its `ActionScheme`, under `RiskLimits`."""

    def __init__(self, config: AgentStrategyConfig) -> None:
        super().__init__(config)
        self.action_scheme: ActionScheme = build_action(config.action)
        self.path = DecisionPath(self.action_scheme, config.risk)
        # None until `on_start` sets it; the handlers reading it run after
        self.instrument: Instrument = cast("Instrument", None)
        self.equity_history: list[dict[str, Any]] = []
        self.actions_received = 0

    @property
    def risk(self) -> RiskManager:
        """The risk rules' state machine."""
        return self.path.risk

    def on_start(self) -> None:
        super().on_start()
        self.instrument = require_instrument(self, self.config.instrument_id)
        self._reset_state()
        self.subscribe_topic(self.config.topic, self.on_agent_action)

    def on_stop(self) -> None:
        self.unsubscribe_topic(self.config.topic, self.on_agent_action)

    def on_reset(self) -> None:
        super().on_reset()
        self._reset_state()

    def _reset_state(self) -> None:
        self.path.reset()
        self.equity_history = []
        self.actions_received = 0

    @guarded
    def on_agent_action(self, message: AgentAction) -> None:
        """Handle one `AgentAction` (ignored unless it is for this strategy's instrument)."""
        if message.instrument_id != self.config.instrument_id:
            return
        self.actions_received += 1
        # the agent read the state at this very instant: reading it again would only cost
        # a second account read per bar (an O(events) copy on NautilusTrader 2)
        state = message.state._replace(position_limit=self.action_scheme.position_limit)
        self.equity_history.append(
            {
                "ts": state.ts_ns,
                "close": state.close,
                "position": state.position,
                "equity": state.equity,
            }
        )
        self.path.execute(self, self.instrument, message.action, state)

    def equity_frame(self) -> pd.DataFrame:
        """`equity_history` as a frame indexed by UTC bar time."""
        frame = pd.DataFrame(self.equity_history, columns=["ts", "close", "position", "equity"])
        frame.index = pd.to_datetime(frame.pop("ts"), utc=True)
        return frame
