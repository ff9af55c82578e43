"""`AgentStrategy`: executes the actions an `RLAgent` publishes, under risk rules.

It listens on the message-bus topic of an `RLAgent`, maps each `AgentAction` to a target
position with the same `ActionScheme` as training, passes the target through `RiskManager` and
trades to it with `submit_to_target` (one market order, as in `TrainingNode`). With no risk
rule set, the orders are exactly those of training (the parity test relies on it).

Risk rules (`AgentStrategyConfig.risk`, a `RiskLimits`; all optional, checked on every action,
i.e. every decision bar):

- `max_position`: the absolute target is capped at this many units.
- `stop_loss` / `take_profit`: fractions of the position's average entry price; when the
  close has moved that far against / for the position it is closed, and the strategy stays
  flat until the agent asks for the other side or for flat (no immediate re-entry).
- `max_drawdown`: fraction of peak equity; when equity has fallen that far from its peak the
  position is closed and the strategy halts (ignores every further action) until reset.
- `trading_hours`: `[start_hour, end_hour)` in UTC (wrapping past midnight if start > end);
  outside them positions may only be reduced, or are closed with `flatten_outside_hours`.

The rules are a pure state machine (`RiskManager.adjust`) that unit tests drive without an
engine. `equity_history` records Nautilus' equity (balance + unrealised P&L) and position at
every decision, which the evaluation turns into equity curves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from nautilus_trader.config import NautilusConfig, StrategyConfig
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.trading.strategy import Strategy

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes.base import ActionScheme, MarketState
from nautilus_rl_lab.schemes.registry import SchemeConfig, build_action
from nautilus_rl_lab.strategies.execution import (
    read_market_state,
    require_instrument,
    submit_to_target,
)

NANOS_PER_HOUR = 3_600_000_000_000
DEFAULT_TOPIC = "rl_lab.agent.actions"


@dataclass(frozen=True, slots=True)
class AgentAction:
    """An agent's action for `instrument_id`, decided on the bar closed at `ts_event` at `close`.

    The message an `RLAgent` publishes on the message bus (`msgbus.publish(topic, msg)`).
    Delivery is synchronous within the engine loop, so the order goes out while the decision
    bar is being processed, exactly as when a strategy decides in its own `on_bar`. It is
    published with `external_pub=False`: an in-process command, not data to stream to Redis.
    """

    agent_id: str
    instrument_id: InstrumentId
    action: int | list[float]
    ts_event: int
    close: float


class RiskLimits(NautilusConfig, frozen=True, forbid_unknown_fields=True):
    """The risk rules of an `AgentStrategy` (see the module docstring); `None` disables a rule."""

    max_position: float | None = None
    stop_loss: float | None = None
    take_profit: float | None = None
    max_drawdown: float | None = None
    trading_hours: tuple[int, int] | None = None
    flatten_outside_hours: bool = False

    def __post_init__(self) -> None:
        for name in ("max_position", "stop_loss", "take_profit"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ConfigError(f"`risk.{name}` must be > 0 or None, was {value}")
        if self.max_drawdown is not None and not 0 < self.max_drawdown < 1:
            raise ConfigError(
                f"`risk.max_drawdown` must be in (0, 1) or None, was {self.max_drawdown}"
            )
        if self.trading_hours is not None and not all(0 <= h <= 24 for h in self.trading_hours):
            raise ConfigError(
                f"`risk.trading_hours` must be [start_hour, end_hour] in 0..24 UTC, "
                f"was {self.trading_hours}"
            )


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def in_trading_hours(ts_ns: int, hours: tuple[int, int] | None) -> bool:
    """Whether the UTC hour of `ts_ns` lies in `[start, end)` (wrapping past midnight)."""
    if hours is None:
        return True
    start, end = hours
    hour = (ts_ns // NANOS_PER_HOUR) % 24
    return start <= hour < end if start <= end else hour >= start or hour < end


@dataclass
class RiskManager:
    """Pure state machine applying `RiskLimits` to the agent's target positions."""

    limits: RiskLimits = field(default_factory=RiskLimits)
    peak_equity: float = 0.0
    halted: bool = False
    blocked_side: int = 0
    last_reason: str | None = None

    def reset(self) -> None:
        self.peak_equity, self.halted, self.blocked_side, self.last_reason = 0.0, False, 0, None

    def adjust(
        self, target: float | None, state: MarketState, entry_price: float | None
    ) -> float | None:
        """Return the target to trade to (`None`: leave the position) after the risk rules.

        `target` is the action scheme's target (`None` = hold); `entry_price` the average
        open price of the current position (`None` when flat). Sets `last_reason` when a rule
        changed the target.
        """
        limits, position = self.limits, state.position
        self.last_reason = None
        self.peak_equity = max(self.peak_equity, state.equity)
        drawdown = 1.0 - state.equity / self.peak_equity if self.peak_equity > 0 else 0.0
        if limits.max_drawdown is not None and drawdown >= limits.max_drawdown:
            self.halted = True
        if self.halted:
            self.last_reason = "halted"
            return 0.0
        side = _sign(position)
        if side and entry_price:
            move = side * (state.close / entry_price - 1.0)
            for reason, hit in (
                ("stop_loss", limits.stop_loss is not None and move <= -limits.stop_loss),
                ("take_profit", limits.take_profit is not None and move >= limits.take_profit),
            ):
                if hit:
                    self.blocked_side, self.last_reason = side, reason
                    return 0.0
        if self.blocked_side:
            wanted = _sign(position if target is None else target)
            if wanted == self.blocked_side:
                self.last_reason = "blocked"
                return 0.0 if position else None
            self.blocked_side = 0
        adjusted = target
        if adjusted is not None and limits.max_position is not None:
            adjusted = max(-limits.max_position, min(limits.max_position, adjusted))
        if not in_trading_hours(state.ts_ns, limits.trading_hours):
            if limits.flatten_outside_hours:
                adjusted = 0.0
            elif adjusted is not None:  # only reduce: stay between 0 and the current position
                adjusted = max(min(0.0, position), min(max(0.0, position), adjusted))
        if adjusted != target:
            self.last_reason = "limits"
        return adjusted


class AgentStrategyConfig(StrategyConfig, frozen=True, forbid_unknown_fields=True):
    """The instrument, the action scheme (same as training), the topic and the risk rules."""

    instrument_id: InstrumentId
    action: SchemeConfig = SchemeConfig(name="target_position")
    topic: str = DEFAULT_TOPIC
    risk: RiskLimits = RiskLimits()


class AgentStrategy(Strategy):
    """Trades an agent's published actions through its `ActionScheme`, under `RiskLimits`."""

    def __init__(self, config: AgentStrategyConfig) -> None:
        super().__init__(config)
        self.action_scheme: ActionScheme = build_action(config.action)
        self.risk = RiskManager(config.risk)
        self.instrument: Instrument | None = None
        self.equity_history: list[dict[str, Any]] = []
        self.actions_received = 0

    def on_start(self) -> None:
        self.instrument = require_instrument(self, self.config.instrument_id)
        self._reset_state()
        self.msgbus.subscribe(self.config.topic, self.on_agent_action)

    def on_stop(self) -> None:
        self.msgbus.unsubscribe(self.config.topic, self.on_agent_action)

    def on_reset(self) -> None:
        self._reset_state()

    def _reset_state(self) -> None:
        self.risk.reset()
        self.equity_history = []
        self.actions_received = 0

    def on_agent_action(self, message: AgentAction) -> None:
        """Handle one `AgentAction` (ignored unless it is for this strategy's instrument)."""
        if message.instrument_id != self.config.instrument_id:
            return
        self.actions_received += 1
        state = read_market_state(
            self,
            self.instrument,
            message.close,
            message.ts_event,
            self.action_scheme.position_limit,
        )
        self.equity_history.append(
            {
                "ts": state.ts_ns,
                "close": state.close,
                "position": state.position,
                "equity": state.equity,
            }
        )
        target = self.action_scheme.target_position(message.action, state.position)
        adjusted = self.risk.adjust(target, state, self._entry_price())
        if self.risk.last_reason not in (None, "halted", "blocked"):
            self.log.info(f"risk rule {self.risk.last_reason}: target {target} -> {adjusted}")
        submit_to_target(self, self.instrument, adjusted, state.position)

    def _entry_price(self) -> float | None:
        positions = self.cache.positions_open(instrument_id=self.config.instrument_id)
        return positions[0].avg_px_open if positions else None

    def equity_frame(self) -> pd.DataFrame:
        """`equity_history` as a frame indexed by UTC bar time."""
        frame = pd.DataFrame(self.equity_history, columns=["ts", "close", "position", "equity"])
        frame.index = pd.to_datetime(frame.pop("ts"), utc=True)
        return frame
