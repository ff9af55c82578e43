"""Tiny training configs: a few hundred steps of PPO with a tiny network on two weeks of bars
(or on a synthetic portfolio of correlated daily markets)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nautilus_rl_lab.data.instruments import InstrumentSpec
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.nodes import TrainingNodeConfig, default_venue
from nautilus_rl_lab.nodes.portfolio import PortfolioAsset
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.training import TrainConfig


def tiny_config(run_dir: Path, **overrides: object) -> TrainConfig:
    values: dict[str, object] = {
        "algorithm": "PPO",
        "hyperparameters": {
            "n_steps": 64,
            "batch_size": 64,
            "n_epochs": 2,
            "policy_kwargs": {"net_arch": [16]},
        },
        "total_timesteps": 256,
        "n_envs": 1,
        "env": TrainingNodeConfig(
            data=DataSourceConfig(kind="sample", start="2017-03-01", end="2017-03-15"),
            observation=SchemeConfig(name="window", params={"window": 4}),
            episode_length=64,
            seed=0,
        ),
        "eval_data": DataSourceConfig(kind="sample", start="2017-03-15", end="2017-03-22"),
        "eval_freq": 128,
        "checkpoint_freq": 128,
        "run_dir": str(run_dir),
        "tensorboard": True,
    }
    values.update(overrides)
    return TrainConfig(**values)


def correlated_assets(
    n_bars: int, seed: int, drifts: Sequence[float], volatility: float = 0.01
) -> list[PortfolioAsset]:
    """Equities `A0`, `A1`, ... on daily bars of one `correlated_market` draw (no fees, a cent
    spread), with per-bar drifts `drifts` (one per asset)."""
    params = {
        "n_bars": n_bars,
        "n_assets": len(drifts),
        "seed": seed,
        "freq": "1D",
        "drift": list(drifts),
        "volatility": volatility,
        "decimals": 2,
    }
    spec = {"kind": "equity", "price_precision": 2, "lot_size": 1, "min_quantity": 1}
    return [
        PortfolioAsset(
            instrument=InstrumentSpec(symbol=f"A{i}", maker_fee=0, taker_fee=0, **spec),
            data=DataSourceConfig(
                kind="synthetic",
                generator="correlated_market",
                params={**params, "asset": i},
                spread=0.01,
            ),
        )
        for i in range(len(drifts))
    ]


def portfolio_env(assets: list[PortfolioAsset], **overrides: object) -> TrainingNodeConfig:
    """A long-only portfolio env (`stacked_window`, `simplex_weights`) of `assets` on an unlevered
    margin account."""
    values: dict[str, object] = {
        "venue": default_venue(leverage=1),
        "instruments": assets,
        "bar_aggregation": "DAY",
        "observation": SchemeConfig(name="stacked_window", params={"window": 3}),
        "action": SchemeConfig(name="simplex_weights"),
        "episode_length": 32,
        "seed": 0,
    }
    values.update(overrides)
    return TrainingNodeConfig(**values)


def tiny_portfolio_config(run_dir: Path, **overrides: object) -> TrainConfig:
    """`tiny_config` on a 3-asset portfolio env (no evaluation: portfolios have none yet)."""
    values: dict[str, object] = {
        "env": portfolio_env(correlated_assets(120, seed=1, drifts=[0.0, 0.0, 0.0])),
        "eval_data": None,
        "eval_freq": 0,
        "tensorboard": False,
    }
    values.update(overrides)
    return tiny_config(run_dir, **values)
