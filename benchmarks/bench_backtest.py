"""Benchmark: backtest bars/s of a trained agent (`RLAgent` + `AgentStrategy`) next to a plain
Nautilus strategy on the same bars, in the same engine configuration.

Prints one JSON line per strategy (`make bench`), figure `backtest`:

- `ppo`: a PPO agent trained here first (demo config and hyperparameters, `--train-steps`
  env steps, saved as an agent bundle and loaded from it; nothing is downloaded);
- `random_agent`: a seeded `RandomAgent` on the same path (as many orders as an untrained
  policy, without its network: the difference to `ppo` is the policy's inference);
- `ema_cross_agent`: the library's `EMACrossAgent` (10/20) through the same `RLAgent` +
  `AgentStrategy` path (the observation is still built every bar);
- `plain_ema_cross`: the same EMA cross (10/20) as a plain Nautilus `Strategy` (`PlainEMACross`,
  the logic of Nautilus' 1.x example `EMACross`, which 2.0 no longer ships), the baseline.

All four run over the whole bundled sample (~6,200 bars) with the demo's observation (window
8, EMA 20, RSI 14) and action (target position, 100k units), in an engine from
`evaluation.backtest_engine` (what `run_backtest` uses); a fresh engine per run, only
`engine.run()` timed, runs interleaved `--repeats` times, medians reported;
`ratio_to_plain` is each strategy's bars/s over `PlainEMACross`'s. Runs on NautilusTrader 1.221
and 2.0 alike.
Usage: `python benchmarks/bench_backtest.py [--repeats 5] [--train-steps 2048]`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import msgspec
import torch
from harness import emit_medians, interleaved
from plain_ema_cross import PlainEMACross

from nautilus_rl_lab.agents import load_agent
from nautilus_rl_lab.agents.rules import EMACrossAgent
from nautilus_rl_lab.agents.simple import RandomAgent
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.evaluation import add_agent, backtest_engine, market_for
from nautilus_rl_lab.nodes.engine import MarketData
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.nt.backtest import BacktestEngine
from nautilus_rl_lab.nt.model import OrderStatus
from nautilus_rl_lab.schemes.registry import build_action
from nautilus_rl_lab.training import train
from nautilus_rl_lab.training.demo import demo_config

FAST, SLOW = 10, 20


def train_agent(run_dir: Path, steps: int) -> tuple[Path, TrainingNodeConfig]:
    """PPO with the demo's config for `steps` env steps (no evaluation, no checkpoints)."""
    config = msgspec.structs.replace(
        demo_config(run_dir, fast=False),
        total_timesteps=steps,
        vec_env="dummy",
        eval_data=None,
        test_data=None,
        checkpoint_freq=0,
        tensorboard=False,
        progress_bar=False,
    )
    return train(config).final_agent, config.env


def timed_run(engine: BacktestEngine, bars: int) -> tuple[float, int]:
    """Bars/s of one `engine.run()` and the orders it filled; the engine is disposed."""
    try:
        started = time.perf_counter()
        engine.run()
        elapsed = time.perf_counter() - started
        return bars / elapsed, sum(o.status == OrderStatus.FILLED for o in engine.cache.orders())
    finally:
        engine.dispose()


def runners(
    config: TrainingNodeConfig, market: MarketData, agent_dir: Path
) -> dict[str, Callable[[], tuple[float, int]]]:
    """One function per strategy: a fresh engine with it, run once."""
    bars = len(market.bars)
    space = build_action(config.action).space

    def agent_run(make_agent: Callable) -> Callable[[], tuple[float, int]]:
        def run() -> tuple[float, int]:
            engine = backtest_engine(config, market, config.risk)
            add_agent(engine, make_agent(), config, market, config.risk)
            return timed_run(engine, bars)

        return run

    def plain_run() -> tuple[float, int]:
        engine = backtest_engine(config, market, config.risk)
        trade_size = Decimal(config.action.params["trade_size"])
        engine.add_strategy(PlainEMACross.on(market, trade_size, FAST, SLOW))
        return timed_run(engine, bars)

    return {
        "ppo": agent_run(lambda: load_agent(agent_dir)),
        "random_agent": agent_run(lambda: RandomAgent(space, seed=0)),
        "ema_cross_agent": agent_run(lambda: EMACrossAgent(FAST, SLOW, action=config.action)),
        "plain_ema_cross": plain_run,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--train-steps", type=int, default=2048)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory(prefix="nrl-bench-backtest-") as tmp:
        agent_dir, train_env = train_agent(Path(tmp), args.train_steps)
        config = msgspec.structs.replace(train_env, data=DataSourceConfig(kind="sample"))
        market = market_for(config)
        orders: dict[str, int] = {}

        def rate_of(run: Callable[[], tuple[float, int]], name: str) -> Callable[[], float]:
            def call() -> float:
                rate, orders[name] = run()
                return rate

            return call

        runs = runners(config, market, agent_dir)
        samples = interleaved(
            {name: rate_of(run, name) for name, run in runs.items()}, args.repeats
        )
    emit_medians(
        "backtest",
        "strategy",
        samples,
        unit="bars_per_s",
        baseline="plain_ema_cross",
        ratio="ratio_to_plain",
        fields={"bars": len(market.bars), "train_steps": args.train_steps, "repeats": args.repeats},
        per_run={name: {"orders_filled": n} for name, n in orders.items()},
    )


if __name__ == "__main__":
    main()
