"""nt.strategy_ids: a strategy gets 1.221's id and order-id tag."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.nt.engine import create_engine
from nautilus_rl_lab.nt.risk import RiskEngineConfig
from nautilus_rl_lab.nt.strategy_ids import StrategyIdentity, strategy_identity
from nautilus_rl_lab.nt.trading import Strategy, StrategyConfig


class AgentStrategy(Strategy):
    pass


# (strategy_id, order_id_tag) -> the id a trader holds the strategy under (1.221's rule)
IDS = {
    (None, None): "AgentStrategy-000",
    ("AGENT-001", None): "AGENT-000",
    ("GYM-001", None): "GYM-000",
    (None, "007"): "AgentStrategy-007",
    ("AGENT-001", "000"): "AGENT-001-000",
}


@pytest.mark.parametrize(("config", "expected"), IDS.items())
def test_an_added_strategy_has_1_221s_id(
    config: tuple[str | None, str | None], expected: str
) -> None:
    strategy_id, tag = config
    engine = create_engine(
        trader_id="BACKTESTER-001",
        log_level="ERROR",
        bypass_logging=True,
        run_analysis=False,
        risk_engine=RiskEngineConfig(),
    )
    strategy = AgentStrategy(StrategyConfig(strategy_id=strategy_id, order_id_tag=tag))
    engine.add_strategy(strategy)
    assert str(strategy.id) == expected
    assert strategy_identity("AgentStrategy", strategy_id, tag).strategy_id == expected
    engine.dispose()


def test_an_untagged_strategys_tag_is_its_index_in_the_trader() -> None:
    assert strategy_identity("S", "AGENT-001", None, index=2) == StrategyIdentity(
        "AGENT-002", "002"
    )
    assert strategy_identity("S", "AGENT-001", "000", index=2) == StrategyIdentity(
        "AGENT-001-000", "000"
    )
