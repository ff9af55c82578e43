"""`venue_models`: the 1.221-shaped model configs build Nautilus' models on either line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.data.instruments import InstrumentSpec, make_instrument
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes import TrainingNode, TrainingNodeConfig, venue_models
from nautilus_rl_lab.nodes.venue_models import (
    NAUTILUS_MODELS,
    ImportableFeeModelConfig,
    ImportableFillModelConfig,
    ImportableLatencyModelConfig,
    MarginModelConfig,
)
from nautilus_rl_lab.nt.execution import (
    DefaultFillModel,
    FixedFeeModel,
    MakerTakerFeeModel,
    PerContractFeeModel,
    StaticLatencyModel,
)
from nautilus_rl_lab.nt.fees import fee_rates
from nautilus_rl_lab.nt.model import LeveragedMarginModel, StandardMarginModel
from nautilus_rl_lab.schemes import SchemeConfig
from tests.nodes.conftest import margin_venue

INSTRUMENT = make_instrument(InstrumentSpec(maker_fee=0.0001, taker_fee=0.0002))


def _fee(name: str, config: dict) -> ImportableFeeModelConfig:
    return ImportableFeeModelConfig(
        fee_model_path=f"{NAUTILUS_MODELS}:{name}",
        config_path=f"nautilus_trader.backtest.config:{name}Config",
        config=config,
    )


@pytest.mark.parametrize(
    ("name", "config", "model"),
    [
        ("FixedFeeModel", {"commission": "5.00 USD"}, FixedFeeModel),
        (
            "FixedFeeModel",
            {"commission": "5.00 USD", "charge_commission_once": False},
            FixedFeeModel,
        ),
        ("PerContractFeeModel", {"commission": "0.01 USD"}, PerContractFeeModel),
        ("MakerTakerFeeModel", {}, MakerTakerFeeModel),
    ],
)
def test_nautilus_fee_models_build_by_their_1221_path(name: str, config: dict, model: type) -> None:
    assert type(venue_models.fee_model(_fee(name, config), INSTRUMENT)) is model


def test_without_a_fee_model_the_instrument_pays_its_own_rates() -> None:
    assert type(venue_models.fee_model(None, INSTRUMENT)) is MakerTakerFeeModel
    assert tuple(map(float, fee_rates(INSTRUMENT))) == (0.0001, 0.0002)


def test_fill_and_latency_models_build_with_1221_defaults() -> None:
    fill = ImportableFillModelConfig(
        fill_model_path=f"{NAUTILUS_MODELS}:FillModel",
        config_path="nautilus_trader.backtest.config:FillModelConfig",
        config={"prob_slippage": 0.5, "random_seed": 3},
    )
    assert type(venue_models.fill_model(fill)) is DefaultFillModel
    latency = ImportableLatencyModelConfig(
        latency_model_path=f"{NAUTILUS_MODELS}:LatencyModel",
        config_path="nautilus_trader.backtest.config:LatencyModelConfig",
        config={},
    )
    assert type(venue_models.latency_model(latency)) is StaticLatencyModel


@pytest.mark.parametrize(
    ("model_type", "model"),
    [("leveraged", LeveragedMarginModel), ("standard", StandardMarginModel)],
)
def test_margin_models_build_by_name(model_type: str, model: type) -> None:
    assert type(venue_models.margin_model(MarginModelConfig(model_type=model_type))) is model


@pytest.mark.parametrize("path", ["no_such_module:FeeModel", "FeeModel", f"{NAUTILUS_MODELS}:Nope"])
def test_a_model_path_that_names_no_model_raises(path: str) -> None:
    config = ImportableFeeModelConfig(fee_model_path=path, config_path="x:Y", config={})
    with pytest.raises((ImportError, AttributeError, ValueError)):
        venue_models.fee_model(config, INSTRUMENT)


def test_a_setting_the_model_does_not_take_raises() -> None:
    config = _fee("FixedFeeModel", {"commission": "5.00 USD", "rebate": 1})
    with pytest.raises(TypeError):
        venue_models.fee_model(config, INSTRUMENT)


def test_a_per_unit_commission_is_nautilus_per_contract_fee_model() -> None:
    config = venue_models.per_unit_commission("0.01 USD")
    model = venue_models.fee_model(config, INSTRUMENT)
    assert type(model) is PerContractFeeModel
    assert config == _fee("PerContractFeeModel", {"commission": "0.01 USD"})


@pytest.mark.parametrize(
    "fee_model",
    [
        None,  # the instrument's maker/taker rate, charged in the quote currency (JPY)
        _fee("FixedFeeModel", {"commission": "1000 JPY"}),
        _fee("PerContractFeeModel", {"commission": "1 JPY"}),
    ],
    ids=["rate_in_jpy", "fixed_jpy", "per_unit_jpy"],
)
def test_a_usdjpy_backtest_with_a_fee_keeps_its_position_exact(tmp_path, fee_model) -> None:
    """USD/JPY on a USD account, paying a fee on every fill: Nautilus' position is the units the
    orders asked for (200,000, then 100,000, then -50,000), none of them taken by the fee."""
    closes = np.round(150 + np.cumsum(np.random.default_rng(1).normal(0, 0.1, 40)), 2)
    index = pd.date_range("2024-01-01", periods=len(closes), freq="h", tz="UTC", name="time")
    frame = pd.DataFrame(
        {"open": closes, "high": closes + 0.05, "low": closes - 0.05, "close": closes},
        index=index,
    ).assign(volume=1e9)
    frame.to_csv(tmp_path / "usdjpy.csv")
    config = TrainingNodeConfig(
        data=DataSourceConfig(kind="csv", path=str(tmp_path / "usdjpy.csv"), spread=0.01),
        instrument=InstrumentSpec(
            symbol="USD/JPY", price_precision=3, maker_fee=0.0001, taker_fee=0.0001
        ),
        venue=margin_venue(fee_model=fee_model),
        observation=SchemeConfig(name="window", params={"window": 4}),
        action=SchemeConfig(name="continuous", params={"max_position": 200_000, "lot_size": 1000}),
        episode_length=20,
        random_start=False,
    )
    env = TrainingNode(config)
    try:
        env.reset()
        positions = []
        for exposure in (1.0, 0.5, -0.25):
            _, _, _, _, info = env.step(np.asarray([exposure]))
            positions.append(info["position"])
    finally:
        env.close()
    assert positions == [200_000.0, 100_000.0, -50_000.0]
    assert info["commissions"] > 0


# NautilusTrader 2.0 takes a commission in a currency pair's base currency off the position (its
# crypto-spot rule; docs/nt2_port.md): a fixed USD fee left 199,993 of a 200,000 USD/JPY buy.
@pytest.mark.parametrize(
    "fee_model",
    [
        _fee("FixedFeeModel", {"commission": "7.00 USD"}),
        _fee("PerContractFeeModel", {"commission": "0.01 USD"}),
    ],
    ids=["fixed", "per_unit"],
)
def test_a_commission_in_a_pairs_base_currency_is_refused_naming_the_quote_currency(
    fee_model: ImportableFeeModelConfig,
) -> None:
    instrument = InstrumentSpec(symbol="USD/JPY", price_precision=3)
    with pytest.raises(ConfigError, match=r"base currency of USD/JPY\.SIM.*give it in JPY"):
        TrainingNodeConfig(instrument=instrument, venue=margin_venue(fee_model=fee_model))
