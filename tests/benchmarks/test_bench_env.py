"""`benchmarks/bench_env.py`'s plain engine sends the env's orders, so its parity check holds."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from types import ModuleType

import numpy as np
import pytest

from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.nodes import TrainingNode, TrainingNodeConfig


@pytest.fixture(scope="module")
def bench_env(benchmark_module: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark_module("bench_env")


def test_plain_engines_match_the_env_on_random_actions_with_flips(bench_env: ModuleType) -> None:
    # two weeks of the sample, whole-sample episode: ~250 decisions, dozens of long<->short flips
    data = DataSourceConfig(kind="sample", start="2017-03-01", end="2017-03-15")
    env = TrainingNode(
        TrainingNodeConfig(data=data, episode_length=None, random_start=False, seed=0)
    )
    try:
        actions = [int(a) for a in np.random.default_rng(0).integers(0, 3, size=env.bar_count)]
        flips = sum(a != b and 1 not in (a, b) for a, b in pairwise(actions))
        assert flips > 10
        _, _, env_outcome = bench_env.run_env_episode(env, actions)
        plain_outcomes = {}
        for lean in (True, False):  # the lean engine the env uses, Nautilus' default one
            # with the env live, as `compare` runs them (on 2.0 each plain run in its own thread)
            plain = bench_env.plain_engine_builder(env, actions, lean=lean)
            _, plain_outcomes[lean] = bench_env.run_plain(plain, env.market.bar_timestamps[-1])
        _, _, env_again = bench_env.run_env_episode(env, actions)
    finally:
        env.close()
    # (orders filled, final balance)
    assert plain_outcomes == {True: env_outcome, False: env_outcome}
    assert env_again == env_outcome
