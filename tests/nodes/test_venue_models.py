"""`venue_models`: the 1.221-shaped model configs build Nautilus' models on either line."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.data.instruments import InstrumentSpec, make_instrument
from nautilus_rl_lab.nodes import venue_models
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
