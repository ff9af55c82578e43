"""Atomic, resumable checkpoints of an SB3 run: model, `VecNormalize` statistics, small JSON state.

Layout under `run_dir/checkpoints/`: one directory per checkpoint (`step_000000012288/` with
`model.zip`, `vecnormalize.pkl`, `replay_buffer.pkl` for off-policy algorithms, `state.json`),
assembled under a temporary name and renamed into place, then `latest.json` (replaced
atomically) points at it. `state.json` records the size of every file written, so a checkpoint
damaged later (a truncated or deleted file, a half-copied folder) is recognised as such.

Decisions:

- Checkpoints are ordered by the step number in their name, never by the name's text.
  Pruning keeps the `keep` newest checkpoints up to the one just written (which is always
  kept); checkpoints with a higher step (left behind when a resume fell back to an older one)
  are not the run's past and are left alone until the run writes that step again.
- `latest_checkpoint` is what a resume loads: `latest.json`'s checkpoint if it is complete,
  else the newest complete one, with a warning naming both; a folder whose checkpoints are
  all damaged raises `CheckpointError` (never a silent restart from step 0).
- `check_settings` refuses to resume when what the checkpoint was trained with (algorithm,
  spaces, schemes, normalisation, `n_envs`; stored in its state) differs from the new config.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm
from stable_baselines3.common.vec_env import VecNormalize

from nautilus_rl_lab.errors import CheckpointError, ConfigError
from nautilus_rl_lab.files import atomic_directory, atomic_write_text
from nautilus_rl_lab.validation import check_minimum

log = logging.getLogger(__name__)

LATEST_FILE = "latest.json"
STATE_FILE = "state.json"
MODEL_FILE = "model.zip"
VECNORMALIZE_FILE = "vecnormalize.pkl"
REPLAY_BUFFER_FILE = "replay_buffer.pkl"
_NAME = re.compile(r"step_(\d+)")


def checkpoint_step(path: Path) -> int | None:
    """The step number in a checkpoint folder's name (`step_000000012288` -> 12288)."""
    match = _NAME.fullmatch(path.name)
    return int(match.group(1)) if match else None


def list_checkpoints(directory: Path) -> list[Path]:
    """The checkpoint folders under `directory`, oldest step first (complete or not)."""
    found = [p for p in directory.glob("step_*") if p.is_dir() and checkpoint_step(p) is not None]
    return sorted(found, key=lambda p: checkpoint_step(p) or 0)


def has_checkpoints(directory: Path) -> bool:
    """Whether `directory` holds a checkpoint folder or a `latest.json` pointer."""
    return (directory / LATEST_FILE).exists() or bool(list_checkpoints(directory))


def save_checkpoint(
    directory: Path,
    model: BaseAlgorithm,
    vec_normalize: VecNormalize | None,
    *,
    keep: int = 2,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a checkpoint of `model` under `directory` atomically and point `latest.json` at it."""
    check_minimum("keep_checkpoints", keep, 1)
    step = int(model.num_timesteps)
    name = f"step_{step:012d}"
    target = directory / name
    with atomic_directory(target) as tmp:
        model.save(tmp / MODEL_FILE)
        if vec_normalize is not None:
            vec_normalize.save(str(tmp / VECNORMALIZE_FILE))
        if isinstance(model, OffPolicyAlgorithm) and model.replay_buffer is not None:
            model.save_replay_buffer(tmp / REPLAY_BUFFER_FILE)
        files = {p.name: p.stat().st_size for p in sorted(tmp.iterdir())}
        state = {"num_timesteps": step, "time": time.time(), "files": files, **(extra or {})}
        (tmp / STATE_FILE).write_text(json.dumps(state, indent=2), encoding="utf-8")
    atomic_write_text(
        directory / LATEST_FILE, json.dumps({"checkpoint": name, "num_timesteps": step})
    )
    older = [p for p in list_checkpoints(directory) if (checkpoint_step(p) or 0) < step]
    for old in older[: max(len(older) - (keep - 1), 0)]:
        shutil.rmtree(old, ignore_errors=True)
    log.info("checkpoint %s written (%d timesteps)", target, step)
    return target


def checkpoint_problem(checkpoint: Path) -> str | None:
    """Why `checkpoint` cannot be resumed (missing, truncated or corrupt files), or `None`."""
    if not checkpoint.is_dir():
        return "the folder is missing"
    try:
        state = read_state(checkpoint)
    except FileNotFoundError:
        return f"{STATE_FILE} is missing"
    except (OSError, ValueError) as e:
        return f"{STATE_FILE} is unreadable ({e})"
    if not isinstance(state, dict) or state.get("num_timesteps") != checkpoint_step(checkpoint):
        return f"{STATE_FILE} does not belong to this folder"
    for name, size in dict(state.get("files") or {MODEL_FILE: None}).items():
        path = checkpoint / name
        if not path.is_file():
            return f"{name} is missing"
        if size is not None and path.stat().st_size != size:
            return f"{name} has {path.stat().st_size} bytes, {size} were written"
    try:
        with zipfile.ZipFile(checkpoint / MODEL_FILE) as archive:
            damaged = archive.testzip()
    except (OSError, zipfile.BadZipFile) as e:
        return f"{MODEL_FILE} is not a valid zip file ({e})"
    return f"{MODEL_FILE} member {damaged} is corrupt" if damaged else None


def _pointed_at(directory: Path) -> tuple[Path | None, str]:
    """The checkpoint `latest.json` names (if readable) and how to describe it in a warning."""
    pointer = directory / LATEST_FILE
    try:
        name = json.loads(pointer.read_text(encoding="utf-8"))["checkpoint"]
    except FileNotFoundError:
        return None, f"{pointer} is missing"
    except (OSError, ValueError, KeyError, TypeError) as e:
        return None, f"{pointer} is unreadable ({e!r})"
    return directory / str(name), ""


def latest_checkpoint(directory: Path) -> Path | None:
    """The checkpoint a resume loads: the newest complete one, normally the one `latest.json` names.

    Returns `None` when `directory` holds no checkpoint at all; raises `CheckpointError` when
    it holds checkpoints but none is complete. Loading any other than `latest.json`'s is
    logged as a warning naming both (a damaged latest, or a kill between writing a checkpoint
    and its pointer).
    """
    if not has_checkpoints(directory):
        return None
    latest, why = _pointed_at(directory)
    chosen: Path | None = None
    skipped: list[str] = []
    for candidate in reversed(list_checkpoints(directory)):
        problem = checkpoint_problem(candidate)
        if problem is None:
            chosen = candidate
            break
        if candidate != latest:
            skipped.append(f"{candidate.name}: {problem}")
    if latest is not None and latest != chosen:
        problem = checkpoint_problem(latest)
        why = (
            f"the latest checkpoint {latest} is unusable: {problem}"
            if problem
            else f"{LATEST_FILE} names {latest.name}, older than a complete checkpoint"
        )
    if chosen is None:
        raise CheckpointError(
            f"no complete checkpoint to resume in {directory} ({'; '.join([why, *skipped])}): "
            "start again from step 0 explicitly with allow_fresh_start=True "
            "(CLI: --allow-fresh-start), or train into another `run_dir`",
        )
    if chosen != latest:
        log.warning("%s; resuming from %s, the newest complete checkpoint", why, chosen)
    return chosen


def read_state(checkpoint: Path) -> dict[str, Any]:
    """A checkpoint's `state.json`."""
    state: dict[str, Any] = json.loads((checkpoint / STATE_FILE).read_text(encoding="utf-8"))
    return state


def check_settings(checkpoint: Path, settings: Mapping[str, Any]) -> None:
    """Raise `ConfigError` naming each of `settings` that differs from what `checkpoint` recorded."""
    state = read_state(checkpoint)
    changed = [
        f"`{key}` was {state[key]!r}, now {value!r}"
        for key, value in settings.items()
        if key in state and state[key] != value
    ]
    if changed:
        raise ConfigError(
            f"cannot resume from {checkpoint}, the config changed what it was trained with: "
            + "; ".join(changed)
            + ". Restore those settings, or train into another `run_dir`",
        )


class CheckpointCallback(BaseCallback):
    """Saves an atomic checkpoint every `every` env steps (and on demand via `save`).

    `extra` values are stored in each checkpoint's state; callables are called at save time.
    """

    def __init__(
        self, directory: Path, every: int, keep: int, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__()
        self.directory = directory
        self.every = every
        self.keep = keep
        self.extra = extra or {}
        self.last_saved: int | None = None
        self._last = 0

    def _init_callback(self) -> None:
        self._last = self.num_timesteps

    def _on_step(self) -> bool:
        if self.every and self.num_timesteps - self._last >= self.every:
            self.save()
        return True

    def save(self) -> Path:
        """Write a checkpoint now."""
        self._last = self.last_saved = self.num_timesteps
        vec_normalize = self.model.get_vec_normalize_env()
        extra = {key: value() if callable(value) else value for key, value in self.extra.items()}
        return save_checkpoint(
            self.directory, self.model, vec_normalize, keep=self.keep, extra=extra
        )
