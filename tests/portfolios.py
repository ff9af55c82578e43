"""Small portfolio configs for tests: stocks on one MARGIN venue, jointly drawn markets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nautilus_rl_lab.data.instruments import InstrumentSpec
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.nodes import TrainingNodeConfig, default_venue
from nautilus_rl_lab.nodes.portfolio import PortfolioAsset
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.training.config import TrainConfig

SYMBOLS = ("AAA", "BBB", "CCC")
IDS = [f"{symbol}.SIM" for symbol in SYMBOLS]


def stock(symbol: str) -> InstrumentSpec:
    """A stock with cent prices, one-share lots and 5 bp fees."""
    return InstrumentSpec(
        symbol=symbol,
        kind="equity",
        price_precision=2,
        lot_size=1,
        min_quantity=1,
        maker_fee=0.0005,
        taker_fee=0.0005,
    )


def correlated_data(asset: int, n_bars: int = 120, seed: int = 11) -> DataSourceConfig:
    """Asset `asset` of three jointly drawn daily markets (`correlated_market`)."""
    return DataSourceConfig(
        kind="synthetic",
        generator="correlated_market",
        params={
            "n_bars": n_bars,
            "asset": asset,
            "n_assets": len(SYMBOLS),
            "seed": seed,
            "freq": "D",
            "volatility": 0.01,
            "decimals": 2,
        },
        spread=0.01,
    )


def portfolio_config(
    data: list[DataSourceConfig] | None = None, **overrides: Any
) -> TrainingNodeConfig:
    """Three stocks traded as one portfolio (long/short weights, a 4-bar window) on `data`
    (default: `correlated_data` of each)."""
    sources = data or [correlated_data(i) for i in range(len(SYMBOLS))]
    values: dict[str, Any] = {
        "venue": default_venue(leverage=2, starting_balance="1000000 USD"),
        "instruments": [
            PortfolioAsset(instrument=stock(symbol), data=source)
            for symbol, source in zip(SYMBOLS, sources, strict=True)
        ],
        "bar_aggregation": "DAY",
        "observation": SchemeConfig(name="stacked_window", params={"window": 4}),
        "action": SchemeConfig(name="long_short_weights"),
        "episode_length": None,
        "random_start": False,
    }
    values.update(overrides)
    return TrainingNodeConfig(**values)


def portfolio_train_config(run_dir: Path, **overrides: Any) -> TrainConfig:
    """A tiny PPO run on `portfolio_config` (16-bar episodes)."""
    values: dict[str, Any] = {
        "algorithm": "PPO",
        "hyperparameters": {
            "n_steps": 32,
            "batch_size": 32,
            "n_epochs": 1,
            "policy_kwargs": {"net_arch": [16]},
        },
        "total_timesteps": 64,
        "n_envs": 1,
        "vec_env": "dummy",
        "env": portfolio_config(episode_length=16, random_start=True, seed=0),
        "eval_freq": 0,
        "checkpoint_freq": 0,
        "run_dir": str(run_dir),
        "tensorboard": False,
    }
    values.update(overrides)
    return TrainConfig(**values)
