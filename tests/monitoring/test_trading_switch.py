"""`TradingSwitch`: the kill switch's trading state reaches our strategies' decision path."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.monitoring.trading_switch import TradingSwitch
from nautilus_rl_lab.nodes.training import TrainingNode
from nautilus_rl_lab.nt.model import TradingState
from tests.strategies.test_execution import CLOSES, cash_equity_config, daily_equity_frame


@pytest.fixture
def env() -> TrainingNode:
    node = TrainingNode(cash_equity_config(), frame=daily_equity_frame(CLOSES))
    yield node
    node.close()


def test_the_switch_sets_every_decision_path_and_skips_other_components(env) -> None:
    switch = TradingSwitch([env.strategy, object()])
    assert switch.state == TradingState.ACTIVE
    switch.set(TradingState.REDUCING)
    assert switch.state == TradingState.REDUCING
    assert env.strategy.path.trading_state == TradingState.REDUCING
    switch.set(TradingState.ACTIVE)
    assert env.strategy.path.trading_state == TradingState.ACTIVE
