"""ScenarioConfig: file round trips, venue overrides, early errors; the registry of user scenarios."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes import venue_models
from nautilus_rl_lab.nodes.training import TrainingNodeConfig, market_for
from nautilus_rl_lab.nt.execution import DefaultFillModel
from nautilus_rl_lab.scenarios import (
    ScenarioConfig,
    TransformConfig,
    builtin_portfolio_scenarios,
    builtin_scenarios,
    get_scenario,
    register_scenario,
    scenario_names,
)
from nautilus_rl_lab.scenarios.builtins import _REGISTRY, FAST_BARS
from tests.portfolios import portfolio_config


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_every_builtin_round_trips_through_a_file_and_rebuilds_the_same_bars(
    tmp_path: Path, suffix: str
) -> None:
    for scenario in builtin_scenarios(FAST_BARS).values():
        path = scenario.to_file(tmp_path / f"{scenario.name}{suffix}")
        loaded = ScenarioConfig.from_file(path)
        assert loaded == scenario
        assert loaded.frame().equals(scenario.frame())


def test_node_config_puts_the_scenario_venue_and_spread_on_the_base() -> None:
    base = TrainingNodeConfig(episode_length=64)
    wide = builtin_scenarios(FAST_BARS)["wide_spread"]
    config = wide.node_config(base)
    assert config.episode_length == 64 and config.data.kind == "frame"
    assert config.data.spread == wide.spread
    assert config.venue.fill_model is not None
    assert config.venue.fill_model.config["prob_slippage"] == wide.prob_slippage
    fill_model = venue_models.fill_model(config.venue.fill_model)
    assert type(fill_model) is DefaultFillModel
    fee_model = venue_models.fee_model(config.venue.fee_model, market_for(base).instrument)
    assert type(fee_model).__name__ == "FixedFeeModel"
    plain = builtin_scenarios(FAST_BARS)["trend_up"].node_config(base)
    assert plain.venue == base.venue and plain.data.spread == base.data.spread


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"generator": "nope"}, "`generator`"),
        ({"name": "has space"}, "`name`"),
        ({"params": {"seed": 3}}, "`params.seed`"),
        ({"generator": "sample", "params": {"n_bars": 3}}, "`params`"),
        ({"prob_slippage": 1.5}, "`prob_slippage`"),
        ({"commission": "ten dollars"}, "`commission`"),
        ({"commission": "5.00 XXQ"}, "`commission`"),
        ({"spread": -0.1}, "`spread`"),
        ({"max_bars": 1}, "`max_bars`"),
        ({"generator": "sample", "start": "spring"}, "`start`"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"generator": "_setup"}, "`generator` '_setup' is neither"),
        ({"generator": "with_gaps"}, "`generator` 'with_gaps' is neither"),
        ({"generator": "regime_labels"}, "`generator` 'regime_labels' is neither"),
        ({"params": {"n_bars": 2e7}}, r"`params\.n_bars` must be a whole number of bars"),
        ({"params": {"n_bars": 20_000_000}}, r"`params\.n_bars` must be a whole number of bars"),
    ],
)
def test_invalid_scenarios_are_refused_naming_the_field(fields: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ScenarioConfig.from_dict({"name": "bad", "description": "bad", **fields})


def test_an_unknown_transform_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"`transforms\.name`"):
        TransformConfig(name="shuffle")


def test_a_sample_window_that_leaves_too_few_bars_is_refused() -> None:
    empty = ScenarioConfig(name="empty", description="", generator="sample", start="2030-01-01")
    with pytest.raises(ConfigError, match="at least 2"):
        empty.frame()


def test_user_scenarios_register_in_a_few_lines() -> None:
    try:
        mine = register_scenario(
            ScenarioConfig(
                name="my_jumps",
                description="Merton jumps, 5 a week",
                generator="jump_diffusion",
                params={"n_bars": 200, "jump_rate": 0.03},
                seed=11,
            )
        )
        assert get_scenario("my_jumps") is mine and "my_jumps" in scenario_names()
        assert len(mine.frame()) == 200
        with pytest.raises(ConfigError, match="already registered"):
            register_scenario(mine)
        register_scenario(mine, replace=True)
    finally:
        _REGISTRY.pop("my_jumps", None)


def test_builtin_names_cannot_be_taken_and_unknown_names_are_explained() -> None:
    with pytest.raises(ConfigError, match="built-in"):
        register_scenario(ScenarioConfig(name="flash_crash", description=""))
    with pytest.raises(ConfigError, match="unknown"):
        get_scenario("no_such_scenario")


def test_a_market_rounded_to_a_constant_price_is_refused() -> None:
    flat = ScenarioConfig(name="flat", description="", params={"n_bars": 50, "decimals": 0})
    with pytest.raises(ConfigError, match=r"constant price 1\.0.*`params\.decimals` 0"):
        flat.frame()


@pytest.mark.parametrize("spread", [float("inf"), float("nan")])
def test_a_spread_that_is_not_a_finite_number_is_refused(spread: float) -> None:
    with pytest.raises(ConfigError, match=f"`spread` must be a finite number >= 0.*was {spread}"):
        ScenarioConfig(name="wide", description="", spread=spread)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_generator_or_transform_parameter_that_is_not_finite_is_refused(value: float) -> None:
    with pytest.raises(
        ConfigError, match=f"`params.volatility` must be a finite number, was {value}"
    ):
        ScenarioConfig(name="wild", description="", params={"volatility": value})
    with pytest.raises(ConfigError, match=r"`transforms\.params\.factor` must be a finite number"):
        TransformConfig(name="low_liquidity", params={"factor": value})


# Portfolio scenarios: one frame per asset, on a portfolio base of as many instruments.


def portfolio_scenario(**fields: object) -> ScenarioConfig:
    return ScenarioConfig.from_dict(
        {
            "name": "pf",
            "description": "three assets",
            "generator": "correlated_market",
            "params": {"n_bars": 50, "n_assets": 3, "decimals": 2},
            **fields,
        }
    )


def test_portfolio_scenarios_round_trip_through_a_file_and_rebuild_the_same_bars(
    tmp_path: Path,
) -> None:
    for scenario in builtin_portfolio_scenarios(3, 100).values():
        loaded = ScenarioConfig.from_file(scenario.to_file(tmp_path / f"{scenario.name}.yaml"))
        assert loaded == scenario
        for frame, again in zip(loaded.frames(), scenario.frames(), strict=True):
            assert frame.equals(again)
    # a transform for every asset keeps its bytes: no `asset` key
    assert b"asset" not in TransformConfig(name="with_gaps").json()


def test_a_transform_with_an_asset_changes_only_that_assets_frame() -> None:
    outage = TransformConfig(name="with_outage", params={"start_bar": 10, "n_bars": 5}, asset=1)
    halt = msgspec.structs.replace(portfolio_scenario(), transforms=(outage,))
    plain, halted = portfolio_scenario().frames(), halt.frames()
    assert plain[0].equals(halted[0]) and plain[2].equals(halted[2])
    assert len(halted[1]) == len(plain[1]) - 5


def test_node_config_puts_each_asset_on_its_frame_and_the_scenario_spread() -> None:
    base = portfolio_config()
    config = portfolio_scenario(spread=0.02).node_config(base)
    assert [a.instrument for a in config.assets] == [a.instrument for a in base.assets]
    assert all(a.data.kind == "frame" and a.data.spread == 0.02 for a in config.assets)
    kept = portfolio_scenario().node_config(base)
    assert [a.data.spread for a in kept.assets] == [a.data.spread for a in base.assets]


def test_scenarios_and_bases_of_different_sizes_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"makes 3 market.*trades one instrument"):
        portfolio_scenario().node_config(TrainingNodeConfig())
    with pytest.raises(ConfigError, match=r"makes 1 market.*trades 3 `instruments`"):
        builtin_scenarios(FAST_BARS)["trend_up"].node_config(portfolio_config())
    two = portfolio_scenario(params={"n_bars": 50, "n_assets": 2})
    with pytest.raises(ConfigError, match=r"makes 2 market.*trades 3 `instruments`"):
        two.node_config(portfolio_config())
    with pytest.raises(ConfigError, match=r"portfolio of 3 markets: use frames\(\)"):
        portfolio_scenario().frame()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"params": {"n_bars": 50}}, r"`params\.n_assets` must be a whole number >= 2"),
        ({"params": {"n_bars": 50, "n_assets": 1}}, r"`params\.n_assets`"),
        ({"params": {"n_bars": 50, "n_assets": 2, "asset": 0}}, r"`params\.asset`"),
        ({"max_bars": 20}, "`max_bars` cuts one market's bars"),
        (
            {"transforms": [{"name": "with_gaps", "asset": 3}]},
            r"`transforms\.asset` 3 is not an asset .* it has 3",
        ),
        ({"transforms": [{"name": "with_gaps", "asset": -1}]}, r"`transforms\.asset`"),
    ],
)
def test_invalid_portfolio_scenarios_are_refused_naming_the_field(
    fields: dict, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        portfolio_scenario(**fields)
