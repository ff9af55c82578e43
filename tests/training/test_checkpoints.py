"""Checkpoints: pruning by step number, damaged checkpoints recognised, resume point chosen loudly."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import VecNormalize

from nautilus_rl_lab.errors import CheckpointError
from nautilus_rl_lab.training import make_vec_env
from nautilus_rl_lab.training.checkpoints import (
    LATEST_FILE,
    checkpoint_problem,
    latest_checkpoint,
    list_checkpoints,
    save_checkpoint,
)

from .conftest import tiny_config


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> PPO:
    """A real (untrained) tiny PPO on a `TrainingNode`; tests set `num_timesteps` and save it."""
    venv = VecNormalize(make_vec_env(tiny_config(tmp_path_factory.mktemp("run"))))
    model = PPO("MlpPolicy", venv, n_steps=64, batch_size=64, policy_kwargs={"net_arch": [8]})
    yield model
    venv.close()


def _save(directory: Path, model: PPO, step: int, keep: int) -> Path:
    model.num_timesteps = step
    return save_checkpoint(directory, model, model.get_vec_normalize_env(), keep=keep)


def _steps(directory: Path) -> list[str]:
    return [p.name for p in list_checkpoints(directory)]


def test_pruning_orders_by_step_number_not_folder_name(tmp_path, model) -> None:
    # 1e12 steps need a 13th digit: its name sorts before the 12-digit one as text
    _save(tmp_path, model, 999_999_999_999, keep=1)
    newest = _save(tmp_path, model, 1_000_000_000_000, keep=1)
    assert _steps(tmp_path) == [newest.name]
    assert latest_checkpoint(tmp_path) == newest


def test_pruning_never_deletes_the_checkpoint_just_written(tmp_path, model) -> None:
    for step in (64, 128, 300):
        _save(tmp_path, model, step, keep=2)
    # a resume that fell back to an older checkpoint writes a lower step than the newest folder
    written = _save(tmp_path, model, 200, keep=1)
    assert written.is_dir() and checkpoint_problem(written) is None
    assert json.loads((tmp_path / LATEST_FILE).read_text())["checkpoint"] == written.name
    # older ones pruned; the newer folder (not this run's past any more) is left alone
    assert _steps(tmp_path) == [written.name, "step_000000000300"]


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (
            lambda c: (c / "model.zip").write_bytes((c / "model.zip").read_bytes()[:500]),
            "model.zip",
        ),
        (lambda c: (c / "vecnormalize.pkl").unlink(), "vecnormalize.pkl is missing"),
        (
            lambda c: (c / "state.json").write_text('{"num_timesteps": 1'),
            "state.json is unreadable",
        ),
        (lambda c: (c / "state.json").unlink(), "state.json is missing"),
    ],
)
def test_damaged_checkpoint_is_recognised(tmp_path, model, damage, problem) -> None:
    checkpoint = _save(tmp_path, model, 64, keep=1)
    assert checkpoint_problem(checkpoint) is None
    damage(checkpoint)
    assert problem in checkpoint_problem(checkpoint)


def test_damaged_latest_falls_back_to_the_newest_complete_one_with_a_warning(
    tmp_path, model, caplog
) -> None:
    older = _save(tmp_path, model, 64, keep=3)
    newer = _save(tmp_path, model, 128, keep=3)
    latest = _save(tmp_path, model, 192, keep=3)
    (latest / "model.zip").unlink()
    with caplog.at_level(logging.WARNING):
        assert latest_checkpoint(tmp_path) == newer
    assert latest.name in caplog.text and newer.name in caplog.text
    assert "model.zip is missing" in caplog.text

    caplog.clear()
    (tmp_path / LATEST_FILE).unlink()  # a kill before the first pointer was written
    with caplog.at_level(logging.WARNING):
        assert latest_checkpoint(tmp_path) == newer
    assert LATEST_FILE in caplog.text and newer.name in caplog.text

    for checkpoint in (older, newer):
        (checkpoint / "vecnormalize.pkl").unlink()
    with pytest.raises(CheckpointError, match="no complete checkpoint") as error:
        latest_checkpoint(tmp_path)
    assert all(c.name in str(error.value) for c in (older, newer, latest))


def test_a_kill_between_checkpoint_and_pointer_resumes_the_newer_checkpoint(
    tmp_path, model, caplog
) -> None:
    older = _save(tmp_path, model, 64, keep=2)
    pointer = (tmp_path / LATEST_FILE).read_text()
    newer = _save(tmp_path, model, 128, keep=2)
    (tmp_path / LATEST_FILE).write_text(pointer)  # the pointer still names the older one
    with caplog.at_level(logging.WARNING):
        assert latest_checkpoint(tmp_path) == newer
    assert older.name in caplog.text and newer.name in caplog.text


def test_no_checkpoint_folder_means_none(tmp_path) -> None:
    assert latest_checkpoint(tmp_path / "absent") is None
    assert latest_checkpoint(tmp_path) is None
