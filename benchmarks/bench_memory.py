"""Benchmark: memory per env, the RSS added by each additional `TrainingNode` next to each
additional plain Nautilus `BacktestEngine` over the same bars.

Prints one JSON line per kind (`make bench`), figure `memory`:

- `training_node`: `TrainingNode(TrainingNodeConfig(seed=i))` (the bundled sample, default
  schemes, 256-step episodes), created and `reset()`;
- `plain_engine`: the baseline, an engine from `build_engine` with the same venue over its own
  copy of the same bars and quote ticks (as each env prepares its own) and a strategy that
  subscribes to the bars and does nothing, run over the whole sample.

Each kind runs in its own fresh (`spawn`) process: one object first (imports, first-use
caches: `first_rss_mb`), then `--count` more, the RSS (psutil, after `gc.collect()`) read
after each; `rss_per_extra_mb` is the median step, `ratio_env_plain` the env's over the
engine's. RSS is the process's resident memory, so shared pages count once.
Usage: `python benchmarks/bench_memory.py [--count 8]`.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import statistics
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import psutil
from bench_env import PlainOrdersStrategy
from harness import emit

from nautilus_rl_lab.evaluation import market_for
from nautilus_rl_lab.nodes import TrainingNode, TrainingNodeConfig, build_engine

MB = 2**20


def training_node(seed: int) -> Any:
    env = TrainingNode(TrainingNodeConfig(seed=seed))
    env.reset(seed=seed)
    return env


def plain_engine(seed: int) -> Any:
    config = TrainingNodeConfig(seed=seed)
    market = market_for(config)
    engine = build_engine(config.venue, market, execution=config.execution)
    engine.add_strategy(PlainOrdersStrategy(market.instrument, market.bar_type, 0, []))
    engine.run()
    return engine


KINDS = {"training_node": training_node, "plain_engine": plain_engine}


def rss_steps(kind: str, count: int) -> tuple[float, list[float]]:
    """In a fresh process: RSS after the first object, and the RSS each of `count` more adds (MB)."""
    process = psutil.Process()
    build = KINDS[kind]
    alive = [build(0)]
    gc.collect()
    previous = first = process.memory_info().rss
    steps = []
    for seed in range(1, count + 1):
        alive.append(build(seed))
        gc.collect()
        rss = process.memory_info().rss
        steps.append((rss - previous) / MB)
        previous = rss
    return first / MB, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=8)
    args = parser.parse_args()
    measured = {}
    for kind in KINDS:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            measured[kind] = pool.submit(rss_steps, kind, args.count).result()
    plain = statistics.median(measured["plain_engine"][1])
    for kind, (first, steps) in measured.items():
        per_extra = statistics.median(steps)
        emit(
            {
                "figure": "memory",
                "kind": kind,
                "count": args.count,
                "first_rss_mb": round(first, 1),
                "rss_per_extra_mb": round(per_extra, 2),
                "rss_per_extra_min_max_mb": [round(min(steps), 2), round(max(steps), 2)],
                "plain_rss_per_extra_mb": round(plain, 2),
                "ratio_env_plain": round(per_extra / plain, 3),
            }
        )


if __name__ == "__main__":
    main()
