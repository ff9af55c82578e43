"""Benchmark: scenario-lab throughput, backtests/s of `run_scenarios` with 1 and 2 worker processes.

Prints one JSON line per way of running (`make bench`), figure `scenario_lab`: a fixed grid
of `SCENARIOS` (built-ins at `--bars` bars) x `AGENTS` (the baselines; 12 backtests per
round) through `run_scenarios`

- `in_process`: `max_workers=1`, every backtest in this process (the baseline);
- `workers=1`, `workers=2`: a `ProcessPoolExecutor` (`spawn`) passed as `executor`, started
  and warmed by one untimed round (its time is `first_round_s`: worker start-up and imports).

Rounds run interleaved `--repeats` times, medians reported; `ratio_to_1_worker` is the
speed-up of 2 workers over 1 (at most 2 on two idle cores), `ratio_to_in_process` the cost
of shipping tasks and curves between processes.
Usage: `python benchmarks/bench_scenarios.py [--repeats 3] [--bars 1500]`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor

from harness import emit, interleaved

from nautilus_rl_lab.scenarios import AgentSpec, builtin_scenarios, run_scenarios

SCENARIOS = ("trend_up", "mean_reversion", "volatility_spike", "wide_spread")
AGENTS = (
    AgentSpec(name="buy_and_hold", agent="buy_and_hold"),
    AgentSpec(name="random", agent="random", seed=0),
    AgentSpec(name="ema_cross", agent="ema_cross", params={"fast": 10, "slow": 30}),
)
WORKERS = (1, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bars", type=int, default=1_500)
    args = parser.parse_args()
    built = builtin_scenarios(args.bars)
    scenarios = [built[name] for name in SCENARIOS]
    backtests = len(scenarios) * len(AGENTS)

    def round_rate(executor: Executor | None) -> Callable[[], float]:
        def run() -> float:
            started = time.perf_counter()
            results = run_scenarios(
                AGENTS, scenarios, executor=executor, max_workers=1, progress=False
            )
            elapsed = time.perf_counter() - started
            if len(results.table) != backtests:
                raise RuntimeError(f"expected {backtests} rows, got {len(results.table)}")
            return backtests / elapsed

        return run

    context = multiprocessing.get_context("spawn")
    pools = {workers: ProcessPoolExecutor(workers, mp_context=context) for workers in WORKERS}
    try:
        first_round = {}
        for workers, pool in pools.items():
            started = time.perf_counter()
            round_rate(pool)()
            first_round[workers] = time.perf_counter() - started
        runs = {"in_process": round_rate(None)}
        runs.update({f"workers={workers}": round_rate(pool) for workers, pool in pools.items()})
        samples = interleaved(runs, args.repeats)
    finally:
        for pool in pools.values():
            pool.shutdown()
    rates = {name: statistics.median(values) for name, values in samples.items()}
    for name, rate in rates.items():
        workers = None if name == "in_process" else int(name.split("=")[1])
        record = {
            "figure": "scenario_lab",
            "run": name,
            "workers": workers,
            "backtests": backtests,
            "bars": args.bars,
            "backtests_per_s": round(rate, 2),
            "ratio_to_1_worker": round(rate / rates["workers=1"], 3),
            "ratio_to_in_process": round(rate / rates["in_process"], 3),
            "repeats": args.repeats,
        }
        if workers:
            record["first_round_s"] = round(first_round[workers], 2)
        emit(record)


if __name__ == "__main__":
    main()
