"""Benchmark: `TrainingNode` steps/s next to a plain Nautilus `BacktestEngine` doing the same work.

Prints one JSON line per figure (`make bench`):

- `hold_only`: the env with a policy that never trades vs. the do-nothing engine (a plain
  strategy that subscribes to the bars and ignores them).
- `random`: the env with a seeded random policy vs. a plain strategy that submits the same
  market orders on the same bars, planned by the env's `plan_orders` (a long<->short flip is
  a reduce-only close, then an open); the orders and the balance are checked equal.
  Both figures also run the plain engine in Nautilus' default configuration (`lean=False`)
  next to the lean one the env uses: same orders and balance, speed before/after.
- `reset`: time of `reset()` on default-length (256) episodes with random starts, half after a
  finished episode, half abandoning one after a step, and the part spent in Nautilus'
  `engine.reset()`; next to it, the time of Nautilus' `log_sysinfo`, which a plain
  `BacktestEngine.run()` calls (`QuietBacktestEngine` skips it).
- `vec_env`: random-policy steps/s of SB3's `DummyVecEnv`, `SubprocVecEnv` ("spawn": a
  forkserver would import this script, and with it Nautilus and its native threads, before
  forking) and `SharedMemoryVecEnv` (one, two and four envs per worker) with 1 and 2 workers,
  each as a ratio to one env stepped directly in this process (one vec env alive at a time,
  stepped in chunks alternating with the in-process env; median of the repeats).

Every env/plain pair runs interleaved in the same process, `--repeats` times, each run after
a `gc.collect()` (the garbage collector stays on during the run); the median is reported. Episodes cover the whole bundled sample (~6,200 decision bars).
Usage: `python benchmarks/bench_env.py [--repeats 5] [--vec-steps 3000] [--only random]`.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

import numpy as np
from harness import emit, random_steps_rate
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv

from nautilus_rl_lab.nodes import TrainingNode, TrainingNodeConfig, build_engine
from nautilus_rl_lab.nt.backtest import BacktestEngine
from nautilus_rl_lab.nt.common import Cache, log_sysinfo
from nautilus_rl_lab.nt.model import Bar, Venue
from nautilus_rl_lab.nt.threads import call_with_engine
from nautilus_rl_lab.nt.trading import Strategy, StrategyConfig
from nautilus_rl_lab.strategies.execution import OrderPlan, plan_orders, submit_plan
from nautilus_rl_lab.training.vec_env import SharedMemoryVecEnv

FLAT = 1  # `target_position`: 0 short, 1 flat, 2 long
TARGETS = (-10_000.0, 0.0, 10_000.0)


class PlainOrdersStrategy(Strategy):
    """A plain Nautilus strategy: from `first_ts` on, submits the i-th precomputed `OrderPlan`
    on the i-th bar as market orders (`submit_plan`: a flip is a reduce-only close, then an
    open, as the env sends it). No plans: the do-nothing strategy.
    """

    def __init__(self, instrument, bar_type, first_ts: int, plans: list[OrderPlan]) -> None:
        super().__init__(StrategyConfig(strategy_id="GYM-001"))
        self.instrument = instrument
        self.bar_type = bar_type
        self.first_ts = first_ts
        self.plans = plans
        self.i = 0

    def on_start(self) -> None:
        self.subscribe_bars(self.bar_type)

    def on_reset(self) -> None:
        self.i = 0

    def on_bar(self, bar: Bar) -> None:
        if bar.ts_event < self.first_ts or self.i >= len(self.plans):
            return
        submit_plan(self, self.instrument, self.plans[self.i])
        self.i += 1


def orders_for(actions: list[int], instrument) -> list[OrderPlan]:
    """The order plans that move a flat account through the actions' target positions.

    `plan_orders`, the env's own planning: each decision's orders fill at the next open,
    before the next decision, so nothing is in flight when it plans.
    """
    plans, position = [], 0.0
    increment = float(instrument.size_increment)
    for action in actions:
        target = TARGETS[action]
        plans.append(plan_orders(target, position, 0.0, increment))
        position = target
    return plans


def whole_sample_env() -> TrainingNode:
    return TrainingNode(TrainingNodeConfig(episode_length=None, random_start=False, seed=0))


def outcome(cache: Cache, venue: Venue) -> tuple[int, float]:
    """Orders filled and final balance: must be equal for the env and the plain engine.

    The env's is read through its strategy's cache: on NautilusTrader 2 the engine's own
    refuses reads while the episode's run is paused inside the strategy ("Already mutably
    borrowed")."""
    account = cache.account_for_venue(venue)
    return len(cache.orders_closed()), account.balance_total().as_double()


def run_env_episode(
    env: TrainingNode, actions: list[int] | None
) -> tuple[int, float, tuple[int, float]]:
    """One whole-sample episode (reset included); returns steps, seconds, outcome."""
    gc.collect()
    started = time.perf_counter()
    env.reset()
    steps, done = 0, False
    while not done:
        action = FLAT if actions is None else actions[steps]
        _, _, terminated, truncated, _ = env.step(action)
        steps += 1
        done = terminated or truncated
    elapsed = time.perf_counter() - started
    return steps, elapsed, outcome(env.strategy.cache, env.market.instrument.id.venue)


def plain_engine_builder(
    env: TrainingNode, actions: list[int] | None, *, lean: bool = True
) -> Callable[[], BacktestEngine]:
    """Builds a plain engine sending `actions`' orders on `env`'s market; what it needs of the
    env is read here, so it may build in another thread (`run_plain`)."""
    market, config = env.market, env.config
    orders = [] if actions is None else orders_for(actions, market.instrument)
    first_ts = market.bar_timestamps[env.strategy.observation_scheme.warmup_bars - 1]

    def build() -> BacktestEngine:
        engine = build_engine(config.venue, market, execution=config.execution, lean=lean)
        engine.add_strategy(
            PlainOrdersStrategy(market.instrument, market.bar_type, first_ts, orders),
        )
        return engine

    return build


def run_plain(build: Callable[[], BacktestEngine], end: int) -> tuple[float, tuple[int, float]]:
    """One plain run over the whole sample in a fresh engine from `build` (built, run and
    disposed where an engine may live: `call_with_engine`, on NautilusTrader 2 a thread of its
    own while an env is live in this one); returns the run's seconds, outcome."""

    def run() -> tuple[float, tuple[int, float]]:
        engine = build()
        try:
            gc.collect()
            started = time.perf_counter()
            engine.run(end=end)
            elapsed = time.perf_counter() - started
            venue = next(iter(engine.cache.instruments())).id.venue
            return elapsed, outcome(engine.cache, venue)
        finally:
            engine.dispose()

    return call_with_engine("bench-plain-engine", run)


def compare(name: str, env: TrainingNode, actions: list[int] | None, repeats: int) -> None:
    plain = plain_engine_builder(env, actions)
    default = plain_engine_builder(env, actions, lean=False)  # Nautilus' default configuration
    end = env.market.bar_timestamps[-1]
    env_rates, plain_rates, default_rates = [], [], []
    for _ in range(repeats):  # interleaved: machine noise hits all alike
        steps, seconds, env_outcome = run_env_episode(env, actions)
        env_rates.append(steps / seconds)
        seconds, plain_outcome = run_plain(plain, end)
        plain_rates.append(steps / seconds)
        seconds, default_outcome = run_plain(default, end)
        default_rates.append(steps / seconds)
    if not env_outcome == plain_outcome == default_outcome:
        raise RuntimeError(
            f"{name}: (orders, balance) differ: env {env_outcome}, plain {plain_outcome}, "
            f"plain with Nautilus' default configuration {default_outcome}"
        )
    env_sps, plain_sps = statistics.median(env_rates), statistics.median(plain_rates)
    default_sps = statistics.median(default_rates)
    emit(
        {
            "figure": name,
            "steps": steps,
            "orders_filled": env_outcome[0],
            "final_balance": env_outcome[1],
            "env_steps_per_s": round(env_sps, 1),
            "plain_steps_per_s": round(plain_sps, 1),
            "plain_default_config_steps_per_s": round(default_sps, 1),
            "ratio_plain_lean_default": round(plain_sps / default_sps, 3),
            "ratio_env_plain": round(env_sps / plain_sps, 3),
            # best of the repeats: the least disturbed runs on a shared machine
            "ratio_env_plain_best": round(max(env_rates) / max(plain_rates), 3),
            "repeats": repeats,
        },
    )


def bench_reset(repeats: int) -> None:
    env = TrainingNode(TrainingNodeConfig(seed=0))  # default: 256-step episodes, random starts
    times, finishing = [], []
    try:
        for i in range(20 * repeats):
            started = time.perf_counter()
            env._finish_episode()  # what reset() does first: unwind + Nautilus' engine.reset()
            finished = time.perf_counter()
            env.reset()
            finishing.append((finished - started) * 1000)
            times.append((time.perf_counter() - started) * 1000)
            if i % 2:  # half the resets follow a finished episode, half abandon one
                done = False
                while not done:
                    _, _, terminated, truncated, _ = env.step(FLAT)
                    done = terminated or truncated
            else:
                env.step(FLAT)
    finally:
        env.close()
    sysinfo = []
    for _ in range(10):
        started = time.perf_counter()
        log_sysinfo("bench")
        sysinfo.append((time.perf_counter() - started) * 1000)
    emit(
        {
            "figure": "reset",
            "resets": len(times),
            "mean_ms": round(statistics.fmean(times), 2),
            "median_ms": round(statistics.median(times), 2),
            # Nautilus' engine.reset() (plus unwinding an abandoned run); the rest is the
            # engine's start and warm-up replay up to the first decision bar
            "engine_reset_median_ms": round(statistics.median(finishing), 2),
            "nautilus_log_sysinfo_median_ms": round(statistics.median(sysinfo), 2),
        },
    )


def vec_rate(vec, n_envs: int, vec_steps: int, seed: int = 0) -> float:
    """Random-policy env steps/s of `vec` (all envs counted) over `vec_steps` vector steps."""
    rng = np.random.default_rng(seed)
    actions = rng.integers(0, 3, size=(vec_steps, n_envs))
    gc.collect()
    started = time.perf_counter()
    for step_actions in actions:
        vec.step(step_actions)
    return n_envs * vec_steps / (time.perf_counter() - started)


def _shared(per_worker: int) -> tuple[int, Callable[[list, int], VecEnv]]:
    return (
        per_worker,
        lambda fns, workers: SharedMemoryVecEnv(fns, n_workers=workers, start_method="spawn"),
    )


VEC_KINDS: dict[str, tuple[int, Callable[[list, int], VecEnv]]] = {
    # name: (n_envs per worker, factory(env_fns, n_workers))
    "dummy": (1, lambda fns, workers: DummyVecEnv(fns)),
    "subproc": (1, lambda fns, workers: SubprocVecEnv(fns, start_method="spawn")),
    "shared": _shared(1),
    "shared_2_per_worker": _shared(2),
    "shared_4_per_worker": _shared(4),
}


VEC_CHUNK = 250  # vector steps per alternation between a vec env and the in-process env


def _paired_rates(kind: str, workers: int, alone: TrainingNode, vec_steps: int) -> tuple:
    """Env steps/s of a fresh `kind` vec env and of `alone`, stepped in alternating chunks.

    Alternating `VEC_CHUNK` steps of each puts both under the same machine state (this VM's
    speed drifts by tens of percent over minutes); the vec env is closed afterwards.
    """
    per_worker, factory = VEC_KINDS[kind]
    n_envs = per_worker * workers
    vec = factory([whole_sample_env] * n_envs, workers)
    vec_seconds = alone_seconds = 0.0
    try:
        vec.seed(0)
        vec.reset()
        for chunk in range(0, vec_steps, VEC_CHUNK):
            steps = min(VEC_CHUNK, vec_steps - chunk)
            vec_seconds += n_envs * steps / vec_rate(vec, n_envs, steps, seed=chunk)
            alone_seconds += steps / random_steps_rate(alone, steps, seed=chunk)
    finally:
        vec.close()
    return n_envs * vec_steps / vec_seconds, vec_steps / alone_seconds


def bench_vec(vec_steps: int, repeats: int) -> None:
    """Each vec env kind with 1 and 2 workers next to one in-process env, interleaved.

    One vec env lives at a time, as in training (built fresh for each repeat), and it
    alternates with the in-process env in chunks (`_paired_rates`); the ratio is the median
    of the repeats' paired ratios.
    """
    keys = [(kind, workers) for kind in VEC_KINDS for workers in (1, 2)]
    samples: dict = {key: [] for key in keys}
    alone = whole_sample_env()
    try:
        alone.reset()
        for _ in range(repeats):
            for key in keys:
                samples[key].append(_paired_rates(*key, alone, vec_steps))
    finally:
        alone.close()
    for (kind, workers), pairs in samples.items():
        emit(
            {
                "figure": "vec_env",
                "kind": kind,
                "workers": workers,
                "n_envs": VEC_KINDS[kind][0] * workers,
                "policy": "random",
                "steps_per_s": round(statistics.median(vec for vec, _ in pairs), 1),
                "in_process_env_steps_per_s": round(statistics.median(a for _, a in pairs), 1),
                "ratio_to_one_in_process_env": round(
                    statistics.median(vec / one for vec, one in pairs), 3
                ),
                "vec_steps": vec_steps,
                "repeats": repeats,
            },
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--vec-steps", type=int, default=3000)
    parser.add_argument("--only", choices=["hold_only", "random", "reset", "vec_env"], default=None)
    args = parser.parse_args()
    wanted = (args.only,) if args.only else ("hold_only", "random", "reset", "vec_env")
    if {"hold_only", "random"} & set(wanted):
        env = whole_sample_env()
        try:
            if "hold_only" in wanted:
                compare("hold_only", env, None, args.repeats)
            if "random" in wanted:
                n = env.bar_count
                actions = [int(a) for a in np.random.default_rng(0).integers(0, 3, size=n)]
                compare("random", env, actions, args.repeats)
        finally:
            env.close()
    if "reset" in wanted:
        bench_reset(args.repeats)
    if "vec_env" in wanted:
        bench_vec(args.vec_steps, args.repeats)


if __name__ == "__main__":
    main()
