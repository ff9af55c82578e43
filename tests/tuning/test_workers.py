"""Tuning workers as Ray tasks on a real local head, sharing one Optuna study on PostgreSQL."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.sweeps import SweepConfig
from nautilus_rl_lab.tuning import tune_on_workers
from tests.services import RAY_PG_PASSWORD, RAY_PG_PASSWORD_VARIABLE, RayHead, postgres_server
from tests.tuning.test_distributed import WORKERS, assert_shared_study_is_whole, bollinger_config


def test_ray_tuning_workers_share_one_postgresql_study(
    tmp_path, ray_cluster: RayHead, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(RAY_PG_PASSWORD_VARIABLE, RAY_PG_PASSWORD)  # as on every node
    with postgres_server(RAY_PG_PASSWORD) as (host, port):
        storage = f"postgresql://nrl:${{{RAY_PG_PASSWORD_VARIABLE}}}@{host}:{port}/study"
        config = bollinger_config(tmp_path / "tune", storage)
        sweep = SweepConfig(executor="ray", address=ray_cluster.address)
        tune_on_workers(config, WORKERS, sweep=sweep)
        assert_shared_study_is_whole(config)


def test_a_local_sqlite_study_is_refused_for_ray_workers(tmp_path) -> None:
    config = bollinger_config(tmp_path / "tune", None)
    with pytest.raises(ConfigError, match=r"`storage` .*sqlite.* is a file on this machine"):
        tune_on_workers(config, 2, sweep=SweepConfig(executor="ray"))
    with pytest.raises(ConfigError, match="`workers` must be an int >= 1, was 0"):
        tune_on_workers(config, 0)
