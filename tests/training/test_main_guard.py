"""A training script without `if __name__ == "__main__":` gets one clear error, at once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nautilus_rl_lab.training.main_guard import _guarded_lines, unguarded_line

ROOT = Path(__file__).resolve().parents[2]

# Two envs in the default shared-memory vec env (one worker process), a few PPO steps.
TRAIN = """\
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.training import TrainConfig, train

def run():
    env = TrainingNodeConfig(
        data=DataSourceConfig(kind="sample", start="2017-03-01", end="2017-03-08"),
        observation=SchemeConfig(name="window", params={"window": 4}),
        episode_length=16,
    )
    config = TrainConfig(
        total_timesteps=32, n_envs=2, env=env, run_dir="run", eval_freq=0,
        checkpoint_freq=0, tensorboard=False,
        hyperparameters={"n_steps": 16, "batch_size": 32, "n_epochs": 1},
    )
    train(config)
    print("TRAINED")
"""


def _run_script(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"
    script.write_text(TRAIN + body)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_a_script_without_a_main_guard_is_told_what_to_add(tmp_path: Path) -> None:
    result = _run_script(tmp_path, "\nrun()\n")
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("nautilus_rl_lab.errors.ConfigError: ")
    assert f"script.py, line {TRAIN.count(chr(10)) + 2}: SharedMemoryVecEnv starts" in last
    assert 'put the code that trains under `if __name__ == "__main__":`' in last
    assert "worker process died" not in result.stderr
    assert not (tmp_path / "run" / "final").exists()


@pytest.mark.slow
def test_the_same_script_with_the_guard_trains(tmp_path: Path) -> None:
    result = _run_script(tmp_path, '\nif __name__ == "__main__":\n    run()\n')
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("TRAINED")


def test_the_guard_is_found_whichever_way_round_it_is_written(tmp_path: Path) -> None:
    """`unguarded_line` reads the script that is `__main__`: here pytest's, which is guarded."""
    assert unguarded_line("forkserver") is None
    assert unguarded_line("fork") is None
    source = textwrap.dedent(
        """\
        import x
        if "__main__" == __name__:
            x.train()
        """
    )
    assert _guarded_lines(source) == [(3, 3)]
    assert _guarded_lines("if __name__ == 'other':\n    pass\n") == []
