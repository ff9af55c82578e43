"""RLAgent + AgentStrategy: parity with TrainingNode, importable configs, message bus wiring."""

from __future__ import annotations

import json
from dataclasses import dataclass

import msgspec
import pandas as pd
import pytest

from nautilus_rl_lab.agents import PolicyAgent, RLAgent, RLAgentConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes import TrainingNode, build_engine
from nautilus_rl_lab.nt.analysis import ReportProvider
from nautilus_rl_lab.nt.common import ImportableActorConfig
from nautilus_rl_lab.nt.components import add_actor, create_actor, create_strategy
from nautilus_rl_lab.nt.engine import run_engine
from nautilus_rl_lab.nt.trading import ImportableStrategyConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.strategies import RiskLimits, risk_engine_config
from tests.conftest import assert_python_error

from .conftest import fixed_policy, small_env_config

FILL_COLUMNS = ["order_side", "last_qty", "last_px", "commission", "ts_event"]


def _importable_pair(config, market, agent_path: str) -> tuple[RLAgent, object]:
    schemes = {"observation": config.observation.dict(), "action": config.action.dict()}
    actor = create_actor(
        ImportableActorConfig(
            actor_path="nautilus_rl_lab.agents:RLAgent",
            config_path="nautilus_rl_lab.agents:RLAgentConfig",
            config={
                "instrument_id": str(market.instrument.id),
                "bar_type": str(market.bar_type),
                "agent_path": agent_path,
                **schemes,
            },
        )
    )
    strategy = create_strategy(
        ImportableStrategyConfig(
            strategy_path="nautilus_rl_lab.strategies:AgentStrategy",
            config_path="nautilus_rl_lab.strategies:AgentStrategyConfig",
            config={
                "instrument_id": str(market.instrument.id),
                "action": config.action.dict(),
                "risk": config.risk.dict(),
            },
        )
    )
    return actor, strategy


@dataclass
class _BothRuns:
    env_fills: pd.DataFrame
    plain_fills: pd.DataFrame
    env_balance: float
    plain_balance: float
    env_events: list[dict]
    plain_events: list[dict]
    actions_published: int
    actions_received: int
    bars_handled: int
    bars: int
    last_bar_ts: int


def _run_in_training_node_and_plain_backtest(tmp_path, env_config) -> _BothRuns:
    """The same saved policy, deterministic, in a TrainingNode and as RLAgent + AgentStrategy."""
    path = fixed_policy(env_config).save(tmp_path / "policy")
    policy = PolicyAgent.load(path)
    env = TrainingNode(env_config)
    env_events: list[dict] = []
    try:
        obs, info = env.reset()
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(policy.act(obs))
            env_events += info["risk_events"]
            done = terminated or truncated
        env_fills = env.fills()[FILL_COLUMNS].reset_index(drop=True)
        market = env.market
        last_bar_ts = env.history[-1]["ts"]  # the env observes the last bar but cannot act on it
    finally:
        env.close()

    engine = build_engine(  # a plain Nautilus BacktestEngine
        env_config.venue,
        market,
        risk_engine=risk_engine_config(env_config.risk, market.instrument.id),
    )
    actor, strategy = _importable_pair(env_config, market, str(path))
    add_actor(engine, actor)
    engine.add_strategy(strategy)
    run_engine(engine)
    fills = ReportProvider.generate_fills_report(engine.cache.orders())
    plain_fills = fills[FILL_COLUMNS].reset_index(drop=True)
    balance = engine.portfolio.account(market.instrument.id.venue).balance_total().as_double()
    assert actor.save() == {}  # without a path it is Nautilus' own Actor.save() (state dict)
    actor.load({})  # on an instance, load(state) is Nautilus' Actor.load
    engine.dispose()
    return _BothRuns(
        env_fills,
        plain_fills,
        info["balance"],
        balance,
        env_events,
        [event.to_dict() for event in strategy.risk_events],
        actor.actions_published,
        strategy.actions_received,
        actor.bars_handled,
        len(market.bars),
        last_bar_ts,
    )


def test_parity_policy_trades_identically_in_training_node_and_plain_backtest(
    tmp_path, env_config
) -> None:
    runs = _run_in_training_node_and_plain_backtest(tmp_path, env_config)
    assert len(runs.env_fills) > 30  # the policy trades a lot: the comparison has teeth
    assert set(runs.env_fills["order_side"]) == {"BUY", "SELL"}
    pd.testing.assert_frame_equal(runs.env_fills, runs.plain_fills)
    assert runs.plain_balance == pytest.approx(runs.env_balance, abs=1e-9)
    assert runs.actions_published == runs.actions_received > len(runs.env_fills)
    # every bar is handled, also those the warm-up leaves without a decision
    assert runs.bars_handled == runs.bars > runs.actions_published
    assert runs.env_events == runs.plain_events == []


ALL_RULES = RiskLimits(
    stop_loss=0.0015, take_profit=0.002, max_drawdown=0.04, trading_hours=(6, 20)
)


@pytest.mark.parametrize("protection", ["venue", "close"])
def test_parity_with_stop_loss_take_profit_drawdown_halt_and_trading_hours_all_on(
    tmp_path, protection
) -> None:
    risk = msgspec.structs.replace(ALL_RULES, protection=protection)
    action = SchemeConfig(name="target_position", params={"trade_size": 500_000})
    runs = _run_in_training_node_and_plain_backtest(
        tmp_path, small_env_config(action=action, risk=risk)
    )
    rules = {event["rule"] for event in runs.env_events}
    assert {"stop_loss", "take_profit", "max_drawdown", "trading_hours"} <= rules
    assert len(runs.env_fills) > 20
    pd.testing.assert_frame_equal(runs.env_fills, runs.plain_fills)
    assert runs.plain_balance == pytest.approx(runs.env_balance, abs=1e-9)
    assert runs.env_events == [e for e in runs.plain_events if e["ts_ns"] < runs.last_bar_ts]
    assert runs.actions_published == runs.actions_received


def test_rl_agent_save_and_class_load_round_trip(tmp_path, env_config) -> None:
    instrument_id = "EUR/USD.SIM"
    config = RLAgentConfig(
        instrument_id=instrument_id,
        bar_type=f"{instrument_id}-1-HOUR-ASK-EXTERNAL",
        observation=env_config.observation,
    )
    actor = RLAgent(config, agent=fixed_policy(env_config))
    directory = actor.save(tmp_path / "rl")
    loaded = RLAgent.load(directory)
    assert isinstance(loaded, RLAgent) and loaded.config.observation == env_config.observation
    obs = [[0.1 * i] * env_config.observation.params["window"] * 5 for i in range(5)]
    for o in obs:
        vector = [*o, 0.2, 0.0, 0.0]
        assert loaded.act(vector) == actor.act(vector)


def test_rl_agent_without_policy_says_what_to_do() -> None:
    config = RLAgentConfig(instrument_id="EUR/USD.SIM", bar_type="EUR/USD.SIM-1-HOUR-ASK-EXTERNAL")
    with pytest.raises(ConfigError, match="agent_path"):
        RLAgent(config)
    with pytest.raises(Exception, match="bogus"):
        RLAgentConfig.parse(
            b'{"instrument_id": "EUR/USD.SIM", "bar_type": "EUR/USD.SIM-1-HOUR-ASK-EXTERNAL", "bogus": 1}'
        )


def test_rl_agent_load_of_a_hand_edited_config_raises_naming_file_and_field(
    tmp_path, env_config
) -> None:
    instrument_id = "EUR/USD.SIM"
    config = RLAgentConfig(
        instrument_id=instrument_id,
        bar_type=f"{instrument_id}-1-HOUR-ASK-EXTERNAL",
        observation=env_config.observation,
    )
    directory = RLAgent(config, agent=fixed_policy(env_config)).save(tmp_path / "rl")
    file = directory / "rl_agent.json"
    file.write_text(file.read_text().replace('"component_id":null', '"component_id":"Agént"'))
    assert "Agént" in file.read_text()
    code = f"from nautilus_rl_lab.agents import RLAgent\nRLAgent.load({str(directory)!r})\n"
    assert_python_error(code, "ConfigError", "rl_agent.json: `component_id`")  # was SIGABRT


def test_rl_agent_load_of_a_config_with_a_wrong_type_names_file_field_and_value(
    tmp_path, env_config
) -> None:
    config = RLAgentConfig(
        instrument_id="EUR/USD.SIM",
        bar_type="EUR/USD.SIM-1-HOUR-ASK-EXTERNAL",
        observation=env_config.observation,
    )
    directory = RLAgent(config, agent=fixed_policy(env_config)).save(tmp_path / "rl")
    file = directory / "rl_agent.json"
    data = json.loads(file.read_text())
    file.write_text(json.dumps({**data, "bar_type": 60}))
    with pytest.raises(
        ConfigError, match=r"rl_agent.json: invalid RLAgentConfig: .*bar_type`, was 60"
    ):
        RLAgent.load(directory)
