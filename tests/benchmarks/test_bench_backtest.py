"""`benchmarks/bench_backtest.py`'s baseline, the plain `PlainEMACross` strategy, trades exactly as
the library's `EMACrossAgent` does through `RLAgent` + `AgentStrategy`, so their ratio is the
agent path's cost alone."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import msgspec

from nautilus_rl_lab.agents.rules import EMACrossAgent
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.evaluation import add_agent, backtest_engine, market_for
from nautilus_rl_lab.nt.backtest import BacktestEngine
from nautilus_rl_lab.nt.model import OrderStatus
from nautilus_rl_lab.training.demo import demo_config


def fills(engine: BacktestEngine) -> list[tuple[str, str, str, int]]:
    """(side, quantity, average price, time) of each filled order after one run."""
    try:
        engine.run()
        orders = [o for o in engine.cache.orders() if o.status == OrderStatus.FILLED]
        return sorted((str(o.side), str(o.quantity), str(o.avg_px), o.ts_last) for o in orders)
    finally:
        engine.dispose()


def test_the_plain_baseline_fills_the_orders_of_the_ema_cross_agent(
    benchmark_module: Callable[[str], ModuleType], tmp_path: Path
) -> None:
    plain_ema_cross = benchmark_module("plain_ema_cross")
    data = DataSourceConfig(kind="sample", start="2017-03-01", end="2017-04-01")
    config = msgspec.structs.replace(demo_config(tmp_path, fast=True).env, data=data)
    market = market_for(config)
    trade_size = Decimal(config.action.params["trade_size"])

    # one engine at a time: on 2.0 a second live engine in the thread takes the first one's bars
    plain = backtest_engine(config, market, config.risk)
    plain.add_strategy(plain_ema_cross.PlainEMACross.on(market, trade_size, 10, 20))
    plain_fills = fills(plain)
    agent = backtest_engine(config, market, config.risk)
    add_agent(agent, EMACrossAgent(10, 20, action=config.action), config, market, config.risk)

    assert len(plain_fills) > 10  # a month of hourly bars: crosses both ways, flips of two orders
    assert plain_fills == fills(agent)
