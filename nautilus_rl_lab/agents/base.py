"""The `Agent` interface: `act(observation) -> action`, `save(path)`, `load(path)`, `learn(...)`.

Decisions:

- An agent is saved as a *directory* holding `agent.json` (`{"agent": "module:Class", ...}`)
  plus whatever the class needs (an SB3 `model.zip`, `vecnormalize.pkl`). `load_agent(path)`
  reads `agent.json` and dispatches to the right class, so a path is all a Nautilus config
  (`RLAgentConfig.agent_path`) needs to bring a policy into any kernel.
- `act` sees only the observation built by the `ObservationScheme`; agents that keep their own
  Nautilus indicators (the rule-based baselines) also get every bar through `observe_bar`, which
  `RLAgent` calls before building the observation. `reset` is called at every run start.
- Actions are plain Python values (`int` for discrete spaces, `list[int]` for multi-discrete
  ones (a portfolio's choice per asset), `list[float]` for boxes) so they can travel on the
  message bus and into logs; `to_plain_action` does the conversion.
"""

from __future__ import annotations

import json
import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from nautilus_rl_lab.config import resolve_class
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.files import atomic_write_text
from nautilus_rl_lab.nt.model import Bar

SPEC_FILE = "agent.json"


class Agent(ABC):
    """Maps observations to actions; saved to and loaded from a directory."""

    @abstractmethod
    def act(self, observation: np.ndarray) -> Any:
        """Return the action for `observation` (deterministic for trained policies)."""

    def observe_bar(self, bar: Bar) -> None:  # noqa: B027 - optional hook, empty by default
        """Take in a closed bar before `act` (agents with their own indicators override)."""

    def reset(self) -> None:  # noqa: B027 - optional hook, empty by default
        """Forget per-run state (called at every run start)."""

    @property
    def warmup_bars(self) -> int:
        """Bars the agent needs before it can act on a signal (0: acts from the first bar)."""
        return 0

    def learn(self, *args: Any, **kwargs: Any) -> Agent:
        """Train the agent; agents that do not learn raise `NotImplementedError`."""
        raise NotImplementedError(f"{type(self).__name__} does not learn")

    @abstractmethod
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Save everything needed to act again into the directory `path`; return it."""

    @classmethod
    @abstractmethod
    def load(cls, path: str | os.PathLike[str]) -> Agent:
        """Load an agent saved with `save`."""


def class_path(obj: object) -> str:
    """`module:QualName` of `obj`'s class."""
    cls = type(obj)
    return f"{cls.__module__}:{cls.__qualname__}"


def write_spec(path: str | os.PathLike[str], agent: Agent, **fields: Any) -> Path:
    """Create the agent directory `path` and write its `agent.json` atomically."""
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    spec = {"agent": class_path(agent), **fields}
    atomic_write_text(directory / SPEC_FILE, json.dumps(spec, indent=2, sort_keys=True))
    return directory


def read_spec(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read an agent directory's `agent.json`."""
    file = Path(path) / SPEC_FILE
    if not file.is_file():
        raise ConfigError(
            f"`agent_path` {str(path)!r} is not a saved agent: {SPEC_FILE} is missing "
            f"(save one with `agent.save(path)` or train one with `train(config)`)",
        )
    return json.loads(file.read_text(encoding="utf-8"))


def load_agent(path: str | os.PathLike[str]) -> Agent:
    """Load whichever `Agent` was saved in the directory `path`."""
    spec = read_spec(path)
    try:
        cls: type[Agent] = resolve_class("agent", str(spec.get("agent", "")), {}, Agent)
    except ConfigError as e:
        raise ConfigError(f"{Path(path) / SPEC_FILE}: {e}") from e
    return cls.load(path)


def given_or_saved(agent: Agent | None, agent_path: str | None) -> Agent:
    """`agent`, else the agent saved at `agent_path` (an actor config's), else `ConfigError`."""
    if agent is not None:
        return agent
    if agent_path is None:
        raise ConfigError("`agent_path` is required when no Agent object is passed")
    return load_agent(agent_path)


def space_to_dict(space: gym.Space[Any]) -> dict[str, Any]:
    """Describe a `Discrete`, `MultiDiscrete` or `Box` space as JSON-able data."""
    if isinstance(space, gym.spaces.Discrete):
        return {"type": "Discrete", "n": int(space.n), "start": int(space.start)}
    if isinstance(space, gym.spaces.MultiDiscrete):
        return {"type": "MultiDiscrete", "nvec": space.nvec.tolist()}
    if isinstance(space, gym.spaces.Box):
        return {
            "type": "Box",
            "low": space.low.tolist(),
            "high": space.high.tolist(),
            "shape": list(space.shape),
            "dtype": str(space.dtype),
        }
    raise ConfigError(f"action space {space} is not supported: use Discrete, MultiDiscrete or Box")


def space_from_dict(data: dict[str, Any]) -> gym.Space[Any]:
    """Inverse of `space_to_dict`."""
    if data["type"] == "Discrete":
        return gym.spaces.Discrete(data["n"], start=data.get("start", 0))
    if data["type"] == "MultiDiscrete":
        return gym.spaces.MultiDiscrete(data["nvec"])
    return gym.spaces.Box(
        np.asarray(data["low"]),
        np.asarray(data["high"]),
        shape=tuple(data["shape"]),
        dtype=np.dtype(data["dtype"]),
    )


def to_plain_action(
    action: Any, space: gym.Space[Any] | None = None
) -> int | list[int] | list[float]:
    """Turn a policy's action (numpy scalar/array) into an `int`, a `list[int]` (a
    `MultiDiscrete` space) or a `list[float]`."""
    value = np.asarray(action)
    if isinstance(space, gym.spaces.MultiDiscrete):
        return [int(v) for v in value.reshape(-1)]
    if isinstance(space, gym.spaces.Discrete) or (
        space is None and np.issubdtype(value.dtype, np.integer)
    ):
        return int(value.reshape(-1)[0])
    return [float(v) for v in value.reshape(-1)]
