"""Agent studies: real Optuna + sqlite + SB3 + Nautilus, tiny budgets."""

from __future__ import annotations

import json
import shutil
import sqlite3

import msgspec
import optuna
import pytest
from optuna.trial import TrialState

from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.tuning import TRIAL_FILE, ParamSpec, PrunerConfig, open_study, tune

from .conftest import tiny_train, tiny_tune


@pytest.fixture(scope="module")
def two_trial_study(tmp_path_factory):
    config = tiny_tune(tmp_path_factory.mktemp("study") / "tune")
    return config, tune(config)


def test_study_of_two_tiny_trials_completes_and_is_stored_in_sqlite(two_trial_study) -> None:
    config, _ = two_trial_study
    assert config.storage_url == f"sqlite:///{config.run_dir}/optuna.db"
    with sqlite3.connect(f"{config.run_dir}/optuna.db") as db:
        assert db.execute("select count(*) from trials").fetchone() == (2,)
    stored = optuna.load_study(study_name=config.study_name, storage=config.storage_url)
    assert [t.state for t in stored.trials] == [TrialState.COMPLETE] * 2
    for trial in stored.trials:
        attrs = trial.user_attrs
        assert attrs["params"] == trial.params and set(trial.params) == set(config.search_space)
        # The objective is the held-out backtest statistic; the eval curve was reported.
        assert trial.value == pytest.approx(attrs["metrics"]["total_return_%"])
        assert sorted(trial.intermediate_values) == [64, 128]
        assert attrs["metrics"]["num_timesteps"] == 128
        record = json.loads((config.trial_dir(trial.number) / TRIAL_FILE).read_text())
        assert record["state"] == "COMPLETE" and record["run_dir"] == attrs["run_dir"]
        assert record["metrics"] == attrs["metrics"]
        run_dir = config.trial_dir(trial.number)
        assert (run_dir / "best" / "agent.json").is_file()
        window = json.loads((run_dir / "train_config.json").read_text())["env"]["observation"]
        assert window["params"]["window"] == trial.params["env.observation.params.window"]
        assert not list(run_dir.rglob("*.tmp"))  # nothing half-written left behind


def test_rerun_on_the_same_storage_resumes_without_duplicates(two_trial_study, tmp_path) -> None:
    config, study = two_trial_study
    shutil.copytree(config.run_dir, tmp_path / "tune")
    first = [(t.number, t.params, t.datetime_start) for t in study.trials]

    same = tune(tiny_tune(tmp_path / "tune"))  # n_trials is the total: nothing to add
    assert len(same.trials) == 2

    resumed = tune(tiny_tune(tmp_path / "tune", n_trials=3))
    trials = resumed.trials
    assert [(t.number, t.params, t.datetime_start) for t in trials[:2]] == first
    assert [t.number for t in trials] == [0, 1, 2] and trials[2].state == TrialState.COMPLETE
    assert trials[2].params not in [t.params for t in trials[:2]]  # sampler reseeded on resume
    assert len({t.user_attrs["run_dir"] for t in trials}) == 3


def test_trial_with_a_bad_intermediate_value_is_pruned(tmp_path) -> None:
    # Both trials train the same seeded network; at the first evaluation (step 64, before any
    # update) they act identically, so the only difference is the drawdown penalty of the
    # second trial's reward, which makes its evaluation return strictly worse.
    env = msgspec.structs.replace(tiny_train().env, reward=SchemeConfig(name="drawdown_penalised"))
    config = tiny_tune(
        tmp_path / "tune",
        train=tiny_train(total_timesteps=192, env=env),
        search_space={"env.reward.params.penalty": ParamSpec(type="float", low=0.0, high=100.0)},
        objective="eval_reward",
        pruner=PrunerConfig(kind="median", n_startup_trials=1),
    )
    study = open_study(config)
    study.enqueue_trial({"env.reward.params.penalty": 0.0})
    study.enqueue_trial({"env.reward.params.penalty": 100.0})
    study = tune(config)

    good, bad = study.trials
    assert good.state == TrialState.COMPLETE and sorted(good.intermediate_values) == [64, 128, 192]
    assert bad.state == TrialState.PRUNED
    assert list(bad.intermediate_values) == [64]
    assert bad.intermediate_values[64] < good.intermediate_values[64]
    assert bad.user_attrs["metrics"]["pruned_at"] == 64
    assert bad.user_attrs["metrics"]["num_timesteps"] == 64  # training stopped there
    record = json.loads((config.trial_dir(bad.number) / TRIAL_FILE).read_text())
    assert record["state"] == "PRUNED" and record["params"] == {"env.reward.params.penalty": 100.0}
