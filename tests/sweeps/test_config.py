"""SweepConfig: where a sweep runs, bad settings refused with the field and the value."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.sweeps import SweepConfig, choose_where


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"executor": "dask"}, r"`executor` must be one of .*'dask'"),
        ({"max_workers": 0}, r"`max_workers` must be an int >= 1 or None, was 0"),
        ({"max_workers": True}, r"`max_workers` must be an int >= 1 or None, was True"),
        ({"executor": "ray", "max_workers": 2}, r"`max_workers` sizes the local pool"),
        ({"num_cpus": 0}, r"`num_cpus` must be a number > 0, was 0"),
        ({"num_cpus": float("nan")}, r"`num_cpus` must be a number > 0, was nan"),
        ({"max_retries": -1}, r"`max_retries` must be an int >= 0, was -1"),
        ({"address": ""}, r"`address` must name a Ray cluster"),
    ],
)
def test_bad_settings_are_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        SweepConfig(**fields)


def test_the_arguments_choose_one_place() -> None:
    ray = SweepConfig(executor="ray")
    assert choose_where(ray, None, None, 2) is ray
    with ThreadPoolExecutor(1) as pool:
        assert choose_where(None, pool, None, 2) is pool
        with pytest.raises(ConfigError, match="either `sweep`"):
            choose_where(ray, pool, None, 2)
    assert choose_where(None, None, None, 2) == SweepConfig(max_workers=2)
    assert choose_where(None, None, 1, 2) == SweepConfig(executor="process")
    with pytest.raises(ConfigError, match="either `sweep`"):
        choose_where(ray, None, 3, 2)
