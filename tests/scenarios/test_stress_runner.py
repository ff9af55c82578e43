"""Execution stress on a live path: an agent and its risk rules on a `LiveNode`, against the MT5
simulator served over RPyC on 127.0.0.1, through every built-in stress scenario.

One run of all built-ins (module fixture) feeds the tests; each proves one scenario's fault
really happened and that the session still ends with Nautilus' and the terminal's positions
equal and no duplicated order. The agent is the seeded random agent (it trades on most bars)
under a `max_position` cap, so the risk rules run on the live node too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.scenarios import (
    AgentSpec,
    StressResults,
    builtin_portfolio_stress_scenarios,
    builtin_stress_scenarios,
    run_execution_stress,
)
from nautilus_rl_lab.scenarios.stress import (
    DISCONNECT_CALLS,
    FAST_STRESS_BARS,
    PORTFOLIO_SYMBOLS,
    REQUOTE_BURST,
    STALL_BARS,
    FaultStep,
    StressScenarioConfig,
)
from nautilus_rl_lab.scenarios.stress_runner import PORTFOLIO_AGENT
from nautilus_rl_lab.strategies import RiskLimits

CAP = 5_000.0  # the action scheme targets 10,000 units; the risk rules cap them at this
AGENT = AgentSpec(name="random", agent="random", seed=3, risk=RiskLimits(max_position=CAP))
SCENARIOS = builtin_stress_scenarios(FAST_STRESS_BARS)


@pytest.fixture(scope="module")
def results() -> Iterator[StressResults]:
    yield run_execution_stress(list(SCENARIOS.values()), AGENT, progress=False)


def _row(results: StressResults, name: str) -> pd.Series:
    (index,) = results.table.index[results.table["scenario"] == name]
    return results.table.loc[index]


def _replies(results: StressResults, name: str) -> pd.Series:
    sends = results.sends[results.sends["scenario"] == name]
    return sends["retcode"].value_counts()


def _step(results: StressResults, name: str, fault: str) -> pd.Series:
    steps = results.steps[(results.steps["scenario"] == name) & (results.steps["fault"] == fault)]
    assert len(steps) == 1, steps
    return steps.iloc[0]


def _reasons(results: StressResults, name: str) -> dict[str, int]:
    counts = results.reasons_by_scenario().loc[name] if len(results.reasons) else pd.Series()
    return {reason: int(n) for reason, n in counts.items() if n}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_stress_scenario_ends_with_equal_positions_and_no_duplicated_orders(
    results: StressResults, name: str
) -> None:
    row = _row(results, name)
    assert row["bars"] == FAST_STRESS_BARS and row["settled"]
    assert row["positions_equal"]
    assert row["nautilus_position"] == row["portfolio_position"] == row["terminal_position"]
    assert row["duplicated_orders"] == 0 and row["duplicated_fills"] == 0
    assert row["unmatched_deals"] == 0 and row["phantom_fills"] == 0
    assert row["external_orders"] == 0
    assert row["unapplied_steps"] == 0 and row["faults_met"] == row["faults_armed"]
    assert row["filled"] > 0, "the agent never traded"
    assert row["submitted"] == row["filled"] + row["rejected"] + row["denied"]
    assert row["accepted"] == row["filled"]  # market orders: accepted means filled here


def test_requote_bursts_are_resent_until_one_outlasts_the_retries(results) -> None:
    row, replies = _row(results, "requote_burst"), _replies(results, "requote_burst")
    assert replies["REQUOTE"] == 2 * REQUOTE_BURST + 1
    assert _reasons(results, "requote_burst") == {"REQUOTE": 1}
    # every requote was answered by a resend, except the last of the burst that was rejected
    assert row["retries"] == replies["REQUOTE"] - 1
    assert row["sends"] == row["submitted"] + row["retries"]


def test_off_quotes_are_resent_at_a_fresh_price(results) -> None:
    row, replies = _row(results, "off_quotes"), _replies(results, "off_quotes")
    rejected = _reasons(results, "off_quotes").get("PRICE_OFF", 0)
    assert replies["PRICE_OFF"] >= 2  # the armed pair; the seeded 15% rate adds more
    assert row["retries"] == replies["PRICE_OFF"] - rejected


def test_no_money_rejects_are_counted_by_reason_and_never_retried(results) -> None:
    row, replies = _row(results, "no_money"), _replies(results, "no_money")
    assert _reasons(results, "no_money") == {"NO_MONEY": 2}
    assert replies["NO_MONEY"] == 2 and row["rejected"] == 2
    assert row["retries"] == 0


def test_the_disconnect_came_with_a_position_open_and_the_session_went_on(results) -> None:
    step = _step(results, "disconnect_with_open_position", "disconnect")
    assert step["terminal_position"] != 0
    assert step["nautilus_position"] == step["terminal_position"]
    row = _row(results, "disconnect_with_open_position")
    assert row["faults_met"] == DISCONNECT_CALLS  # every failing call of the outage happened
    later = results.sends[results.sends["scenario"] == "disconnect_with_open_position"]
    assert len(later) == row["sends"] and row["filled"] > 0


def test_the_restart_with_a_position_open_gives_it_back_to_the_strategy(results) -> None:
    step = _step(results, "restart_mid_session", "restart")
    assert step["terminal_position"] != 0
    assert step["nautilus_position_after"] == step["terminal_position"]
    assert step["position_owners_after"] == "AgentStrategy-000"  # not EXTERNAL
    row = _row(results, "restart_mid_session")
    assert row["restarts"] == 1 and row["external_orders"] == 0


def test_a_timed_out_send_that_executed_is_found_not_resent(results) -> None:
    row, replies = _row(results, "send_timeout"), _replies(results, "send_timeout")
    assert replies["TIMEOUT"] == 1
    assert row["retries"] == 0 and row["rejected"] == 0
    assert row["sends"] == row["filled"]


def test_the_risk_rules_run_on_the_live_node(results) -> None:
    assert (results.table["risk_events"] > 0).all()
    assert results.table["terminal_position"].abs().max() <= CAP
    assert results.steps["terminal_position"].abs().max() <= CAP


def test_a_step_that_waits_for_a_position_that_never_comes_is_reported_unapplied() -> None:
    scenario = StressScenarioConfig(
        name="never_long",
        description="an EMA cross that is not warm within 3 bars never holds a position",
        market=SCENARIOS["no_money"].market,
        n_bars=3,
        steps=(FaultStep(bar=1, fault="restart", with_position=True),),
    )
    flat = AgentSpec(name="flat", agent="ema_cross", params={"fast": 40, "slow": 50})
    row = run_execution_stress([scenario], flat, progress=False).table.iloc[0]
    assert row["unapplied_steps"] == 1 and row["restarts"] == 0
    assert row["submitted"] == 0 and row["positions_equal"]


def test_duplicate_scenario_names_are_refused() -> None:
    scenario = SCENARIOS["no_money"]
    with pytest.raises(ConfigError, match="share a `name`"):
        run_execution_stress([scenario, scenario], AGENT, progress=False)


@pytest.fixture(scope="module")
def portfolio() -> StressResults:
    scenarios = builtin_portfolio_stress_scenarios(FAST_STRESS_BARS)
    return run_execution_stress(list(scenarios.values()), AGENT, progress=False)


REBALANCE_EVERY = PORTFOLIO_AGENT.params["rebalance_every"]


def _sends(results: StressResults, name: str, symbol: str) -> pd.DataFrame:
    sends = results.sends
    return sends[(sends["scenario"] == name) & (sends["symbol"] == symbol)]


@pytest.mark.parametrize("name", sorted(builtin_portfolio_stress_scenarios(FAST_STRESS_BARS)))
def test_every_portfolio_scenario_ends_with_every_symbols_positions_equal(
    portfolio: StressResults, name: str
) -> None:
    row = _row(portfolio, name)
    assert (
        row["agent"] == PORTFOLIO_AGENT.name and row["bars"] == FAST_STRESS_BARS and row["settled"]
    )
    per_symbol = portfolio.symbols[portfolio.symbols["scenario"] == name]
    assert tuple(per_symbol["symbol"]) == PORTFOLIO_SYMBOLS
    assert per_symbol["positions_equal"].all() and row["positions_equal"]
    assert (per_symbol["nautilus_position"] == per_symbol["terminal_position"]).all()
    assert (per_symbol["terminal_position"] > 0).all()  # every leg bought in the end
    assert row["duplicated_orders"] == row["duplicated_fills"] == 0
    assert row["unmatched_deals"] == row["phantom_fills"] == row["external_orders"] == 0
    assert row["faults_met"] == row["faults_armed"] == 1 and row["unapplied_steps"] == 0
    assert _reasons(portfolio, name) == {"REJECT": 1}
    assert per_symbol["submitted"].sum() == row["submitted"]


def test_a_rejected_leg_is_bought_at_the_next_rebalance_and_only_it(portfolio) -> None:
    name = "portfolio_leg_rejected"
    first = portfolio.sends[portfolio.sends["scenario"] == name]["bar"].min()
    rejected = _sends(portfolio, name, PORTFOLIO_SYMBOLS[0])
    assert list(zip(rejected["bar"], rejected["retcode"], strict=True)) == [
        (first, "REJECT"),
        (first + REBALANCE_EVERY, "DONE"),
    ]
    for symbol in PORTFOLIO_SYMBOLS[1:]:  # filled at the first rebalance, at target since
        filled = _sends(portfolio, name, symbol)
        assert list(zip(filled["bar"], filled["retcode"], strict=True)) == [(first, "DONE")]


def test_a_stalled_leg_is_held_until_its_bars_are_back(portfolio) -> None:
    """Every decision of the stall is taken without the stalled symbol (after the agent's wait),
    the rejected leg is not bought on its stale price, and is bought once its bars are back;
    the late bars arriving at once add no decision."""
    name = "portfolio_feed_stall"
    stall = _step(portfolio, name, "stall")
    row = _row(portfolio, name)
    assert row["partial_decisions"] == STALL_BARS
    assert row["decisions"] == _row(portfolio, "portfolio_leg_rejected")["decisions"]
    stalled = _sends(portfolio, name, PORTFOLIO_SYMBOLS[0])
    assert list(stalled["retcode"]) == ["REJECT", "DONE"]
    (retried,) = stalled["bar"][stalled["retcode"] == "DONE"]
    assert retried >= stall["bar"] + STALL_BARS  # not while its feed stalled
    assert retried > stalled["bar"].iloc[0] + REBALANCE_EVERY  # a rebalance was held


def test_a_single_instrument_rule_cannot_trade_a_portfolio_scenario() -> None:
    scenario = builtin_portfolio_stress_scenarios(FAST_STRESS_BARS)["portfolio_leg_rejected"]
    rule = AgentSpec(name="ema", agent="ema_cross")
    with pytest.raises(ConfigError, match="'ema_cross' is a single-instrument rule"):
        run_execution_stress([scenario], AGENT, portfolio_agent=rule, progress=False)


@pytest.mark.slow
def test_every_retried_fault_at_seeded_rates_with_outages_and_restarts_duplicates_nothing() -> None:
    """A chaos session: requotes, timeouts that executed, lost connections, off quotes and price
    changes drawn on every send, two outages and two restarts over 60 decision bars."""
    scenario = StressScenarioConfig(
        name="chaos",
        description="every retried fault at seeded rates, outages and restarts",
        market=builtin_stress_scenarios(70)["no_money"].market,
        n_bars=60,
        fault_rates={
            "requote": 0.15,
            "timeout": 0.3,
            "connection": 0.2,
            "off_quotes": 0.1,
            "price_changed": 0.1,
        },
        seed=1,
        steps=(
            FaultStep(bar=10, fault="disconnect", count=8, with_position=True),
            FaultStep(bar=20, fault="restart", with_position=True),
            FaultStep(bar=30, fault="timeout", count=3),
            FaultStep(bar=40, fault="restart"),
            FaultStep(bar=45, fault="disconnect", count=30),
        ),
    )
    agent = AgentSpec(name="random", agent="random", seed=1)
    results = run_execution_stress([scenario], agent, progress=False)
    row = results.table.iloc[0]
    replies = results.sends["retcode"].value_counts()
    assert {"TIMEOUT", "CONNECTION", "REQUOTE"} <= set(replies.index)
    assert row["restarts"] == 2 and row["faults_met"] == row["faults_armed"]
    assert row["retries"] > 0 and row["settled"] and row["positions_equal"]
    assert row["duplicated_orders"] == row["duplicated_fills"] == 0
    assert row["unmatched_deals"] == row["phantom_fills"] == row["external_orders"] == 0
