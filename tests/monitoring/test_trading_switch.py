"""`TradingSwitch`: the kill switch's trading state reaches our strategies' decision path on both
lines, and Nautilus' risk engine where Python can reach it (1.221)."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.monitoring.trading_switch import TradingSwitch
from nautilus_rl_lab.nodes.training import TrainingNode
from nautilus_rl_lab.nt.engine import engine_kernel
from nautilus_rl_lab.nt.model import TradingState
from nautilus_rl_lab.nt.version import NT2
from tests.strategies.test_execution import CLOSES, cash_equity_config, daily_equity_frame


@pytest.fixture
def env() -> TrainingNode:
    node = TrainingNode(cash_equity_config(), frame=daily_equity_frame(CLOSES))
    yield node
    node.close()


def test_the_switch_sets_every_decision_path_and_skips_other_components(env) -> None:
    switch = TradingSwitch(None, [env.strategy, object()])
    assert switch.state == TradingState.ACTIVE
    switch.set(TradingState.REDUCING)
    assert switch.state == TradingState.REDUCING
    assert env.strategy.path.trading_state == TradingState.REDUCING
    switch.set(TradingState.ACTIVE)
    assert env.strategy.path.trading_state == TradingState.ACTIVE


@pytest.mark.skipif(NT2, reason="2.0 offers Python no risk engine trading state")
def test_the_switch_sets_and_reads_the_risk_engine_where_it_is_reachable(env) -> None:
    risk_engine = engine_kernel(env.engine).risk_engine
    switch = TradingSwitch(risk_engine, [env.strategy])
    switch.set(TradingState.HALTED)
    assert TradingState(risk_engine.trading_state) == TradingState.HALTED
    assert env.strategy.path.trading_state == TradingState.HALTED
    risk_engine.set_trading_state(TradingState.REDUCING)  # e.g. the node's own halt on error
    assert switch.state == TradingState.REDUCING
