"""Stress scenario configs: the built-ins' fault schedules, file round trips, early errors."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5.simulator.faults import FAULTS
from nautilus_rl_lab.scenarios import (
    FaultStep,
    StressScenarioConfig,
    builtin_portfolio_stress_scenarios,
    builtin_stress_scenarios,
)
from nautilus_rl_lab.scenarios.stress import (
    FAST_STRESS_BARS,
    PORTFOLIO_SYMBOLS,
    REQUOTE_BURST,
    RESTART,
    STALL,
    STALL_BARS,
    default_stress_bars,
)

EXPECTED = {
    "requote_burst",
    "off_quotes",
    "no_money",
    "disconnect_with_open_position",
    "restart_mid_session",
    "send_timeout",
}


def test_the_builtins_schedule_the_faults_their_names_promise() -> None:
    built = builtin_stress_scenarios(FAST_STRESS_BARS)
    assert set(built) == EXPECTED
    faults = {name: [s.fault for s in scenario.steps] for name, scenario in built.items()}
    assert faults["requote_burst"] == ["requote", "requote"]
    assert [s.count for s in built["requote_burst"].steps] == [REQUOTE_BURST, REQUOTE_BURST + 1]
    assert faults["off_quotes"] == ["off_quotes"] and built["off_quotes"].fault_rates
    assert faults["no_money"] == ["no_money"]
    assert faults["disconnect_with_open_position"] == ["disconnect"]
    assert faults["restart_mid_session"] == [RESTART]
    assert built["restart_mid_session"].restarts == 1
    assert faults["send_timeout"] == ["timeout"]
    for name in ("disconnect_with_open_position", "restart_mid_session"):
        assert all(step.with_position for step in built[name].steps)
    for scenario in built.values():
        assert scenario.n_bars == FAST_STRESS_BARS
        assert all(step.bar <= scenario.n_bars for step in scenario.steps)
        assert len(scenario.market.frame()) > scenario.n_bars


def test_fast_mode_shortens_the_builtins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NRL_FAST", "1")
    assert default_stress_bars() == FAST_STRESS_BARS
    monkeypatch.setenv("NRL_FAST", "0")
    assert default_stress_bars() > FAST_STRESS_BARS
    assert builtin_stress_scenarios()["no_money"].n_bars == default_stress_bars()


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_every_builtin_round_trips_through_a_file(tmp_path: Path, suffix: str) -> None:
    for scenario in builtin_stress_scenarios(FAST_STRESS_BARS).values():
        path = scenario.to_file(tmp_path / f"{scenario.name}{suffix}")
        loaded = StressScenarioConfig.from_file(path)
        assert loaded == scenario
        assert loaded.market.frame().equals(scenario.market.frame())


def test_every_simulator_fault_and_restart_can_be_scheduled() -> None:
    for fault in (*FAULTS, RESTART):
        assert FaultStep(bar=1, fault=fault).fault == fault


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"fault": "requotes"}, "`steps.fault` 'requotes' is unknown"),
        ({"bar": 0}, "`steps.bar` must be >= 1"),
        ({"count": 0}, "`steps.count` must be >= 1"),
    ],
)
def test_bad_fault_steps_are_refused_by_field(fields: dict, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        FaultStep(**{"bar": 1, "fault": "requote", **fields})


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"name": "bad name"}, "`name` 'bad name'"),
        ({"n_bars": 1}, "`n_bars` must be >= 2"),
        ({"steps": [{"bar": 99, "fault": "requote"}]}, "after the last of `n_bars`"),
        ({"fault_rates": {"disconnect": 0.1}}, "not a trade fault"),
        ({"fault_rates": {"requote": 1.5}}, r"must be in \[0, 1\]"),
        ({"balance": 0}, "`balance` must be > 0"),
    ],
)
def test_bad_stress_scenarios_are_refused_by_field(fields: dict, fragment: str) -> None:
    base = builtin_stress_scenarios(FAST_STRESS_BARS)["no_money"]
    data = {**json.loads(base.json()), **fields}
    with pytest.raises(ConfigError, match=fragment):
        StressScenarioConfig.from_dict(data)


def test_too_few_decision_bars_for_the_builtins_are_refused() -> None:
    with pytest.raises(ConfigError, match="`n_bars` must be >= 8"):
        builtin_stress_scenarios(4)


@pytest.mark.parametrize("balance", [float("nan"), float("inf")])
def test_a_balance_that_is_not_a_finite_amount_is_refused(balance: float) -> None:
    base = builtin_stress_scenarios(FAST_STRESS_BARS)["no_money"]
    with pytest.raises(ConfigError, match=f"`balance` must be a finite amount, was {balance}"):
        msgspec.structs.replace(base, balance=balance)


def test_the_portfolio_builtins_reject_a_leg_and_stall_its_feed_on_every_symbol() -> None:
    built = builtin_portfolio_stress_scenarios(FAST_STRESS_BARS)
    assert set(built) == {"portfolio_leg_rejected", "portfolio_feed_stall"}
    assert all(s.portfolio == PORTFOLIO_SYMBOLS for s in built.values())
    assert [s.fault for s in built["portfolio_leg_rejected"].steps] == ["reject"]
    reject, stall = built["portfolio_feed_stall"].steps
    assert reject.fault == "reject" and stall.fault == STALL and stall.count == STALL_BARS
    assert stall.symbol == PORTFOLIO_SYMBOLS[0] and stall.with_position


def test_unset_symbols_stay_out_of_a_single_instrument_scenarios_json() -> None:
    scenario = builtin_stress_scenarios(FAST_STRESS_BARS)["no_money"]
    data = json.loads(scenario.json())
    assert "symbols" not in data and all("symbol" not in step for step in data["steps"])
    assert scenario.portfolio == ()


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_every_portfolio_builtin_round_trips_through_a_file(tmp_path: Path, suffix: str) -> None:
    for scenario in builtin_portfolio_stress_scenarios(FAST_STRESS_BARS).values():
        path = scenario.to_file(tmp_path / f"{scenario.name}{suffix}")
        assert StressScenarioConfig.from_file(path) == scenario


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"symbols": ["EURUSD"]}, "must name two or more different MT5 symbols"),
        ({"symbols": ["EURUSD", "EURUSD"]}, "must name two or more different MT5 symbols"),
        ({"symbols": ["EURUSD", "EURGBX"]}, "`symbols` 'EURGBX' is unknown"),
        (
            {"steps": [{"bar": 2, "fault": "stall", "symbol": "AUDUSD"}]},
            "stall 'AUDUSD', which is not one of the scenario's `symbols`",
        ),
    ],
)
def test_bad_portfolio_scenarios_are_refused_by_field(fields: dict, fragment: str) -> None:
    base = builtin_portfolio_stress_scenarios(FAST_STRESS_BARS)["portfolio_leg_rejected"]
    data = {**json.loads(base.json()), **fields}
    with pytest.raises(ConfigError, match=fragment):
        StressScenarioConfig.from_dict(data)


def test_a_single_instrument_scenario_cannot_stall_a_feed() -> None:
    base = builtin_stress_scenarios(FAST_STRESS_BARS)["no_money"]
    step = FaultStep(bar=2, fault=STALL, symbol="EURUSD")
    with pytest.raises(ConfigError, match="only a portfolio's feeds stall"):
        msgspec.structs.replace(base, steps=(step,))


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"fault": STALL}, "`steps.symbol` must name the symbol whose feed a 'stall' stops"),
        (
            {"fault": "reject", "symbol": "EURUSD"},
            "'EURUSD' is only for a 'stall' step, not 'reject'",
        ),
    ],
)
def test_only_a_stall_step_names_a_symbol(fields: dict, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        FaultStep(bar=1, **fields)
