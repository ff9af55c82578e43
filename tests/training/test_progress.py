from __future__ import annotations

from nautilus_rl_lab.training import train
from tests.training.conftest import tiny_config


def test_the_progress_bar_ends_at_100_percent_as_plain_text(tmp_path, capsys) -> None:
    config = tiny_config(
        tmp_path / "run",
        total_timesteps=100,  # not a multiple of n_steps: the last rollout passes it
        eval_data=None,
        checkpoint_freq=0,
        tensorboard=False,
        progress_bar=True,
    )
    result = train(config)
    err = capsys.readouterr().err
    final = err.replace("\r", "\n").strip().splitlines()[-1]
    steps = result.num_timesteps
    assert steps > config.total_timesteps
    assert "100%" in final and f"{steps}/{steps}" in final and "step/s" in final
