"""Several worker processes share one study on a real database: nothing lost, nothing repeated.

The workers are `nautilus-rl-lab tune` processes given the *same* config file and seed, as a
user starting the same command on several machines would; PostgreSQL runs as a real server on
127.0.0.1 (tests/services.py), its password only in the environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import optuna
import pytest
from optuna.trial import TrialState

from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.tuning import TRIAL_FILE, ParamSpec, RuleTuneConfig, open_study
from nautilus_rl_lab.tuning.study import make_sampler
from tests.conftest import REPO_ROOT
from tests.services import postgres_server

N_TRIALS = 8
WORKERS = 2


def bollinger_config(run_dir, storage: str | None, **overrides: object) -> RuleTuneConfig:
    values: dict[str, object] = {
        "rule": "bollinger",
        "search_space": {
            "period": ParamSpec(type="int", low=5, high=40),
            "k": ParamSpec(type="float", low=0.5, high=3.0),
        },
        "env": TrainingNodeConfig(
            data=DataSourceConfig(kind="sample", start="2017-03-01", end="2017-03-15")
        ),
        "objective": "sharpe",
        "n_trials": N_TRIALS,
        "run_dir": str(run_dir),
        "study_name": "shared",
        "storage": storage,
        "seed": 42,
        "heartbeat_interval": None,
    }
    values.update(overrides)
    return RuleTuneConfig(**values)


def run_workers(config_file, env: dict[str, str]) -> None:
    command = [sys.executable, "-m", "nautilus_rl_lab.cli", "tune", "--config", str(config_file)]
    workers = [
        subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(WORKERS)
    ]
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, f"worker failed:\n{out}\n{err[-3000:]}"


def assert_shared_study_is_whole(config: RuleTuneConfig) -> None:
    study = open_study(config)
    trials = study.get_trials(deepcopy=False)
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    # Every worker stops once N trials finished; one in flight elsewhere may still complete.
    assert N_TRIALS <= len(finished) <= N_TRIALS + WORKERS - 1
    assert all(t.state == TrialState.COMPLETE for t in trials), [t.state for t in trials]
    numbers = [t.number for t in trials]
    assert numbers == list(range(len(trials)))  # none lost, none twice
    draws = [tuple(sorted(t.params.items())) for t in trials]
    assert len(set(draws)) == len(draws), "two workers with one seed repeated a draw"
    for trial in trials:  # the artefacts on disk are the storage's record, one each
        record = json.loads((config.trial_dir(trial.number) / TRIAL_FILE).read_text())
        assert record["number"] == trial.number and record["params"] == trial.params
        assert record["metrics"]["sharpe"] == trial.value


def test_two_workers_share_one_sqlite_study(tmp_path) -> None:
    config = bollinger_config(tmp_path / "tune", None)
    run_workers(config.to_file(tmp_path / "study.yaml"), {})
    assert_shared_study_is_whole(config)


@pytest.mark.slow
def test_two_workers_share_one_postgresql_study(tmp_path) -> None:
    password = "s3cret-for-test"
    with postgres_server(password) as (host, port):
        storage = f"postgresql://nrl:${{NRL_TEST_PG_PASSWORD}}@{host}:{port}/study"
        config = bollinger_config(tmp_path / "tune", storage)
        config_file = config.to_file(tmp_path / "study.yaml")
        assert password not in config_file.read_text()
        os.environ["NRL_TEST_PG_PASSWORD"] = password
        try:
            run_workers(config_file, {})
            assert_shared_study_is_whole(config)
        finally:
            del os.environ["NRL_TEST_PG_PASSWORD"]


def test_a_clear_text_password_in_the_storage_url_is_refused(tmp_path) -> None:
    with pytest.raises(ConfigError, match="`storage` holds a password"):
        bollinger_config(tmp_path, "postgresql://nrl:hunter2@127.0.0.1/study")


def test_a_missing_password_variable_is_named(tmp_path) -> None:
    config = bollinger_config(tmp_path, "postgresql://nrl:${NRL_UNSET_VARIABLE}@127.0.0.1/db")
    with pytest.raises(ConfigError, match="NRL_UNSET_VARIABLE"):
        config.database_url()


def test_same_seed_draws_depend_on_the_trial_number_not_the_worker(tmp_path) -> None:
    config = bollinger_config(tmp_path, None, sampler="random")
    distributions = {
        "k": optuna.distributions.FloatDistribution(0.5, 3.0),
    }

    def draws(numbers: list[int]) -> list[float]:
        study = optuna.create_study(sampler=make_sampler(config))
        values = []
        for _ in numbers:
            trial = study.ask(distributions)
            values.append(trial.params["k"])
            study.tell(trial, 0.0)
        return values

    first, second = draws([0, 1, 2]), draws([0, 1, 2])
    assert first == second  # reproducible from the seed
    assert len(set(first)) == 3  # and different per trial
