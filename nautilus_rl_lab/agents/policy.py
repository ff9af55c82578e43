"""`PolicyAgent`: a trained stable-baselines3 model plus the observation statistics it was trained with.

Decisions:

- The saved directory holds `model.zip` (SB3's own format), `normalizer.npz` (the running mean
  and variance of `VecNormalize`, its clip and epsilon) and `agent.json` (algorithm and
  settings). At inference the observation is normalised with exactly SB3's formula
  (`clip((obs - mean) / sqrt(var + eps), -clip, clip)` as float32) and the statistics stay
  frozen. The statistics are stored as arrays rather than a pickled `VecNormalize`, so a
  live node loads no pickle and needs no vector env.
- Actions are deterministic by default (`model.predict(deterministic=True)`): backtests and
  live trading must be reproducible, and the parity test relies on it.
- Every file is written atomically; `agent.json` is written last and marks a complete save.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3 import A2C, DQN, PPO, SAC, TD3
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.running_mean_std import RunningMeanStd
from stable_baselines3.common.vec_env import VecNormalize

from nautilus_rl_lab.agents.base import Agent, read_spec, to_plain_action, write_spec
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.files import atomic_write_bytes
from nautilus_rl_lab.validation import check_known

ALGORITHMS: dict[str, type[BaseAlgorithm]] = {
    "PPO": PPO,
    "A2C": A2C,
    "DQN": DQN,
    "SAC": SAC,
    "TD3": TD3,
}
DISCRETE_ALGORITHMS = ("PPO", "A2C", "DQN")
CONTINUOUS_ALGORITHMS = ("PPO", "A2C", "SAC", "TD3")
MODEL_FILE = "model.zip"
NORMALIZER_FILE = "normalizer.npz"


def algorithm_class(name: str) -> type[BaseAlgorithm]:
    """The SB3 class for `name` (`PPO`, `A2C`, `DQN`, `SAC`, `TD3`; case-insensitive)."""
    return ALGORITHMS[check_known("algorithm", name, sorted(ALGORITHMS), upper=True).upper()]


def algorithm_name(model: BaseAlgorithm) -> str:
    """The `ALGORITHMS` key of `model`'s class."""
    for name, cls in ALGORITHMS.items():
        if type(model) is cls:
            return name
    raise ConfigError(f"model class {type(model).__name__} is not one of {sorted(ALGORITHMS)}")


@dataclass(frozen=True)
class ObservationNormalizer:
    """Frozen `VecNormalize` observation statistics, applied with SB3's formula."""

    mean: np.ndarray
    var: np.ndarray
    clip: float
    epsilon: float

    @classmethod
    def from_vec_normalize(cls, vec_normalize: VecNormalize) -> ObservationNormalizer | None:
        """Copy the statistics of `vec_normalize` (`None` if it does not normalise observations)."""
        if not vec_normalize.norm_obs:
            return None
        rms = vec_normalize.obs_rms
        if not isinstance(rms, RunningMeanStd):
            raise ConfigError("dict observation spaces are not supported: use a Box observation")
        return cls(
            np.array(rms.mean, dtype=np.float64),
            np.array(rms.var, dtype=np.float64),
            float(vec_normalize.clip_obs),
            float(vec_normalize.epsilon),
        )

    def __call__(self, observation: np.ndarray) -> np.ndarray:
        scaled = (observation - self.mean) / np.sqrt(self.var + self.epsilon)
        return np.clip(scaled, -self.clip, self.clip).astype(np.float32)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez(buffer, mean=self.mean, var=self.var, clip=self.clip, epsilon=self.epsilon)
        return buffer.getvalue()

    @classmethod
    def from_file(cls, path: Path) -> ObservationNormalizer:
        with np.load(path) as data:
            return cls(data["mean"], data["var"], float(data["clip"]), float(data["epsilon"]))


class PolicyAgent(Agent):
    """Acts with an SB3 model; observations are normalised with frozen training statistics."""

    def __init__(
        self,
        model: BaseAlgorithm,
        normalizer: ObservationNormalizer | VecNormalize | None = None,
        *,
        deterministic: bool = True,
    ) -> None:
        self.model = model
        if isinstance(normalizer, VecNormalize):
            normalizer = ObservationNormalizer.from_vec_normalize(normalizer)
        self.normalizer = normalizer
        self.deterministic = deterministic
        self.algorithm = algorithm_name(model)

    def act(self, observation: np.ndarray) -> Any:
        obs = np.asarray(observation, dtype=np.float32)
        if self.normalizer is not None:
            obs = self.normalizer(obs)
        action, _ = self.model.predict(obs, deterministic=self.deterministic)
        return to_plain_action(action, self.model.action_space)

    def learn(self, total_timesteps: int, **kwargs: Any) -> PolicyAgent:
        """Continue training the model on its env (`model.learn`); statistics stay as they are."""
        self.model.learn(total_timesteps, **kwargs)
        return self

    def save(self, path: str | os.PathLike[str]) -> Path:
        directory = Path(path)
        directory.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        self.model.save(buffer, exclude=["env", "replay_buffer"])
        atomic_write_bytes(directory / MODEL_FILE, buffer.getvalue())
        if self.normalizer is not None:
            atomic_write_bytes(directory / NORMALIZER_FILE, self.normalizer.to_bytes())
        else:
            (directory / NORMALIZER_FILE).unlink(missing_ok=True)
        return write_spec(
            directory,
            self,
            algorithm=self.algorithm,
            deterministic=self.deterministic,
            normalized=self.normalizer is not None,
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PolicyAgent:
        directory = Path(path)
        spec = read_spec(directory)
        model = algorithm_class(spec["algorithm"]).load(directory / MODEL_FILE, device="cpu")
        normalizer = None
        if spec.get("normalized"):
            normalizer = ObservationNormalizer.from_file(directory / NORMALIZER_FILE)
        return cls(model, normalizer, deterministic=spec.get("deterministic", True))
