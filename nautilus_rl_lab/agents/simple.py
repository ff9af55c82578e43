"""Reference agents: `RandomAgent` and `BuyAndHoldAgent`, and `SignalActions`, which maps a
trading signal in [-1, 1] to an action of any target-style `ActionScheme`.

Decisions:

- Rule-based agents think in signals (-1 short, 0 flat, +1 long) and reach the market through
  the *same* ActionScheme as trained policies. `SignalActions` picks the action whose target
  position is closest to `signal * position_limit` (discrete spaces) or passes the signal as
  the exposure (continuous). Schemes whose targets depend on the current position
  (`buy_sell_hold`) have no such mapping and are rejected with a `ConfigError`.
- `RandomAgent` samples from its own seeded copy of the action space, so a seed reproduces a
  run exactly.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from nautilus_rl_lab.agents.base import (
    Agent,
    read_spec,
    space_from_dict,
    space_to_dict,
    to_plain_action,
    write_spec,
)
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes.registry import SchemeConfig, build_action

DEFAULT_ACTION = SchemeConfig(name="target_position")


class SignalActions:
    """Maps a signal in [-1, 1] to the action of `action` whose target is closest to it."""

    def __init__(self, action: SchemeConfig = DEFAULT_ACTION) -> None:
        self.config = action
        scheme = build_action(action)
        self.space = scheme.space
        self.limit = scheme.position_limit
        self._targets: np.ndarray | None = None
        if isinstance(self.space, gym.spaces.Discrete):
            targets = [scheme.target_position(a, 0.0) for a in range(self.space.n)]
            if any(t is None for t in targets) or len(set(targets)) != len(targets):
                raise ConfigError(
                    f"`action.name` {action.name!r} maps actions to position changes, not "
                    f"targets: rule-based agents need 'target_position' or 'continuous'",
                )
            self._targets = np.asarray(targets, dtype=np.float64)
        elif not isinstance(self.space, gym.spaces.Box):
            raise ConfigError(f"`action` space {self.space} is neither Discrete nor Box")

    def __call__(self, signal: float) -> Any:
        signal = float(np.clip(signal, -1.0, 1.0))
        if self._targets is None:
            return [signal]
        return int(np.argmin(np.abs(self._targets - signal * self.limit)))


class RandomAgent(Agent):
    """Uniformly random actions from a seeded action space (the 'no skill' baseline)."""

    def __init__(self, action_space: gym.Space[Any], seed: int | None = None) -> None:
        self.action_space = space_from_dict(space_to_dict(action_space))  # own copy
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        self.action_space.seed(self.seed)

    def act(self, observation: np.ndarray) -> Any:
        return to_plain_action(self.action_space.sample(), self.action_space)

    def save(self, path: str | os.PathLike[str]) -> Path:
        return write_spec(path, self, action_space=space_to_dict(self.action_space), seed=self.seed)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RandomAgent:
        spec = read_spec(path)
        return cls(space_from_dict(spec["action_space"]), seed=spec.get("seed"))


class BuyAndHoldAgent(Agent):
    """Always asks for the full long target (signal +1)."""

    def __init__(self, action: SchemeConfig = DEFAULT_ACTION) -> None:
        self.action = action
        self._signals = SignalActions(action)

    def act(self, observation: np.ndarray) -> Any:
        return self._signals(1.0)

    def save(self, path: str | os.PathLike[str]) -> Path:
        return write_spec(path, self, action=self.action.json().decode())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BuyAndHoldAgent:
        return cls(SchemeConfig.parse(read_spec(path)["action"]))
