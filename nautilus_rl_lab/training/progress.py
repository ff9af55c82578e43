"""`ProgressBar`: a plain-text tqdm bar of env steps for `train(progress_bar=True)`.

SB3's `learn` stops only at the end of a rollout (on-policy: `n_steps` per env; off-policy:
`train_freq` steps per env), so a run ends at `total_timesteps` rounded up to whole rollouts
(40,000 steps of 128 x 8 envs end at 40,960). `planned_timesteps` says where, so the bar (and
the training view) shows that target from the start instead of growing past 100 %.

SB3's own bar (tqdm.rich) is a live display: in JupyterLab it is left showing its last
refresh (e.g. 94 %), its rate column is cut at the cell width, and it is gone once the
notebook is saved. This one writes plain text to stderr with a fixed width, is brought to
the final step count when training ends (100 % for a full run; where it stopped when a
callback ended it early) and leaves that line in the output.
"""

from __future__ import annotations

import inspect
import math
import sys

from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm
from tqdm import tqdm

from nautilus_rl_lab.agents.policy import algorithm_class
from nautilus_rl_lab.training.config import TrainConfig

WIDTH = 100


def rollout_size(config: TrainConfig) -> int | None:
    """Env steps one SB3 rollout of `config` collects; `None` when episodes end it."""
    algorithm = algorithm_class(config.algorithm)
    if issubclass(algorithm, OnPolicyAlgorithm):
        name = "n_steps"
    elif issubclass(algorithm, OffPolicyAlgorithm):
        name = "train_freq"
    else:
        return None
    default = inspect.signature(algorithm.__init__).parameters[name].default
    steps = config.hyperparameters.get(name, default)
    if isinstance(steps, (tuple, list)):  # train_freq=(n, "step" | "episode")
        if len(steps) != 2 or steps[1] != "step":
            return None
        steps = steps[0]
    return int(steps) * config.n_envs


def planned_timesteps(config: TrainConfig, start: int = 0) -> int:
    """The step count a run of `config` from step `start` ends at: whole rollouts past the total."""
    rollout = rollout_size(config)
    if start >= config.total_timesteps:
        return start
    if rollout is None:
        return config.total_timesteps
    return start + math.ceil((config.total_timesteps - start) / rollout) * rollout


class ProgressBar(BaseCallback):
    """Env steps done out of the steps this `learn` call runs, with the rate, as one text line."""

    def __init__(self, config: TrainConfig) -> None:
        super().__init__()
        self.config = config
        self.bar: tqdm | None = None
        self._first = 0

    def _on_training_start(self) -> None:
        self._first = int(self.model.num_timesteps)
        total = planned_timesteps(self.config, self._first) - self._first
        self.bar = tqdm(
            total=total,
            desc=self.config.algorithm,
            unit="step",
            ncols=WIDTH,
            mininterval=0.5,
            file=sys.stderr,
        )

    def _advance(self) -> None:
        if self.bar is not None:
            done = self.num_timesteps - self._first
            if done > (self.bar.total or 0):  # episodes end rollouts: no target known
                self.bar.total = done
            self.bar.update(done - self.bar.n)

    def _on_step(self) -> bool:
        self._advance()
        return True

    def _on_training_end(self) -> None:
        if self.bar is None:
            return
        self._advance()
        self.bar.close()
        self.bar = None
