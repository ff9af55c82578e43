"""Learnability: on a strongly mean-reverting synthetic market, PPO must clearly beat the baselines.

The market is a seeded Ornstein-Uhlenbeck log price (half-life 2 bars); the observation
includes the `ema:20` feature (close vs its EMA, in percent), which makes the reversion
visible. PPO trains on the first ~2,900 bars and is backtested as `RLAgent` + `AgentStrategy`
on the following ~1,100 bars it never saw, against buy-and-hold and the mean of three random
agents. The test can fail: a policy that did not learn the reversion loses the spread and fees
on every trade, like the random agents.
"""

from __future__ import annotations

import pytest

from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.evaluation import backtest_agent
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.training import TrainConfig, train

OU = {"n_bars": 4_000, "seed": 11, "half_life": 2.0, "volatility": 0.001}
SPLIT = "2020-05-01"
MARGIN = 5.0  # percentage points of total return over the out-of-sample range


def _config(run_dir: str) -> TrainConfig:
    def data(**cut: str) -> DataSourceConfig:
        return DataSourceConfig(kind="synthetic", generator="ornstein_uhlenbeck", params=OU, **cut)

    env = TrainingNodeConfig(
        data=data(end=SPLIT),
        observation=SchemeConfig(name="window", params={"window": 2, "features": ["ema:20"]}),
        action=SchemeConfig(name="target_position", params={"trade_size": 100_000}),
        reward=SchemeConfig(name="log_return"),
        episode_length=256,
        seed=0,
    )
    return TrainConfig(
        algorithm="PPO",
        hyperparameters={
            "n_steps": 256,
            "batch_size": 128,
            "n_epochs": 5,
            "gamma": 0.9,
            "learning_rate": 1e-3,
            "policy_kwargs": {"net_arch": [32, 32]},
        },
        total_timesteps=8_192,
        n_envs=2,
        seed=0,
        env=env,
        eval_data=data(start=SPLIT),
        eval_freq=0,
        checkpoint_freq=0,
        run_dir=run_dir,
        normalize_rewards=True,
        tensorboard=False,
    )


@pytest.mark.slow
def test_ppo_learns_mean_reversion_and_beats_buy_and_hold_and_random(tmp_path) -> None:
    config = _config(str(tmp_path / "run"))
    result = train(config)
    evaluation = backtest_agent(
        result.final_agent, config.eval_env, role="validation", n_random=3, rule=None
    )
    total = evaluation.stats["total_return_%"]
    summary = evaluation.stats.round(2).to_string()
    assert len(evaluation.runs["agent"].equity) > 1_000, summary
    assert total["agent"] > total["buy_and_hold"] + MARGIN, summary
    assert total["agent"] > total["random_mean"] + MARGIN, summary
    assert evaluation.stats.loc["agent", "sharpe"] > 2.0, summary
