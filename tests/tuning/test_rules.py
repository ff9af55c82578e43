"""Rule studies: EMA-cross periods tuned on real Nautilus backtests; the CLI entry point."""

from __future__ import annotations

import argparse
import json
import time

import pytest
from optuna.storages import RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState

from nautilus_rl_lab.agents import EMACrossAgent
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation import run_backtest
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.tuning import TRIAL_FILE, ParamSpec, RuleTuneConfig, open_study, tune_rule
from nautilus_rl_lab.tuning.cli import add_tune_arguments, run_tune

ENV = TrainingNodeConfig(
    data=DataSourceConfig(kind="sample", start="2017-03-01", end="2017-04-01"),
)


def ema_config(run_dir, **overrides: object) -> RuleTuneConfig:
    values: dict[str, object] = {
        "rule": "ema_cross",
        "search_space": {
            "fast": ParamSpec(type="int", low=3, high=10),
            "slow": ParamSpec(type="int", low=12, high=40, step=2),
        },
        "env": ENV,
        "objective": "sharpe",
        "n_trials": 5,
        "run_dir": str(run_dir),
        "study_name": "ema",
    }
    values.update(overrides)
    return RuleTuneConfig(**values)


def test_best_ema_cross_parameters_reproduce_in_a_direct_backtest(tmp_path) -> None:
    study = tune_rule(ema_config(tmp_path / "tune"))
    assert len(study.trials) == 5 and all(t.state == TrialState.COMPLETE for t in study.trials)
    best = study.best_trial
    direct = run_backtest(EMACrossAgent(**best.params, action=ENV.action), ENV)
    assert direct.stats["sharpe"] == best.value  # exactly: the same engine run, not a re-estimate
    assert direct.stats == best.user_attrs["metrics"]
    assert best.value == max(t.value for t in study.trials)


def test_rejected_combination_is_recorded_as_failed_and_the_study_goes_on(tmp_path) -> None:
    config = ema_config(
        tmp_path / "tune",
        search_space={
            "fast": ParamSpec(type="int", low=3, high=30),
            "slow": ParamSpec(type="int", low=12, high=40),
        },
        n_trials=1,
    )
    study = open_study(config)
    study.enqueue_trial({"fast": 30, "slow": 12})
    study.enqueue_trial({"fast": 5, "slow": 20})
    study = tune_rule(config)
    failed, done = study.trials
    assert failed.state == TrialState.FAIL and "`fast`" in failed.user_attrs["error"]
    record = json.loads((config.trial_dir(0) / TRIAL_FILE).read_text())
    assert record["state"] == "FAIL" and record["params"] == {"fast": 30, "slow": 12}
    assert done.state == TrialState.COMPLETE  # n_trials counts finished trials only


def test_cli_runs_a_study_from_a_yaml_file_and_resumes_it(tmp_path, capsys) -> None:
    path = ema_config(tmp_path / "tune", n_trials=2).to_file(tmp_path / "ema.yaml")
    parser = argparse.ArgumentParser()
    add_tune_arguments(parser)
    assert run_tune(parser.parse_args(["--config", str(path)])) == 0
    assert run_tune(parser.parse_args(["--config", str(path), "--n-trials", "3"])) == 0
    out = capsys.readouterr().out
    assert "2 finished trial(s)" in out and "3 finished trial(s)" in out and "best trial #" in out
    study = open_study(ema_config(tmp_path / "tune"))
    assert [t.number for t in study.trials] == [0, 1, 2]


@pytest.mark.filterwarnings(
    "ignore::optuna.exceptions.ExperimentalWarning", "ignore:Heartbeat of storage:UserWarning"
)
def test_trial_of_a_killed_worker_is_failed_and_retried_with_its_parameters(tmp_path) -> None:
    config = ema_config(tmp_path / "tune", n_trials=1, heartbeat_interval=1)
    study = open_study(config)
    study.enqueue_trial({"fast": 5, "slow": 20})
    dead = study.ask()  # a worker takes the trial, beats once, then is killed:
    study._storage.record_heartbeat(dead._trial_id)  # what Optuna's heartbeat thread does
    time.sleep(3.5)  # older than the grace period (2 s) even at sqlite's 1 s clock resolution

    study = tune_rule(config)
    stale, retried = study.trials
    assert stale.state == TrialState.FAIL
    assert retried.state == TrialState.COMPLETE and retried.params == {"fast": 5, "slow": 20}
    assert RetryHeartbeatStaleTrialCallback.retried_trial_number(retried) == stale.number


def test_trial_folders_of_a_study_missing_from_the_storage_are_refused(tmp_path) -> None:
    config = ema_config(tmp_path / "tune")
    config.trial_dir(0).mkdir(parents=True)  # e.g. the database was deleted, the runs were not
    with pytest.raises(ConfigError, match="`run_dir`/`study_name`"):
        tune_rule(config)


@pytest.mark.parametrize(
    ("overrides", "differs"),
    [
        (
            {
                "rule": "bollinger",
                "search_space": {"period": ParamSpec(type="int", low=10, high=30)},
                "objective": "final_equity",
            },
            "`objective`, `rule`, `search_space`",
        ),
        (
            {"env": TrainingNodeConfig(data=DataSourceConfig(kind="sample", end="2017-02-01"))},
            "`env`",
        ),
    ],
)
def test_another_study_under_a_used_name_is_refused_naming_what_differs(
    tmp_path, overrides, differs
) -> None:
    tune_rule(ema_config(tmp_path / "tune", n_trials=2))
    other = ema_config(tmp_path / "tune", n_trials=2, **overrides)
    with pytest.raises(ConfigError, match=f"study 'ema' .*differs in {differs}"):
        tune_rule(other)
    # what a study is run with (budget, seed) is not what it optimises: it resumes
    assert len(tune_rule(ema_config(tmp_path / "tune", n_trials=3, seed=7)).trials) == 3


def test_a_study_from_before_fingerprints_resumes_only_for_the_same_parameters(tmp_path) -> None:
    import optuna

    from nautilus_rl_lab.tuning.study import make_storage

    config = ema_config(tmp_path / "tune", n_trials=2)
    legacy = optuna.create_study(storage=make_storage(config), study_name="ema")
    legacy.enqueue_trial({"fast": 5, "slow": 20})
    trial = legacy.ask(
        {
            "fast": optuna.distributions.IntDistribution(3, 10),
            "slow": optuna.distributions.IntDistribution(12, 40, step=2),
        }
    )
    legacy.tell(trial, 0.5)
    bollinger = ema_config(
        tmp_path / "tune",
        rule="bollinger",
        search_space={"period": ParamSpec(type="int", low=10, high=30)},
    )
    with pytest.raises(
        ConfigError, match=r"no recorded fingerprint and its trials tuned \['fast', 'slow'\]"
    ):
        tune_rule(bollinger)
    assert len(tune_rule(config).trials) == 2  # the same parameters: resumed
    with pytest.raises(ConfigError, match="differs in `rule`"):  # and now fingerprinted
        tune_rule(bollinger)
