from __future__ import annotations

import time
from pathlib import Path

import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.training import latest_checkpoint
from nautilus_rl_lab.training.checkpoints import read_state
from nautilus_rl_lab.widgets import training_view
from nautilus_rl_lab.widgets.training import TrainingView
from tests.test_plots import assert_legends_clear_of_data
from tests.training.conftest import tiny_config


def _wait_for(predicate, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the training thread made no progress"
        time.sleep(0.02)


def test_the_curves_gain_points_while_training_runs(tmp_path: Path) -> None:
    config = tiny_config(tmp_path / "run", checkpoint_freq=0, tensorboard=False)
    view = training_view(config, every=0.5)
    _wait_for(lambda: len(view.curves.episodes) >= 1)
    early = (len(view.curves.episodes), len(view.curves.evaluations), view.figure_view.redraws)
    result = view.wait(300)
    late = (len(view.curves.episodes), len(view.curves.evaluations), view.figure_view.redraws)
    assert result.num_timesteps >= config.total_timesteps
    assert late[0] > early[0] and late[2] > early[2]  # new points, new pictures
    assert list(view.curves.evaluations["timesteps"]) == list(result.evaluations["timesteps"])
    assert len(result.evaluations) == config.total_timesteps // config.eval_freq
    assert view.progress.value == config.total_timesteps and "finished" in view.status.value


def test_the_stop_button_ends_training_with_a_checkpoint(tmp_path: Path) -> None:
    config = tiny_config(
        tmp_path / "run", total_timesteps=100_000, checkpoint_freq=0, tensorboard=False
    )
    view = training_view(config)
    _wait_for(lambda: view.steps >= 64)
    view.stop_button.click()
    result = view.wait(120)
    assert result.num_timesteps < config.total_timesteps
    checkpoint = latest_checkpoint(Path(config.run_dir) / "checkpoints")
    assert checkpoint is not None
    assert read_state(checkpoint)["num_timesteps"] == result.num_timesteps
    assert (result.final_agent / "model.zip").is_file()
    assert "stopped" in view.status.value and view.stop_button.disabled


def test_a_finished_run_resumed_shows_its_steps_and_evaluations(tmp_path: Path) -> None:
    config = tiny_config(tmp_path / "run", checkpoint_freq=0, tensorboard=False)
    first = training_view(config).wait(300)
    again = training_view(config, resume=True)
    result = again.wait(120)
    assert result.num_timesteps == first.num_timesteps == again.steps
    assert again.progress.value == config.total_timesteps
    assert len(again.curves.evaluations) == len(first.evaluations) > 0
    assert f"{first.num_timesteps:,} of" in again.figure.axes[0].get_title()
    again.figure.canvas.draw()
    assert_legends_clear_of_data(again.figure)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (({"a": 1},), {}, r"`config` must be a TrainConfig, was \{'a': 1\} \(dict\)"),
        ((tiny_config(Path("unused")),), {"every": "2"}, r"`every` must be a finite number >= 0"),
        ((tiny_config(Path("unused")),), {"resume": "yes"}, r"`resume` must be True or False"),
    ],
)
def test_wrong_arguments_are_one_config_error_naming_them(args, kwargs, message) -> None:
    with pytest.raises(ConfigError, match=message):
        training_view(*args, **kwargs)


def test_the_progress_shows_the_rounded_up_target_before_training_starts(tmp_path: Path) -> None:
    config = tiny_config(tmp_path / "run", total_timesteps=100)  # 64-step rollouts: ends at 128
    view = TrainingView(config)
    assert view.progress.max == 128 and view.progress_text.value.startswith("0 / 128")
    assert "0 of 128 steps" in view.figure.axes[0].get_title()
