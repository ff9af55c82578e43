"""Training: config files, artefacts, a run killed mid-way resumes from its last checkpoint."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest
from stable_baselines3.common.callbacks import BaseCallback

from nautilus_rl_lab.agents import PolicyAgent
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.training import TrainConfig, latest_checkpoint, train

from .conftest import tiny_config


class _CountSteps(BaseCallback):
    def __init__(self) -> None:
        super().__init__()
        self.steps = 0

    def _on_step(self) -> bool:
        self.steps += self.training_env.num_envs
        return True


def test_config_round_trips_through_yaml_and_json(tmp_path) -> None:
    config = tiny_config(tmp_path / "run")
    for name in ("cfg.yaml", "cfg.json"):
        config.to_file(tmp_path / name)
        assert TrainConfig.from_file(tmp_path / name) == config
    assert config.eval_env.data == config.eval_data and config.eval_env.episode_length is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"algorithm": "XYZ"}, "`algorithm`"),
        ({"algorithm": "SAC"}, "`algorithm` SAC does not support the discrete"),
        (
            {"algorithm": "DQN", "env_action": "continuous"},
            "`algorithm` DQN does not support the continuous",
        ),
        ({"vec_env": "threads"}, "`vec_env`"),
        ({"n_envs": 0}, "`n_envs`"),
    ],
)
def test_bad_config_names_the_field(tmp_path, overrides, field) -> None:
    action = overrides.pop("env_action", None)
    if action is not None:
        base = tiny_config(tmp_path)
        import msgspec

        overrides["env"] = msgspec.structs.replace(base.env, action=SchemeConfig(name=action))
    with pytest.raises(ConfigError, match=field):
        tiny_config(tmp_path, **overrides)
    with pytest.raises(ConfigError, match="bogus"):
        TrainConfig.from_dict({"bogus": 1})


def test_train_writes_agents_checkpoints_and_tensorboard_logs(tmp_path) -> None:
    result = train(tiny_config(tmp_path / "run"))
    assert result.num_timesteps == 256 and result.resumed_from is None
    assert list(result.evaluations["timesteps"]) == [128, 256]
    assert result.best_agent is not None
    for path in (result.final_agent, result.best_agent):
        agent = PolicyAgent.load(path)
        assert agent.normalizer is not None and agent.algorithm == "PPO"
    assert list((tmp_path / "run" / "tensorboard").rglob("events.out.tfevents.*"))
    checkpoint = latest_checkpoint(tmp_path / "run" / "checkpoints")
    assert checkpoint.name == "step_000000000256"
    assert {p.name for p in checkpoint.iterdir()} == {"model.zip", "vecnormalize.pkl", "state.json"}
    with pytest.raises(ConfigError, match="resume"):
        train(tiny_config(tmp_path / "run"))  # never silently overwrites a run


def test_killed_run_resumes_from_its_last_checkpoint(tmp_path) -> None:
    run_dir = tmp_path / "run"
    config = tiny_config(
        run_dir, total_timesteps=3_000, eval_freq=0, checkpoint_freq=128, keep_checkpoints=3
    )
    config.to_file(tmp_path / "cfg.yaml")
    code = (
        "from nautilus_rl_lab.training import TrainConfig, train\n"
        f"train(TrainConfig.from_file({str(tmp_path / 'cfg.yaml')!r}))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE)
    pointer = run_dir / "checkpoints" / "latest.json"
    deadline = time.monotonic() + 120
    try:
        while not pointer.exists():
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "no checkpoint within 120 s"
            time.sleep(0.02)
    finally:
        process.kill()
        process.wait()
    assert process.returncode != 0  # it was killed mid-run, not finished
    killed_at = json.loads(pointer.read_text())["num_timesteps"]
    assert 128 <= killed_at < 3_000

    counter = _CountSteps()
    result = train(config, resume=True, callbacks=[counter])
    assert result.resumed_from == killed_at  # the last checkpoint written before the kill
    assert result.num_timesteps >= 3_000
    # only the remaining steps were run (rounded up to whole PPO rollouts of 64 steps)
    assert counter.steps == result.num_timesteps - result.resumed_from
    assert counter.steps <= 3_000 - result.resumed_from + 64


def test_same_seed_trains_the_same_policy(tmp_path) -> None:
    def policy(name: str, seed: int) -> PolicyAgent:
        config = tiny_config(tmp_path / name, seed=seed, eval_freq=0, tensorboard=False)
        return PolicyAgent.load(train(config).final_agent)

    a, b, c = policy("a", 1), policy("b", 1), policy("c", 2)
    observations = np.random.default_rng(0).normal(0, 1, (200, a.model.observation_space.shape[0]))
    first = [a.act(o) for o in observations]
    assert first == [b.act(o) for o in observations]
    np.testing.assert_array_equal(a.normalizer.mean, b.normalizer.mean)
    weights = [p.detach().numpy() for p in a.model.policy.parameters()]
    for w, v in zip(
        weights, [p.detach().numpy() for p in b.model.policy.parameters()], strict=True
    ):
        np.testing.assert_array_equal(w, v)
    other = [p.detach().numpy() for p in c.model.policy.parameters()]
    assert any(not np.array_equal(w, v) for w, v in zip(weights, other, strict=True))


def test_train_config_refuses_validation_or_test_ranges_that_overlap(tmp_path) -> None:
    from nautilus_rl_lab.data.source import DataSourceConfig

    test = DataSourceConfig(kind="sample", start="2017-03-20", end="2017-03-29")
    with pytest.raises(ConfigError, match=r"`eval_data` .* and `test_data`"):
        tiny_config(tmp_path, test_data=test)  # eval 03-15..03-22 overlaps the test range
    disjoint = DataSourceConfig(kind="sample", start="2017-03-22", end="2017-03-29")
    config = tiny_config(tmp_path, test_data=disjoint)
    assert config.test_env is not None and config.test_env.data == disjoint
    assert config.test_env.episode_length is None and not config.test_env.random_start
    with pytest.raises(ConfigError, match=r"`env.data` .* and `eval_data`"):
        tiny_config(tmp_path, eval_data=DataSourceConfig(kind="sample", start="2017-03-10"))
