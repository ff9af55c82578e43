"""A run's evaluation history: kept in every checkpoint, restored on resume, read as a DataFrame.

SB3's `EvalCallback` keeps its history in memory and rewrites `run_dir/eval/evaluations.npz`
(not atomically) after each evaluation, so a resumed run used to start an empty history and
overwrite the file. Here every checkpoint's state carries the history up to its step; a resume
puts it back into the new `EvalCallback` and rewrites the file atomically, so the history
matches the checkpoint (evaluations made after it, by a policy the kill lost, are dropped).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from stable_baselines3.common.callbacks import EvalCallback

from nautilus_rl_lab.files import atomic_write_bytes


def evaluation_history(callback: EvalCallback) -> dict[str, list[Any]]:
    """The evaluations `callback` made so far, as plain JSON data."""
    return {
        "timesteps": [int(t) for t in callback.evaluations_timesteps],
        "results": [[float(r) for r in rewards] for rewards in callback.evaluations_results],
        "ep_lengths": [[int(n) for n in lengths] for lengths in callback.evaluations_length],
    }


def restore_evaluation_history(callback: EvalCallback, history: Mapping[str, list[Any]]) -> None:
    """Put `history` back into `callback` and rewrite its `.npz` file (atomically)."""
    callback.evaluations_timesteps = list(history["timesteps"])
    callback.evaluations_results = [list(r) for r in history["results"]]
    callback.evaluations_length = [list(n) for n in history["ep_lengths"]]
    if callback.log_path is None:
        return
    path = Path(f"{callback.log_path}.npz")
    if not callback.evaluations_timesteps:
        path.unlink(missing_ok=True)
        return
    buffer = io.BytesIO()
    np.savez(
        buffer,
        timesteps=np.asarray(callback.evaluations_timesteps, dtype=np.int64),
        results=np.asarray(callback.evaluations_results, dtype=np.float64),
        ep_lengths=np.asarray(callback.evaluations_length, dtype=np.int64),
    )
    atomic_write_bytes(path, buffer.getvalue())


def read_evaluations(path: Path) -> pd.DataFrame:
    """The `evaluations.npz` at `path` as `timesteps`, `mean_reward`, `std_reward` rows."""
    if not path.is_file():
        return pd.DataFrame(columns=["timesteps", "mean_reward", "std_reward"])
    with np.load(path) as data:
        results = data["results"]
        return pd.DataFrame(
            {
                "timesteps": data["timesteps"],
                "mean_reward": results.mean(axis=1),
                "std_reward": results.std(axis=1),
            }
        )
