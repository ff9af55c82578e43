"""Monitoring overhead: bars/s of RLAgent + AgentStrategy in a BacktestEngine, with and without
the MonitorActor (run store writes, metrics, rule checks every simulated hour). JSON lines."""

from __future__ import annotations

import json
import tempfile
import time

from nautilus_rl_lab.agents import BuyAndHoldAgent, RLAgent, RLAgentConfig
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.evaluation.backtest import market_for
from nautilus_rl_lab.monitoring import AlertRules, MonitorActor, MonitorConfig
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.nodes.engine import build_engine
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.strategies import AgentStrategy, AgentStrategyConfig

ACTION = SchemeConfig(name="target_position", params={"trade_size": 10_000})
CONFIG = TrainingNodeConfig(
    data=DataSourceConfig(kind="synthetic", generator="gbm", params={"n_bars": 5_000, "seed": 1}),
    observation=SchemeConfig(name="window", params={"window": 8}),
    action=ACTION,
)


def run(monitor: bool) -> float:
    market = market_for(CONFIG)
    engine = build_engine(CONFIG.venue, market, execution=CONFIG.execution, log_level="ERROR")
    instrument = market.instrument.id
    engine.add_actor(RLAgent(RLAgentConfig(instrument_id=instrument, bar_type=market.bar_type,
                                           observation=CONFIG.observation, action=ACTION),
                             agent=BuyAndHoldAgent(ACTION)))  # fmt: skip
    engine.add_strategy(AgentStrategy(AgentStrategyConfig(instrument_id=instrument, action=ACTION)))
    if monitor:
        run_dir = tempfile.mkdtemp(prefix="nrl-bench-monitor-")
        engine.add_actor(MonitorActor(MonitorConfig(
            run_dir=run_dir, instrument_id=instrument, bar_type=market.bar_type,
            sample_interval_secs=3600.0, rules=AlertRules(stale_feed_secs=None))))  # fmt: skip
    started = time.perf_counter()
    engine.run()
    elapsed = time.perf_counter() - started
    bars = len(market.bars)
    engine.dispose()
    return bars / elapsed


if __name__ == "__main__":
    for monitor in (False, True, False, True):
        print(
            json.dumps(
                {"bench": "monitor_overhead", "monitor": monitor, "bars_per_s": round(run(monitor))}
            )
        )
