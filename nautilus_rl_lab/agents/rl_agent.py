"""`RLAgent(Actor, Agent)`: a Nautilus actor that runs a policy and publishes its actions.

On every bar of `bar_type` it hands the bar to the policy (`Agent.observe_bar`) and runs the
first half of the `DecisionPath` (`strategies.decision`: the same `ObservationScheme` the policy
was trained with, the same `MarketState` from the portfolio, the policy's action), then
publishes an `AgentAction` on `topic`. The `AgentStrategy` listening on that topic runs the
second half (action-scheme target -> risk rules -> orders) inside the same bar. `TrainingNode`'s
strategy runs the same `DecisionPath`, so a deterministic policy trades identically in
training, backtests and live nodes (tests/agents prove it).

Decisions:

- The config is a frozen `ActorConfig` (`nt.common`'s: Nautilus 1.221's fields and JSON on
  either line) with a path to a saved agent (`agent_path`), so
  `ImportableActorConfig(actor_path="nautilus_rl_lab.agents:RLAgent",
  config_path="nautilus_rl_lab.agents:RLAgentConfig", config={...})` adds it to any kernel
  (`BacktestNode`, `LiveNode`; `nt.components.create_actor` builds it). In Python an `Agent`
  object can be passed directly instead. The actor reads the market state through the portfolio:
  add it with `nt.components.add_actor` (NautilusTrader 2 gives actors no portfolio of their own).
- `Actor` already has `save()`/`load(state)` (Nautilus' state persistence) and `reset()`
  (lifecycle). `RLAgent.save(path)` saves the policy and the actor config; without a path it is
  Nautilus' `Actor.save()`. `RLAgent.load(path)` on the class loads a saved `RLAgent`; on an
  instance it stays Nautilus' `Actor.load(state)`. `reset()` is the Nautilus lifecycle reset,
  whose `on_reset` resets the schemes and the wrapped agent.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

import numpy as np

from nautilus_rl_lab.agents.base import Agent, given_or_saved, load_agent
from nautilus_rl_lab.config import decode_config, read_mapping
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.files import atomic_write_text
from nautilus_rl_lab.nt.common import Actor, ActorConfig
from nautilus_rl_lab.nt.model import Bar, BarType, Instrument, InstrumentId
from nautilus_rl_lab.schemes.base import ActionScheme, MarketState, ObservationScheme
from nautilus_rl_lab.schemes.registry import SchemeConfig, build_action, build_observation
from nautilus_rl_lab.strategies.agent_strategy import DEFAULT_TOPIC, AgentAction
from nautilus_rl_lab.strategies.boundary import HandlerErrors, guarded
from nautilus_rl_lab.strategies.decision import DecisionPath
from nautilus_rl_lab.strategies.execution import require_instrument
from nautilus_rl_lab.strategies.staleness import DEFAULT_MAX_BAR_AGE_SECS, check_max_bar_age

ACTOR_CONFIG_FILE = "rl_agent.json"


class RLAgentConfig(ActorConfig, frozen=True, forbid_unknown_fields=True):
    """Instrument, decision bars, the schemes the policy was trained with, and where it is saved.

    `agent_path` is a directory written by `Agent.save` (e.g. a training run's `best/`); it may
    be `None` only when an `Agent` object is passed to `RLAgent` directly. `topic` is the
    message-bus topic the actions go to (the `AgentStrategy` must listen on the same one).
    `max_bar_age_secs`: a bar that closed longer ago than this on the market's clock is observed
    but not acted on, and alerted (`strategies.staleness`; default 60 s, `None`: no check).
    """

    instrument_id: InstrumentId
    bar_type: BarType
    agent_path: str | None = None
    observation: SchemeConfig = SchemeConfig(name="window")
    action: SchemeConfig = SchemeConfig(name="target_position")
    topic: str = DEFAULT_TOPIC
    max_bar_age_secs: float | None = DEFAULT_MAX_BAR_AGE_SECS

    def __post_init__(self) -> None:
        check_max_bar_age("max_bar_age_secs", self.max_bar_age_secs)


class _ClassLoadOrActorLoad:
    """`RLAgent.load(path)` on the class; Nautilus' `Actor.load(state)` on an instance."""

    def __get__(self, instance: RLAgent | None, owner: type[RLAgent]) -> Any:
        if instance is None:
            return owner._load_saved
        return Actor.load.__get__(instance, owner)


class RLAgent(HandlerErrors, Actor, Agent):
    """Runs an `Agent` inside a Nautilus kernel and publishes its actions on the message bus."""

    def __init__(self, config: RLAgentConfig, agent: Agent | None = None) -> None:
        super().__init__(config)
        self.agent = given_or_saved(agent, config.agent_path)
        self.observation_scheme: ObservationScheme = build_observation(config.observation)
        self.action_scheme: ActionScheme = build_action(config.action)
        self.path = DecisionPath(
            self.action_scheme,
            observation=self.observation_scheme,
            max_bar_age_secs=config.max_bar_age_secs,
        )
        # None until `on_start` sets it; the handlers reading it run after
        self.instrument: Instrument = cast("Instrument", None)
        self.actions_published = 0
        self.bars_handled = 0

    # -- Nautilus lifecycle ------------------------------------------------------------------

    def on_start(self) -> None:
        self.instrument = require_instrument(self, self.config.instrument_id)
        self._reset_state()
        self.path.market_clock.subscribe(self, self.config.instrument_id)
        self.path.commissions.start(self, self.config.instrument_id)
        self.subscribe_bars(self.config.bar_type)

    def on_stop(self) -> None:
        self.unsubscribe_bars(self.config.bar_type)
        self.path.market_clock.unsubscribe(self)
        self.path.commissions.stop()

    def on_reset(self) -> None:
        self._reset_state()

    @guarded
    def on_bar(self, bar: Bar) -> None:
        self.agent.observe_bar(bar)
        decided = self.path.decide(self, self.instrument, bar, self._act)
        if decided is not None:
            self._publish(bar, *decided)
        # last, so a reader seeing the count knows this bar's orders are submitted
        self.bars_handled += 1

    def _publish(self, bar: Bar, action: Any, state: MarketState) -> None:
        message = AgentAction(
            agent_id=self.id.value,
            instrument_id=self.config.instrument_id,
            action=action,
            ts_event=bar.ts_event,
            close=state.close,
            state=state,
        )
        self.publish_message(self.config.topic, message)
        self.actions_published += 1

    def _act(self, observation: np.ndarray, state: MarketState) -> Any:
        return self.agent.act(observation)

    def _reset_state(self) -> None:
        self.path.reset()
        self.agent.reset()
        self.actions_published = 0
        self.bars_handled = 0

    # -- Agent -------------------------------------------------------------------------------

    def act(self, observation: np.ndarray) -> Any:
        return self.agent.act(observation)

    def observe_bar(self, bar: Bar) -> None:
        self.agent.observe_bar(bar)

    def learn(self, *args: Any, **kwargs: Any) -> Agent:
        return self.agent.learn(*args, **kwargs)

    def save(self, path: str | os.PathLike[str] | None = None) -> Any:
        """Save the policy and this actor's config to `path` (no path: Nautilus' `Actor.save()`)."""
        if path is None:
            return Actor.save(self)
        directory = self.agent.save(path)
        config = self.config.json().decode()
        atomic_write_text(Path(directory) / ACTOR_CONFIG_FILE, config)
        return directory

    @classmethod
    def _load_saved(cls, path: str | os.PathLike[str]) -> RLAgent:
        file = Path(path) / ACTOR_CONFIG_FILE
        if not file.is_file():
            raise ConfigError(
                f"{str(path)!r} holds no {ACTOR_CONFIG_FILE}: it was not saved by RLAgent.save; "
                f"build RLAgent(RLAgentConfig(..., agent_path={str(path)!r})) instead",
            )
        try:
            config = decode_config(RLAgentConfig, read_mapping(file))
        except ConfigError as e:
            raise ConfigError(f"{file}: {e}") from e
        return cls(config, load_agent(path))

    load = _ClassLoadOrActorLoad()
