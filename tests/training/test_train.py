"""Training: config files, artefacts, a run killed mid-way resumes from its last checkpoint."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import msgspec
import numpy as np
import pytest
from stable_baselines3.common.callbacks import BaseCallback

from nautilus_rl_lab import config as config_module
from nautilus_rl_lab.agents import PolicyAgent
from nautilus_rl_lab.cli import main
from nautilus_rl_lab.config import LabConfig
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import CheckpointError, ConfigError
from nautilus_rl_lab.nodes import TrainingNode, TrainingNodeConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.training import TrainConfig, bundle, latest_checkpoint, train

from .conftest import tiny_config, tiny_portfolio_config


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


def _spy_on_configs_and_bundles(monkeypatch) -> Counter[str]:
    """Count (the real code still runs) how often a training or env config is decoded, parsed
    or serialised, and how often a bundle is written or read back."""
    counts: Counter[str] = Counter()
    watched = (TrainConfig, TrainingNodeConfig)
    real_json, real_parse = LabConfig.json, LabConfig.parse.__func__
    real_decode, real_write = config_module.decode_config, bundle.atomic_write_text
    real_load = bundle.load_bundle

    def json_spy(self: LabConfig) -> bytes:
        counts[f"json {type(self).__name__}"] += isinstance(self, watched)
        return real_json(self)

    def parse_spy(cls: type[LabConfig], raw: bytes | str) -> object:
        counts[f"parse {cls.__name__}"] += issubclass(cls, watched)
        return real_parse(cls, raw)

    def decode_spy(cls: type[LabConfig], data: object) -> object:
        counts[f"decode {cls.__name__}"] += 1
        return real_decode(cls, data)

    def write_spy(path: Path, text: str) -> Path:
        counts[f"write {Path(path).name}"] += 1
        return real_write(path, text)

    def load_spy(path: Path) -> object:
        counts["load bundle"] += 1
        return real_load(path)

    monkeypatch.setattr(LabConfig, "json", json_spy)
    monkeypatch.setattr(LabConfig, "parse", classmethod(parse_spy))
    monkeypatch.setattr(config_module, "decode_config", decode_spy)
    monkeypatch.setattr(bundle, "atomic_write_text", write_spy)
    monkeypatch.setattr(bundle, "load_bundle", load_spy)
    return counts


def test_cli_train_decodes_its_config_once_and_writes_each_bundle_once(
    tmp_path, monkeypatch, capsys
) -> None:
    tiny_config(
        tmp_path / "run",
        vec_env="dummy",
        total_timesteps=128,
        tensorboard=False,
        test_data=DataSourceConfig(kind="sample", start="2017-03-22", end="2017-03-29"),
    ).to_file(tmp_path / "cfg.yaml")
    counts = _spy_on_configs_and_bundles(monkeypatch)
    assert main(["train", "--config", str(tmp_path / "cfg.yaml"), "--no-progress"]) == 0
    assert "best agent" in capsys.readouterr().out  # one evaluation (at 128): one best/
    found = {key: n for key, n in counts.items() if n}
    # the file is decoded once and the run's config saved once (train_config.json); the envs
    # get the typed configs; final/ and best/ get one complete bundle.json each, never re-read
    assert found == {
        "decode TrainConfig": 1,
        "parse TrainConfig": 1,
        "json TrainConfig": 1,
        "write bundle.json": 2,
    }
    for agent in ("final", "best"):
        assert bundle.load_bundle(tmp_path / "run" / agent).backtest["split"] == "test"


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


# -- resume: never from zero silently, never with other settings, evaluations kept ----------


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    """A finished 256-step run: checkpoints at 128 and 256, evaluations at 128 and 256."""
    run_dir = tmp_path_factory.mktemp("trained") / "run"
    train(tiny_config(run_dir, tensorboard=False))
    return run_dir


def _copy(trained_run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(trained_run, tmp_path / "run"))


def _resume(run_dir: Path, total: int, **kwargs: object):
    config = tiny_config(run_dir, total_timesteps=total, tensorboard=False)
    return train(config, resume=True, **kwargs)


@pytest.mark.parametrize(
    ("damage", "resumed_from", "named"),
    [
        ("truncate step_000000000256/model.zip", 128, "step_000000000256"),
        ("delete step_000000000256/vecnormalize.pkl", 128, "step_000000000256"),
        ("delete step_000000000256/state.json", 128, "step_000000000256"),
        ("delete latest.json", 256, "latest.json"),
    ],
)
def test_resume_past_a_damaged_latest_checkpoint_warns_and_uses_the_newest_complete_one(
    trained_run, tmp_path, caplog, damage, resumed_from, named
) -> None:
    run_dir = _copy(trained_run, tmp_path)
    action, target = damage.split(" ")
    path = run_dir / "checkpoints" / target
    if action == "truncate":
        path.write_bytes(path.read_bytes()[:1000])
    else:
        path.unlink()
    with caplog.at_level(logging.WARNING):
        result = _resume(run_dir, 320)
    assert result.resumed_from == resumed_from
    assert result.num_timesteps == 320
    warning = next(r.getMessage() for r in caplog.records if "newest complete" in r.message)
    assert named in warning and f"step_{resumed_from:012d}" in warning


def test_resume_without_a_complete_checkpoint_is_an_error_unless_asked_to_start_again(
    trained_run, tmp_path, caplog
) -> None:
    run_dir = _copy(trained_run, tmp_path)
    for checkpoint in (run_dir / "checkpoints").glob("step_*"):
        (checkpoint / "model.zip").write_bytes(b"")
    with pytest.raises(CheckpointError, match=r"step_000000000128.*allow_fresh_start"):
        _resume(run_dir, 256)
    with pytest.raises(ConfigError, match=r"`allow_fresh_start`.*only with resume=True"):
        train(tiny_config(run_dir), allow_fresh_start=True)
    with caplog.at_level(logging.WARNING):
        result = _resume(run_dir, 64, allow_fresh_start=True)
    assert result.resumed_from is None and result.num_timesteps == 64
    assert "starting again from step 0" in caplog.text


def test_a_first_run_with_resume_just_starts_without_a_warning(tmp_path, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="nautilus_rl_lab.training"):
        result = _resume(tmp_path / "fresh", 64)
    assert result.resumed_from is None and result.num_timesteps == 64
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any(
        "no checkpoint yet" in r.getMessage() and str(tmp_path / "fresh") in r.getMessage()
        for r in caplog.records
    )


def test_resume_on_a_finished_run_whose_checkpoints_are_gone_says_so_loudly(
    trained_run, tmp_path, caplog
) -> None:
    run_dir = _copy(trained_run, tmp_path)
    shutil.rmtree(run_dir / "checkpoints")
    with caplog.at_level(logging.WARNING):
        result = _resume(run_dir, 64)
    assert result.resumed_from is None and result.num_timesteps == 64
    warning = caplog.text
    assert "holds no checkpoint" in warning and str(run_dir / "checkpoints") in warning
    assert "final" in warning


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        (
            {"algorithm": "A2C", "hyperparameters": {"n_steps": 8}},
            "`algorithm` was 'PPO', now 'A2C'",
        ),
        ({"observation": {"window": 6}}, "`observation_space`"),
        ({"reward": "equity_change"}, "`env.reward`"),
        ({"action": "buy_sell_hold"}, "`env.action`"),
        ({"n_envs": 2}, "`n_envs` was 1, now 2"),
        ({"normalize_rewards": True}, "`normalize_rewards` was False, now True"),
        ({"clip_observations": 5.0}, "`clip_observations` was 10.0, now 5.0"),
    ],
)
def test_resume_with_other_algorithm_space_scheme_or_normalisation_is_refused_naming_it(
    trained_run, tmp_path, overrides, named
) -> None:
    run_dir = _copy(trained_run, tmp_path)
    saved_config = (run_dir / "train_config.json").read_text()
    base = tiny_config(run_dir, total_timesteps=320, tensorboard=False)
    env = base.env
    if "observation" in overrides:
        env = msgspec.structs.replace(
            env, observation=SchemeConfig(name="window", params=overrides.pop("observation"))
        )
    for scheme in ("reward", "action"):
        if scheme in overrides:
            env = msgspec.structs.replace(env, **{scheme: SchemeConfig(name=overrides.pop(scheme))})
    config = msgspec.structs.replace(base, env=env, **overrides)
    with pytest.raises(ConfigError, match="cannot resume") as error:
        train(config, resume=True)
    assert named in str(error.value)
    assert (run_dir / "train_config.json").read_text() == saved_config  # the run's own config


@pytest.mark.parametrize("crash", ["none", "delete", "truncate"])
def test_evaluation_history_written_before_a_kill_survives_the_resume(
    trained_run, tmp_path, crash
) -> None:
    run_dir = _copy(trained_run, tmp_path)
    npz = run_dir / "eval" / "evaluations.npz"
    if crash == "delete":
        npz.unlink()
    elif crash == "truncate":  # SB3 rewrites it in place: a kill mid-write leaves half a file
        npz.write_bytes(npz.read_bytes()[:100])
    result = _resume(run_dir, 384)
    assert result.resumed_from == 256
    assert list(result.evaluations["timesteps"]) == [128, 256, 384]
    assert np.isfinite(result.evaluations["mean_reward"]).all()


def test_a_best_agent_saved_after_the_resumed_checkpoint_is_set_aside(
    trained_run, tmp_path, caplog
) -> None:
    run_dir = _copy(trained_run, tmp_path)
    lost = json.loads((run_dir / "best" / "bundle.json").read_text())["selection"]
    assert lost["step"] == 256  # this seed's best is the evaluation at 256
    shutil.rmtree(run_dir / "checkpoints" / "step_000000000256")  # killed before it completed
    with caplog.at_level(logging.WARNING):
        result = _resume(run_dir, 128)
    assert result.resumed_from == 128 and list(result.evaluations["timesteps"]) == [128]
    # best/ came from a policy the kill lost: it is kept aside, not passed off as this run's
    aside = run_dir / "best.lost-step_000000000256"
    assert json.loads((aside / "bundle.json").read_text())["selection"] == lost
    assert result.best_agent is None and not (run_dir / "best").exists()
    assert "best.lost-step_000000000256" in caplog.text


@pytest.mark.parametrize("vec_env", ["dummy", "shared"])
def test_train_on_a_portfolio_checkpoints_resumes_and_saves_an_agent_that_trades_it(
    tmp_path, vec_env: str
) -> None:
    config = tiny_portfolio_config(tmp_path / "run", vec_env=vec_env, n_envs=2, total_timesteps=128)
    first = train(config)
    assert first.num_timesteps == 128 and first.best_agent is None
    longer = msgspec.structs.replace(config, total_timesteps=256)
    resumed = train(longer, resume=True)
    assert (resumed.resumed_from, resumed.num_timesteps) == (128, 256)
    changed = msgspec.structs.replace(
        longer.env, observation=SchemeConfig(name="stacked_window", params={"window": 4})
    )
    with pytest.raises(ConfigError, match=r"`env\.observation` was"):
        train(msgspec.structs.replace(longer, env=changed), resume=True)
    agent = PolicyAgent.load(resumed.final_agent)
    env = TrainingNode(config.env)
    try:
        observation, _ = env.reset()
        action = agent.act(observation)
        assert len(action) == 4  # three assets and cash
        _, _, _, _, info = env.step(action)
        assert len(info["weights"]) == 3
    finally:
        env.close()


def test_a_portfolio_with_a_choice_per_asset_trains_an_agent_that_acts_with_ints(tmp_path) -> None:
    config = tiny_portfolio_config(tmp_path / "run", vec_env="dummy", total_timesteps=64)
    env_config = msgspec.structs.replace(config.env, action=SchemeConfig(name="discrete_targets"))
    result = train(msgspec.structs.replace(config, env=env_config))
    agent = PolicyAgent.load(result.final_agent)
    env = TrainingNode(env_config)
    try:
        action = agent.act(env.reset()[0])
        assert all(type(v) is int and 0 <= v <= 2 for v in action) and len(action) == 3
        env.step(action)
    finally:
        env.close()
