"""The string checks run before Nautilus parses a config value (a bad one would abort the process).

Each rejected value is also handed to Nautilus' own parser in a fresh interpreter, to prove the
check stands for something real: that parser raises an error that names no config field (on
1.221 it aborted the process).
"""

from __future__ import annotations

import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.importable import ImportableActorConfig, ImportableStrategyConfig
from nautilus_rl_lab.validation import (
    check_choice,
    check_component_config,
    check_currency,
    check_instrument_id,
    check_known,
    check_log_level,
    check_minimum,
    check_notional_map,
    check_positive,
    check_rate_limit,
    check_strategy_id,
    check_symbol,
    check_trader_id,
)
from tests.conftest import run_python

STRATEGY = "nautilus_rl_lab.strategies.agent_strategy"
ACTOR = "nautilus_rl_lab.agents.rl_agent"

LOG_LEVEL_FROM_STR = "from nautilus_trader.common import LogLevel; LogLevel.from_str({!r})"
# 2.0 raises a ValueError that names no config field (exit 1); 1.221 aborted (SIGABRT)
NAUTILUS_REFUSAL = 1

# (check, rejected value, what Nautilus does with it in a fresh interpreter)
NAUTILUS_ABORTS = [
    (
        check_trader_id,
        "BAD",
        "from nautilus_rl_lab.nt.model import TraderId as T; T({!r})",
    ),
    (
        check_trader_id,
        "É-1",
        "from nautilus_rl_lab.nt.model import TraderId as T; T({!r})",
    ),
    (
        check_strategy_id,
        "é-1",
        "from nautilus_rl_lab.nt.model import StrategyId as S; S({!r})",
    ),
    (check_log_level, "ERR", LOG_LEVEL_FROM_STR),
    (check_log_level, "INFO ", LOG_LEVEL_FROM_STR),
]


@pytest.mark.parametrize(("check", "value", "nautilus"), NAUTILUS_ABORTS)
def test_rejects_what_aborts_nautilus(check, value, nautilus) -> None:
    with pytest.raises(ConfigError, match="`the_field`"):
        check("the_field", value)
    result = run_python(nautilus.format(value))
    assert result.returncode == NAUTILUS_REFUSAL, result.stderr  # why the check exists


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (check_trader_id, ["TRADER-001", "A-B-C"], ["", " ", "TRADER", "TRÄDER-1", None]),
        (check_strategy_id, ["EMACross-001", "EXTERNAL"], ["EMACross", "é-1", ""]),
        (check_symbol, ["EURUSD", "EUR/USD", "#AAPL", "EURUSD.m"], ["", " ", " EURUSD", 3]),
        (
            check_instrument_id,
            ["EURUSD.MT5", "EUR/USD.SIM", "EURUSD.m.MT5"],
            ["EURUSD", ".MT5", "EURUSD.", "EURUSD. ", "EURUSD.MTÉ", None],
        ),
        (
            check_log_level,
            ["INFO", "info", "Warning", "WARN", "ERROR", "OFF", "TRACE", "DEBUG"],
            ["ERR", "INFO ", "", "VERBOSE", 3],
        ),
        (
            check_rate_limit,
            ["100/00:00:01", "5/00:01:00", "1/00:00:00.5"],
            ["bad", "100", "0/00:00:01", "100/00:00:00", "100/1", "100/1s", "-1/00:00:01"],
        ),
        (check_currency, ["USD", "EUR", "JPY"], ["usd", "XYZ", "", "US D", None]),
    ],
)
def test_accepts_what_nautilus_parses_and_rejects_the_rest(check, good, bad) -> None:
    for value in good:
        assert check("f", value) == value
    for value in bad:
        with pytest.raises(ConfigError, match="`f"):
            check("f", value)


def test_notional_map_checks_ids_and_amounts() -> None:
    assert check_notional_map("caps", {"EURUSD.MT5": 1_000_000, "GBPUSD.MT5": "5e5"})
    for bad in ({"EURUSD": 1}, {"EURUSD.MT5": 0}, {"EURUSD.MT5": "x"}, {"EURUSD.MT5": "nan"}):
        with pytest.raises(ConfigError, match="`caps"):
            check_notional_map("caps", bad)


def _strategy(**config: object) -> ImportableStrategyConfig:
    return ImportableStrategyConfig(
        strategy_path=f"{STRATEGY}:AgentStrategy",
        config_path=f"{STRATEGY}:AgentStrategyConfig",
        config=config,
    )


def test_component_config_checks_fields_typed_as_nautilus_identifiers() -> None:
    check_component_config(
        "s", _strategy(instrument_id="EURUSD.MT5", order_id_tag="001", oms_type="netting")
    )
    cases = [
        (_strategy(instrument_id="EURUSD"), "`s.config.instrument_id`"),
        (_strategy(external_order_claims=["EURUSD.MT5", "É"]), "`s.config.external_order_claims`"),
        (_strategy(strategy_id="NoHyphen"), "`s.config.strategy_id`"),
        (_strategy(order_id_tag="é"), "`s.config.order_id_tag`"),
        (_strategy(oms_type="BOGUS"), "`s.config.oms_type`"),
        (
            ImportableActorConfig(
                actor_path=f"{ACTOR}:RLAgent",
                config_path=f"{ACTOR}:RLAgentConfig",
                config={"component_id": "Agént"},
            ),
            "`s.config.component_id`",
        ),
        (
            ImportableStrategyConfig(strategy_path="x:y", config_path="no.such:Config", config={}),
            "`s.config_path`",
        ),
    ]
    for component, field in cases:
        with pytest.raises(ConfigError, match=field):
            check_component_config("s", component)


def test_choice_names_the_field_the_choices_and_the_value() -> None:
    assert check_choice("mode", "keep", ("cancel", "keep")) == "keep"
    assert check_choice("level", "info", ("INFO", "ERROR"), upper=True) == "info"
    with pytest.raises(
        ConfigError, match=r"^`mode` must be one of cancel, keep, was 'kep' \(hint\)$"
    ):
        check_choice("mode", "kep", ("cancel", "keep"), note=" (hint)")
    with pytest.raises(ConfigError, match=r"`level` must be one of INFO, ERROR, was 3"):
        check_choice("level", 3, ("INFO", "ERROR"), upper=True)


def test_known_names_the_field_the_value_and_the_names_to_use() -> None:
    assert check_known("algorithm", "ppo", ("A2C", "PPO"), upper=True) == "ppo"
    with pytest.raises(
        ConfigError, match=r"^`vec_env` 'fork' is unknown: use one of dummy, subproc$"
    ):
        check_known("vec_env", "fork", ("dummy", "subproc"))


@pytest.mark.parametrize("value", [0, -1.5, float("nan")])
def test_positive_refuses_zero_negatives_and_nan(value: float) -> None:
    assert check_positive("speed", 2.5) == 2.5
    with pytest.raises(ConfigError, match=r"^`speed` must be positive, was "):
        check_positive("speed", value)


@pytest.mark.parametrize("value", [0, -1, float("nan"), None])
def test_minimum_names_the_field_the_bound_and_the_value(value: float | None) -> None:
    assert check_minimum("n_envs", 1, 1) == 1
    with pytest.raises(ConfigError, match=r"^`n_envs` must be >= 1, was "):
        check_minimum("n_envs", value, 1)


def test_minimum_strict_optional_and_its_wording() -> None:
    assert check_minimum("window", None, 1, optional=True) is None
    assert check_minimum("penalty", 0.0, 0) == 0.0
    with pytest.raises(ConfigError, match=r"^`lag` must be > 0 s or None, was 0$"):
        check_minimum("lag", 0, 0, strict=True, optional=True, what=" s")


def test_positive_and_finite_refuses_infinity_with_its_wording() -> None:
    assert check_positive("speed", float("inf")) == float("inf")
    with pytest.raises(ConfigError, match=r"^`t` must be positive \(s\), was inf; hint$"):
        check_positive("t", float("inf"), finite=True, what=" (s)", note="; hint")
