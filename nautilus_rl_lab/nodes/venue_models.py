"""The venue's fee, fill, latency and margin models: our own frozen configs, and the models they build.

Nautilus 1.221 described these models with importable configs (`ImportableFeeModelConfig`, ...,
`MarginModelConfig`) and built them with factories; NautilusTrader 2 has neither (its models
take plain arguments). These structs have the 1.221 names, fields, field order and defaults,
so a config's JSON (and every stored bundle's hash) is unchanged, and `*_model` below builds
the model on either line. A path into `nautilus_trader.backtest.models` (1.221's address, the
one stored configs name) means Nautilus' model of that name wherever the installed line keeps
it (`nautilus_rl_lab.nt.execution`); any other path is imported and called with `config` as
keyword arguments (a `commission` string becomes `Money`). `config_path` is kept for the JSON
shape only: the models take their settings directly.
"""

from __future__ import annotations

import importlib
from typing import Any

import msgspec

from nautilus_rl_lab.nt.execution import (
    DefaultFillModel,
    FeeModel,
    FillModel,
    FixedFeeModel,
    PerContractFeeModel,
    StaticLatencyModel,
)
from nautilus_rl_lab.nt.fees import maker_taker_fee_model
from nautilus_rl_lab.nt.model import Instrument, LeveragedMarginModel, Money, StandardMarginModel

NAUTILUS_MODELS = "nautilus_trader.backtest.models"
MARGIN_MODELS = {"leveraged": LeveragedMarginModel, "standard": StandardMarginModel}
_MODELS: dict[str, Any] = {
    "FixedFeeModel": FixedFeeModel,
    "PerContractFeeModel": PerContractFeeModel,
    "FillModel": DefaultFillModel,
    "LatencyModel": StaticLatencyModel,
}
# 1.221's config defaults, where 2.0's model has none or another (StaticLatencyModel: 0).
_DEFAULTS: dict[str, dict[str, Any]] = {
    "FillModel": {"prob_fill_on_limit": 1.0, "prob_slippage": 0.0},
    "LatencyModel": {"base_latency_nanos": 1_000_000_000},
}


class _ModelConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of the importable model configs (Nautilus 1.221's `NautilusConfig` layout)."""

    def json(self) -> bytes:
        """The config as JSON bytes (as Nautilus 1.221's config wrote them)."""
        return msgspec.json.encode(self)


class ImportableFeeModelConfig(_ModelConfig, frozen=True):
    """A fee model by path (`'nautilus_trader.backtest.models:FixedFeeModel'`) and its settings."""

    fee_model_path: str
    config_path: str
    config: dict[str, Any]


class ImportableFillModelConfig(_ModelConfig, frozen=True):
    """A fill model by path (`'nautilus_trader.backtest.models:FillModel'`) and its settings."""

    fill_model_path: str
    config_path: str
    config: dict[str, Any]


class ImportableLatencyModelConfig(_ModelConfig, frozen=True):
    """A latency model by path (`'nautilus_trader.backtest.models:LatencyModel'`) and its settings."""

    latency_model_path: str
    config_path: str
    config: dict[str, Any]


class MarginModelConfig(_ModelConfig, frozen=True):
    """The margin model: `leveraged` (notional / leverage * margin rate), `standard` (notional *
    margin rate, leverage ignored) or a model's path."""

    model_type: str = "leveraged"
    config: dict[str, Any] = {}


def model_name(path: str) -> str:
    """The class name a model path (`'module:Name'` or `'module.Name'`) ends with."""
    return path.rsplit(":", 1)[-1].rsplit(".", 1)[-1]


def _build(path: str, config: dict[str, Any]) -> Any:
    """The model at `path` built from `config` (see the module docstring)."""
    module, _, name = path.rpartition(":")
    kwargs = dict(config)
    if isinstance(kwargs.get("commission"), str):
        kwargs["commission"] = Money.from_str(kwargs["commission"])
    if module == NAUTILUS_MODELS and name in _MODELS:
        return _MODELS[name](**{**_DEFAULTS.get(name, {}), **kwargs})
    if not module:
        raise ValueError(f"model path {path!r} must be 'module:Class'")
    return getattr(importlib.import_module(module), name)(**kwargs)


def per_unit_commission(commission: str) -> ImportableFeeModelConfig:
    """Nautilus' `PerContractFeeModel` charging `commission` (`'0.01 USD'`) per unit filled
    (a share, a contract): the usual equity broker's fee, which a rate of notional would round
    to 0 on small fills (`nodes.venue.check_fee_rates`)."""
    return ImportableFeeModelConfig(
        fee_model_path=f"{NAUTILUS_MODELS}:PerContractFeeModel",
        config_path="nautilus_trader.backtest.config:PerContractFeeModelConfig",
        config={"commission": commission},
    )


def fee_model(config: ImportableFeeModelConfig | None, instrument: Instrument) -> FeeModel:
    """The configured fee model; without one (or `MakerTakerFeeModel`) the instrument's own
    maker/taker rates (NautilusTrader 2 requires a fee model on every venue)."""
    if config is None or (
        model_name(config.fee_model_path) == "MakerTakerFeeModel"
        and config.fee_model_path.startswith(NAUTILUS_MODELS)
    ):
        return maker_taker_fee_model(instrument)
    model: FeeModel = _build(config.fee_model_path, config.config)
    return model


def fill_model(config: ImportableFillModelConfig) -> FillModel:
    """The configured fill model (1.221's `FillModel` probabilities on either line)."""
    model: FillModel = _build(config.fill_model_path, config.config)
    return model


def latency_model(config: ImportableLatencyModelConfig) -> Any:
    """The configured latency model (`LatencyModel` is 2.0's `StaticLatencyModel`)."""
    return _build(config.latency_model_path, config.config)


def margin_model(config: MarginModelConfig) -> Any:
    """The configured margin model: Nautilus' leveraged or standard one, or one by path."""
    model = MARGIN_MODELS.get(config.model_type.lower())
    if model is not None:
        return model()
    return _build(config.model_type, config.config)


def default_latency_config(latency_ns: int) -> ImportableLatencyModelConfig:
    """A fixed `latency_ns` latency model as an importable config (for `VenueConfig`)."""
    return ImportableLatencyModelConfig(
        latency_model_path=f"{NAUTILUS_MODELS}:LatencyModel",
        config_path="nautilus_trader.backtest.config:LatencyModelConfig",
        config={"base_latency_nanos": latency_ns},
    )
