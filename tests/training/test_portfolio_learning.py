"""Portfolio learnability: PPO finds the one asset with an edge among driftless correlated ones.

Three daily equities of one `correlated_market` draw (pairwise correlation 0.3, 1 % daily
volatility, no fees, a cent spread); `A0` drifts +0.2 % a day, the others not (a daily Sharpe
ratio of 0.2: a clear edge, yet a fifth of a day's noise). PPO trains through `train` on 500
days, long-only (`simplex_weights`: the three assets and cash, from one bar of returns per
asset), then its deterministic policy trades 300 days of another draw it never saw, from the
first bar. It must hold `A0` more, on average, than each other asset and than an equal weight.

Not passing by accident (checked by hand with this configuration, training seed s on draw
100 + s, tested on draw 1100 + s): with the edge `A0` held 0.47-0.94 on average (s = 0-5),
every other asset at most 0.14; without it (every drift 0; s = 0, 1, 3, 4, 5) `A0` held
0.06-0.26, was the most held asset once and never above an equal weight, while in the other
runs another asset reached 0.24-0.44. The test runs s = 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from nautilus_rl_lab.agents import PolicyAgent
from nautilus_rl_lab.nodes import TrainingNode, TrainingNodeConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.training import TrainConfig, train

from .conftest import correlated_assets, portfolio_env

EDGE = (0.002, 0.0, 0.0)  # per-bar drift of each asset
TRAIN_DRAW, TEST_DRAW = 103, 1103  # the seeds of the two joint draws
OBSERVATION = SchemeConfig(name="stacked_window", params={"window": 1})


def _env(
    draw: int, drifts: Sequence[float], n_bars: int, **overrides: object
) -> TrainingNodeConfig:
    return portfolio_env(
        correlated_assets(n_bars, draw, drifts), observation=OBSERVATION, **overrides
    )


def out_of_sample_weights(run_dir: Path, drifts: Sequence[float], seed: int = 3) -> np.ndarray:
    """Train PPO (seed `seed`) on the training draw with `drifts`, then play its deterministic
    policy over the test draw; the mean weight of each asset over that episode."""
    config = TrainConfig(
        algorithm="PPO",
        hyperparameters={
            "n_steps": 512,
            "batch_size": 128,
            "n_epochs": 10,
            "learning_rate": 3e-3,
            "gamma": 0.0,  # a step's action earns only that step's return
            "policy_kwargs": {"net_arch": [16]},
        },
        total_timesteps=16_384,
        vec_env="dummy",
        seed=seed,
        env=_env(TRAIN_DRAW, drifts, 500, episode_length=64),
        eval_freq=0,
        checkpoint_freq=0,
        run_dir=str(run_dir),
        normalize_rewards=True,
        tensorboard=False,
        torch_threads=1,
    )
    agent = PolicyAgent.load(train(config).final_agent)
    env = TrainingNode(_env(TEST_DRAW, drifts, 300, episode_length=None, random_start=False))
    try:
        observation, _ = env.reset()
        weights, done = [], False
        while not done:
            observation, _, terminated, truncated, info = env.step(agent.act(observation))
            weights.append(info["weights"])
            done = terminated or truncated
    finally:
        env.close()
    assert len(weights) > 250  # the whole test draw was played
    return np.mean(weights, axis=0)


@pytest.mark.slow
def test_ppo_holds_the_asset_with_an_edge_out_of_sample(tmp_path: Path) -> None:
    weights = out_of_sample_weights(tmp_path / "run", EDGE)
    assert weights[0] > max(weights[1:]), weights
    assert weights[0] > 1 / len(EDGE), weights
