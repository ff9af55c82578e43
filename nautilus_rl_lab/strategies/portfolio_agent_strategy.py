"""`PortfolioAgentStrategy`: executes the portfolio actions a `PortfolioRLAgent` publishes.

The portfolio's `AgentStrategy`: it listens on the agent's topic and runs the executing half of
the portfolio's decision path (`strategies.portfolio_path.PortfolioExecutor`) on each
`PortfolioAgentAction`, inside the bar the agent decided on. With the schemes, risk rules and
exposure caps of the `TrainingNodeConfig`, the orders are exactly those of training.

`history` records the state of every decision (equity, each instrument's close, position and
weight), which the evaluation turns into equity and weight curves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from nautilus_rl_lab.nt.model import InstrumentId
from nautilus_rl_lab.nt.trading import Strategy, StrategyConfig
from nautilus_rl_lab.schemes.portfolio import PortfolioState
from nautilus_rl_lab.schemes.registry import SchemeConfig
from nautilus_rl_lab.strategies.boundary import guarded
from nautilus_rl_lab.strategies.portfolio_path import PortfolioEvents, PortfolioExecutor
from nautilus_rl_lab.strategies.risk import RiskLimits

PORTFOLIO_TOPIC = "rl_lab.portfolio.actions"


@dataclass(frozen=True, slots=True)
class PortfolioAgentAction:
    """A portfolio agent's action, decided at `ts_event` in the `state` it saw (the executor's
    too: the message bus delivers it within the same bar)."""

    agent_id: str
    action: Any
    ts_event: int
    state: PortfolioState


class PortfolioAgentStrategyConfig(StrategyConfig, frozen=True, forbid_unknown_fields=True):
    """The instruments (the agent's order), the action scheme (training's), the topic, each
    instrument's risk rules and the exposure caps."""

    instrument_ids: list[InstrumentId]
    action: SchemeConfig
    risks: list[RiskLimits]
    topic: str = PORTFOLIO_TOPIC
    max_gross_exposure: float | None = None
    max_net_exposure: float | None = None


class PortfolioAgentStrategy(PortfolioEvents, Strategy):
    """Trades a portfolio agent's published actions on every instrument, under the risk rules."""

    def __init__(self, config: PortfolioAgentStrategyConfig) -> None:
        super().__init__(config)
        self.executor = PortfolioExecutor.from_config(config)
        self.history: list[PortfolioState] = []

    def on_start(self) -> None:
        super().on_start()
        self.executor.start(self)
        self._reset_run()
        self.subscribe_topic(self.config.topic, self.on_agent_action)

    def on_stop(self) -> None:
        self.unsubscribe_topic(self.config.topic, self.on_agent_action)

    def on_reset(self) -> None:
        super().on_reset()
        self._reset_run()

    def _reset_run(self) -> None:
        self.executor.reset()
        self.history = []

    @guarded
    def on_agent_action(self, message: PortfolioAgentAction) -> None:
        """Execute one `PortfolioAgentAction` (its action `None`: hold every position)."""
        self.history.append(message.state)
        if message.action is not None:
            self.executor.execute(self, message.action, message.state)

    def history_frames(self) -> dict[str, pd.DataFrame]:
        """`history` as frames indexed by UTC decision time: `equity` (equity, balance,
        commissions), and one column per instrument in `closes`, `positions`, `weights`."""
        index = pd.to_datetime([state.ts_ns for state in self.history], utc=True)
        names = [str(i) for i in self.config.instrument_ids]
        frames = {
            field: pd.DataFrame(
                [getattr(state, field) for state in self.history], index=index, columns=names
            )
            for field in ("closes", "positions", "weights")
        }
        frames["equity"] = pd.DataFrame(
            [(s.equity, s.balance, s.commissions) for s in self.history],
            index=index,
            columns=["equity", "balance", "commissions"],
        )
        return frames
