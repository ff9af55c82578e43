"""Atomic, resumable checkpoints of an SB3 run: model, `VecNormalize` statistics, small JSON state.

Layout under `run_dir/checkpoints/`: one directory per checkpoint (`step_000000012288/` with
`model.zip`, `vecnormalize.pkl`, `replay_buffer.pkl` for off-policy algorithms, `state.json`),
assembled under a temporary name and renamed into place, then `latest.json` (replaced
atomically) points at it. A run killed at any instant leaves either the previous or the new
checkpoint as `latest`, never a partial one; `resume` loads `latest`.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.vec_env import VecNormalize

from nautilus_rl_lab.agents.files import atomic_directory, atomic_write_text

log = logging.getLogger(__name__)

LATEST_FILE = "latest.json"
STATE_FILE = "state.json"
MODEL_FILE = "model.zip"
VECNORMALIZE_FILE = "vecnormalize.pkl"
REPLAY_BUFFER_FILE = "replay_buffer.pkl"


def save_checkpoint(
    directory: Path,
    model: BaseAlgorithm,
    vec_normalize: VecNormalize | None,
    *,
    keep: int = 2,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a checkpoint of `model` under `directory` atomically and point `latest.json` at it."""
    name = f"step_{model.num_timesteps:012d}"
    target = directory / name
    with atomic_directory(target) as tmp:
        model.save(tmp / MODEL_FILE)
        if vec_normalize is not None:
            vec_normalize.save(str(tmp / VECNORMALIZE_FILE))
        if isinstance(model, OffPolicyAlgorithm) and model.replay_buffer is not None:
            model.save_replay_buffer(tmp / REPLAY_BUFFER_FILE)
        state = {"num_timesteps": int(model.num_timesteps), "time": time.time(), **(extra or {})}
        (tmp / STATE_FILE).write_text(json.dumps(state, indent=2), encoding="utf-8")
    atomic_write_text(
        directory / LATEST_FILE,
        json.dumps({"checkpoint": name, "num_timesteps": int(model.num_timesteps)}),
    )
    for old in sorted(p for p in directory.glob("step_*") if p.is_dir())[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    log.info("checkpoint %s written (%d timesteps)", target, model.num_timesteps)
    return target


def latest_checkpoint(directory: Path) -> Path | None:
    """The checkpoint `latest.json` points at, or `None` when there is none."""
    pointer = directory / LATEST_FILE
    if not pointer.is_file():
        return None
    path = directory / json.loads(pointer.read_text(encoding="utf-8"))["checkpoint"]
    return path if (path / STATE_FILE).is_file() else None


def read_state(checkpoint: Path) -> dict[str, Any]:
    """A checkpoint's `state.json`."""
    return json.loads((checkpoint / STATE_FILE).read_text(encoding="utf-8"))


class CheckpointCallback(BaseCallback):
    """Saves an atomic checkpoint every `every` env steps (and on demand via `save`)."""

    def __init__(
        self, directory: Path, every: int, keep: int, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__()
        self.directory = directory
        self.every = every
        self.keep = keep
        self.extra = extra or {}
        self._last = 0

    def _init_callback(self) -> None:
        self._last = self.num_timesteps

    def _on_step(self) -> bool:
        if self.every and self.num_timesteps - self._last >= self.every:
            self.save()
        return True

    def save(self) -> Path:
        """Write a checkpoint now."""
        self._last = self.num_timesteps
        vec_normalize = self.model.get_vec_normalize_env()
        extra = {key: value() if callable(value) else value for key, value in self.extra.items()}
        return save_checkpoint(
            self.directory, self.model, vec_normalize, keep=self.keep, extra=extra
        )
