"""Benchmark: a sweep of 8 scenario backtests on a Ray cluster vs the local process pool.

Prints one JSON line (`make bench`), figure `cluster_sweep`: `SCENARIOS` (built-ins at
`--bars` bars) x `AGENTS` = 8 backtests through `run_scenarios`

- `pool`: a warm 2-process `ProcessPoolExecutor` (`spawn`) passed as `executor`;
- `cluster`: `SweepConfig(executor="ray")` on a Ray cluster with 2 CPUs on the same cores
  (started here with `ray.init(num_cpus=2)`, or the one at `--address`).

Each is warmed by one untimed round (worker start-up, imports), then rounds run interleaved
`--repeats` times; medians reported. `ratio_cluster_pool` is the cluster's throughput over the
pool's (the overhead of Ray's scheduling and object store; target >= 0.8).
`task_bytes_pool` / `task_bytes_cluster` are one task's pickled arguments: the scenario's bars
travel inside each pool task, as an object-store reference on the cluster.
Usage: `python benchmarks/bench_cluster.py [--repeats 3] [--bars 1500] [--address host:port]`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import pickle
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from harness import emit, interleaved

from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.scenarios import AgentSpec, builtin_scenarios, run_scenarios
from nautilus_rl_lab.scenarios.runner import ScenarioTask
from nautilus_rl_lab.sweeps import SweepConfig, open_sweep

SCENARIOS = ("trend_up", "mean_reversion", "volatility_spike", "wide_spread")
AGENTS = (
    AgentSpec(name="buy_and_hold", agent="buy_and_hold"),
    AgentSpec(name="ema_cross", agent="ema_cross", params={"fast": 10, "slow": 30}),
)
CPUS = 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bars", type=int, default=1_500)
    parser.add_argument("--address", help="a running Ray cluster (default: start one here)")
    args = parser.parse_args()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    # A local cluster stays on 127.0.0.1 (Ray otherwise binds the machine's outward address).
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    # A throwaway local cluster on 127.0.0.1: no auth token written to ~/.ray for it.
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    import ray

    if args.address:
        ray.init(address=args.address, logging_level="WARNING")
    else:
        ray.init(num_cpus=CPUS, include_dashboard=False, logging_level="WARNING")
    built = builtin_scenarios(args.bars)
    scenarios = [built[name] for name in SCENARIOS]
    backtests = len(scenarios) * len(AGENTS)
    cluster = SweepConfig(executor="ray", address=args.address or "auto")

    def rate(**where: Any) -> Callable[[], float]:
        def run() -> float:
            started = time.perf_counter()
            results = run_scenarios(AGENTS, scenarios, progress=False, **where)
            elapsed = time.perf_counter() - started
            if len(results.table) != backtests:
                raise RuntimeError(f"expected {backtests} rows, got {len(results.table)}")
            return backtests / elapsed

        return run

    task = ScenarioTask(scenarios[0], AGENTS[0], TrainingNodeConfig())
    frame = scenarios[0].frame()
    with open_sweep(cluster) as sweep:
        task_bytes_cluster = len(pickle.dumps((task, sweep.share(frame))))
    task_bytes_pool = len(pickle.dumps((task, frame)))
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(CPUS, mp_context=context) as pool:
            runs = {"pool": rate(executor=pool), "cluster": rate(sweep=cluster)}
            for run in runs.values():
                run()  # warm-up
            samples = interleaved(runs, args.repeats)
    finally:
        ray.shutdown()
    rates = {name: statistics.median(values) for name, values in samples.items()}
    emit(
        {
            "figure": "cluster_sweep",
            "backtests": backtests,
            "bars": args.bars,
            "cpus": CPUS,
            "pool_backtests_per_s": round(rates["pool"], 2),
            "cluster_backtests_per_s": round(rates["cluster"], 2),
            "ratio_cluster_pool": round(rates["cluster"] / rates["pool"], 3),
            "task_bytes_pool": task_bytes_pool,
            "task_bytes_cluster": task_bytes_cluster,
            "repeats": args.repeats,
        }
    )


if __name__ == "__main__":
    main()
