"""Benchmark: the portfolio `TrainingNode` over 1, 5, 10 and 20 stocks of the bundled S&P 500
sample (daily bars) next to a plain Nautilus engine sending the same orders, and next to
FinRL's `StockPortfolioEnv` when FinRL is installed.

One JSON line per count, figure `portfolio`, key `instruments`:

- `env_steps_per_s`: whole-sample episodes (reset included) of the env with its portfolio
  defaults (`stacked_window`, `simplex_weights`, band 0 so every decision trades) under seeded
  uniform random actions;
- `plain_steps_per_s`: the same decisions per second of a plain `BacktestEngine` built by the
  same `build_engine` (venue, fees, fill model, risk engine) whose strategy (`ReplayOrders`)
  submits, with `Strategy.submit_order` (so without our margin gate, which on NautilusTrader 2
  checks `submit_checked`'s orders: its cost is the env's), the env's own orders (instrument,
  side, quantity, reduce-only, recorded from its first episode) at their decision bars; its
  fills (instrument, side, quantity, price, time) and final balance are checked equal to the
  env's (`fills_match`), so the two do the same trading; `ratio_env_plain` is env / plain;
- `us_per_step_per_instrument` (env and plain): the time of one decision over the count, flat
  or falling when the cost grows at most linearly with the instruments;
- `finrl_steps_per_s`, `ratio_env_finrl`: FinRL's `StockPortfolioEnv` (numpy/pandas, no
  engine: no orders, fills or fees) over the same closes, its observation the covariance
  matrix of the last `window` daily returns plus those returns, stepped with the same actions
  (its terminal step, which plots to files, left out; it needs 2 stocks or more); `finrl`:
  its version, or "not installed".
  It is loaded from the installed FinRL package's own file: FinRL 0.3.7's package
  `__init__` imports its data processors (alpaca-trade-api, yfinance, wrds, ...), which its
  wheel does not declare, so `pip install --no-deps finrl` suffices for this benchmark;
- `env_rss_mb` / `plain_rss_mb` (unless `--no-memory`): the RSS one env (built, one episode)
  or one plain engine (built, one run) adds in a fresh process (psutil, after `gc.collect()`).

Every figure is the median of `--repeats` interleaved rounds (env, plain, FinRL), each run after
a `gc.collect()`. Usage:
`python benchmarks/bench_portfolio.py [--repeats 3] [--counts 1 5 10 20] [--start 2015-01-01]
[--end 2020-01-01] [--no-memory]`.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import PackageNotFoundError, distribution
from typing import Any, cast

import gymnasium as gym
import numpy as np
import pandas as pd
import psutil
from harness import emit

from nautilus_rl_lab.data.loaders import SP500_SYMBOLS
from nautilus_rl_lab.data.sp500 import SP500_VENUE, sp500_assets
from nautilus_rl_lab.nodes import TrainingNode, TrainingNodeConfig, build_engine, default_venue
from nautilus_rl_lab.nodes.engine import MarketData
from nautilus_rl_lab.nodes.markets import load_market
from nautilus_rl_lab.nodes.portfolio import PortfolioAsset
from nautilus_rl_lab.nt.backtest import BacktestEngine
from nautilus_rl_lab.nt.common import Cache
from nautilus_rl_lab.nt.model import (
    Bar,
    BarType,
    InstrumentId,
    OrderSide,
    OrderStatus,
    Quantity,
)
from nautilus_rl_lab.nt.threads import call_with_engine
from nautilus_rl_lab.nt.trading import Strategy, StrategyConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.strategies.portfolio_execution import order_lot
from nautilus_rl_lab.strategies.risk import risk_engine_config

COUNTS = (1, 5, 10, 20)
START, END = "2015-01-01", "2020-01-01"
WINDOW = 32  # `stacked_window`'s default, and FinRL's covariance lookback here
MB = 2**20
#: An order as recorded and replayed: decision time, instrument, buy, quantity, reduce-only.
Order = tuple[int, str, bool, str, bool]
#: (instrument, side, quantity, average price, time) of each filled order, sorted.
Fills = list[tuple[str, str, str, str, int]]


def portfolio_config(count: int, start: str, end: str) -> TrainingNodeConfig:
    """The first `count` stocks of the sample in `[start, end)`, whole-sample episodes, the
    portfolio defaults with a band of 0 (every decision trades), leverage 2 (a long-only
    portfolio's margin always fits: no order is denied)."""
    assets = [
        PortfolioAsset(instrument=instrument, data=data)
        for instrument, data in sp500_assets(SP500_SYMBOLS[:count], start=start, end=end)
    ]
    return TrainingNodeConfig(
        venue=default_venue(name=SP500_VENUE, leverage=2),
        instruments=assets,
        bar_aggregation="DAY",
        observation=SchemeConfig(name="stacked_window", params={"window": WINDOW}),
        action=SchemeConfig(name="simplex_weights", params={"band": 0.0}),
        episode_length=None,
        random_start=False,
        seed=0,
    )


def random_actions(env: TrainingNode, seed: int = 0) -> np.ndarray:
    """One seeded uniform action per decision the sample holds (more than an episode needs)."""
    space = cast("gym.spaces.Box", env.action_space)
    rng = np.random.default_rng(seed)
    shape = (env.bar_count, *space.shape)
    return rng.uniform(space.low, space.high, size=shape).astype(np.float32)


def filled(cache: Cache) -> Fills:
    """Each filled order of the run as (instrument, side, quantity, average price, time)."""
    return sorted(
        (str(o.instrument_id), str(o.side), str(o.quantity), str(o.avg_px), o.ts_last)
        for o in cache.orders()
        if o.status == OrderStatus.FILLED
    )


def outcome(cache: Cache) -> tuple[Fills, float]:
    """The run's fills and final balance, equal for the env and the plain engine."""
    venue = next(iter(cache.instruments())).id.venue
    account = cache.account_for_venue(venue)
    if account is None:
        raise RuntimeError(f"no account at {venue} after the run")
    return filled(cache), account.balance_total().as_double()


def sent_orders(cache: Cache) -> list[Order]:
    """Every order of the run in the order it was created: its strategy's order counter is the
    last field of its client order id (`O-<date>-<time>-<trader>-<strategy>-<count>`)."""
    orders = sorted(cache.orders(), key=lambda o: int(o.client_order_id.value.rsplit("-", 1)[1]))
    return [
        (
            o.ts_init,
            str(o.instrument_id),
            o.side == OrderSide.BUY,
            str(o.quantity),
            o.is_reduce_only,
        )
        for o in orders
    ]


class ReplayOrders(Strategy):
    """A plain Nautilus strategy: submits each recorded order, as a market order through
    `submit_order`, on the first bar at or after its decision time."""

    def __init__(self, bar_types: Sequence[BarType], orders: Sequence[Order]) -> None:
        super().__init__(StrategyConfig(strategy_id="GYM-001"))  # type: ignore[arg-type]
        self.bar_types = list(bar_types)
        self.orders = [
            (
                ts,
                InstrumentId.from_str(instrument_id),
                OrderSide.BUY if buy else OrderSide.SELL,
                Quantity.from_str(quantity),
                reduce_only,
            )
            for ts, instrument_id, buy, quantity, reduce_only in orders
        ]
        self.i = 0

    def on_start(self) -> None:
        for bar_type in self.bar_types:
            self.subscribe_bars(bar_type)

    def on_reset(self) -> None:
        self.i = 0

    def on_bar(self, bar: Bar) -> None:
        orders, ts = self.orders, bar.ts_event
        while self.i < len(orders) and orders[self.i][0] <= ts:
            _, instrument_id, side, quantity, reduce_only = orders[self.i]
            order = self.order_factory.market(
                instrument_id, side, quantity, reduce_only=reduce_only
            )
            self.submit_order(order)
            self.i += 1


def plain_engine(
    config: TrainingNodeConfig, markets: Sequence[MarketData], orders: Sequence[Order]
) -> BacktestEngine:
    """The engine the env builds (`nodes.portfolio.build_portfolio`'s `build_engine` call)
    with `ReplayOrders` sending `orders`."""
    engine = build_engine(
        config.venue,
        markets,
        execution=config.execution,
        risk_engine=risk_engine_config(config.risk, markets[0].instrument.id),
        smallest_order=[order_lot(market.instrument) for market in markets],
    )
    engine.add_strategy(ReplayOrders([market.bar_type for market in markets], orders))
    return engine


def run_env_episode(env: TrainingNode, actions: np.ndarray) -> tuple[int, float]:
    """One whole-sample episode (reset included): its steps and seconds."""
    gc.collect()
    started = time.perf_counter()
    env.reset()
    steps, done = 0, False
    while not done:
        _, _, terminated, truncated, _ = env.step(actions[steps])
        steps += 1
        done = terminated or truncated
    return steps, time.perf_counter() - started


def env_outcome(env: TrainingNode) -> tuple[tuple[Fills, float], list[Order]]:
    """The finished episode's outcome and orders (read through the strategy's cache)."""
    cache = env.strategy.cache
    return outcome(cache), sent_orders(cache)


def run_plain(
    config: TrainingNodeConfig, markets: Sequence[MarketData], orders: Sequence[Order]
) -> tuple[float, tuple[Fills, float]]:
    """One plain run over the whole sample in a fresh engine (built, run and disposed in a
    thread of its own while the env lives in this one: `call_with_engine`): seconds, outcome."""
    end = max(market.bars[-1].ts_init for market in markets)

    def run() -> tuple[float, tuple[Fills, float]]:
        engine = plain_engine(config, markets, orders)
        try:
            gc.collect()
            started = time.perf_counter()
            engine.run(end=end)
            elapsed = time.perf_counter() - started
            return elapsed, outcome(engine.cache)
        finally:
            engine.dispose()

    return call_with_engine("bench-plain-portfolio", run)


# --- FinRL --------------------------------------------------------------------------------

#: `StockPortfolioEnv` reads a day's rows as a frame: one stock's row is a Series it cannot use.
FINRL_MIN_STOCKS = 2
FINRL_MODULE = ("finrl", "meta", "env_portfolio_allocation", "env_portfolio.py")


def finrl_version() -> str | None:
    """The installed FinRL's version, `None` when it is not installed."""
    try:
        return distribution("finrl").version
    except PackageNotFoundError:
        return None


def finrl_status(version: str | None, count: int) -> str:
    """FinRL's version, or why it did not run."""
    if version is None:
        return "not installed"
    if count < FINRL_MIN_STOCKS:
        return f"{version}: StockPortfolioEnv needs >= {FINRL_MIN_STOCKS} stocks"
    return version


def finrl_env_class() -> type:
    """FinRL's `StockPortfolioEnv`, loaded from the installed package's own file (not through
    the package `__init__`, which imports data processors FinRL does not declare)."""
    files = distribution("finrl").files or []
    wanted = "/".join(FINRL_MODULE)
    (path,) = [f.locate() for f in files if str(f).replace(os.sep, "/") == wanted]
    spec = importlib.util.spec_from_file_location("finrl_env_portfolio", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.StockPortfolioEnv


def finrl_frame(markets: Sequence[MarketData], window: int) -> pd.DataFrame:
    """FinRL's long frame over the markets' common days (index: day number, one row per stock):
    `date`, `tic`, `close`, `cov_list` (the covariance of the last `window` daily returns) and
    the indicator `ret` (the day's return)."""
    closes = pd.DataFrame(
        {str(m.instrument.id): m.frame["close"].to_numpy() for m in markets},
        index=markets[0].frame.index,
    ).dropna()
    returns = closes.pct_change()
    rows = []
    for day in range(window, len(closes)):
        cov = returns.iloc[day - window + 1 : day + 1].cov().to_numpy()
        for tic in closes.columns:
            rows.append(
                (
                    day - window,
                    closes.index[day],
                    tic,
                    closes[tic].iloc[day],
                    cov,
                    returns[tic].iloc[day],
                )
            )
    frame = pd.DataFrame(rows, columns=["day", "date", "tic", "close", "cov_list", "ret"])
    return frame.set_index("day")


def finrl_rate(env: Any, actions: np.ndarray, days: int) -> float:
    """Steps/s of one FinRL episode (reset included) over its `days - 1` non-terminal steps."""
    gc.collect()
    steps = days - 1
    started = time.perf_counter()
    env.reset()
    for action in actions[:steps]:
        env.step(action[:-1])  # its weights: a softmax over the stocks (no cash logit)
    return steps / (time.perf_counter() - started)


# --- memory -------------------------------------------------------------------------------


def rss_added(kind: str, count: int, start: str, end: str, orders: list[Order]) -> float:
    """In a fresh process: the RSS (MB) one env (built, one episode) or one plain engine (built,
    one run) adds after the imports."""
    process = psutil.Process()
    config = portfolio_config(count, start, end)
    gc.collect()
    before = process.memory_info().rss
    if kind == "env":
        env = TrainingNode(config)
        run_env_episode(env, random_actions(env))
        alive: Any = env
    else:
        markets = [
            load_market(
                a.instrument, a.data, config.bar_step, config.bar_aggregation, config.price_type
            )
            for a in config.assets
        ]
        alive = plain_engine(config, markets, orders)
        alive.run()
    gc.collect()
    added = (process.memory_info().rss - before) / MB
    del alive
    return added


def memory(count: int, start: str, end: str, orders: list[Order]) -> dict[str, float]:
    """`env_rss_mb` and `plain_rss_mb` of `count` instruments, each in its own process."""
    measured = {}
    for kind in ("env", "plain"):
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=context) as pool:
            rss = pool.submit(rss_added, kind, count, start, end, orders).result()
        measured[f"{kind}_rss_mb"] = round(rss, 1)
    return measured


# --- the figures --------------------------------------------------------------------------


def bench_count(count: int, start: str, end: str, repeats: int, with_memory: bool) -> dict:
    """The `portfolio` line of `count` instruments (see the module)."""
    config = portfolio_config(count, start, end)
    env = TrainingNode(config)
    try:
        assert env.portfolio is not None
        markets = env.portfolio.markets
        actions = random_actions(env)
        steps, _ = run_env_episode(env, actions)  # the first episode: its orders are replayed
        reference, orders = env_outcome(env)
        finrl = finrl_version()
        finrl_env = days = None
        if finrl is not None and count >= FINRL_MIN_STOCKS:
            frame = finrl_frame(markets, WINDOW)
            days = len(frame.index.unique())
            finrl_env = finrl_env_class()(
                df=frame,
                stock_dim=count,
                hmax=100,
                initial_amount=100_000,
                transaction_cost_pct=0.0,
                reward_scaling=1e-4,
                state_space=count,
                action_space=count,
                tech_indicator_list=["ret"],
                lookback=WINDOW,
            )
        outcomes: list[tuple[Fills, float]] = []

        def env_run() -> float:
            episode_steps, seconds = run_env_episode(env, actions)
            assert episode_steps == steps
            outcomes.append(env_outcome(env)[0])
            return seconds

        def plain_run() -> float:
            seconds, plain = run_plain(config, markets, orders)
            outcomes.append(plain)
            return seconds

        runs: dict[str, Callable[[], float]] = {"env": env_run, "plain": plain_run}
        samples: dict[str, list[float]] = {name: [] for name in runs}
        finrl_rates: list[float] = []
        for _ in range(repeats):  # interleaved: machine noise hits all alike
            for name, run in runs.items():
                samples[name].append(run())
            if finrl_env is not None and days is not None:
                finrl_rates.append(finrl_rate(finrl_env, actions, days))
    finally:
        env.close()
    env_seconds = statistics.median(samples["env"])
    plain_seconds = statistics.median(samples["plain"])
    fills, balance = reference
    line: dict[str, Any] = {
        "figure": "portfolio",
        "instruments": count,
        "steps": steps,
        "orders_filled": len(fills),
        "final_balance": balance,
        "fills_match": all(o == reference for o in outcomes),
        "env_steps_per_s": round(steps / env_seconds, 1),
        "plain_steps_per_s": round(steps / plain_seconds, 1),
        "ratio_env_plain": round(plain_seconds / env_seconds, 4),
        "env_us_per_step_per_instrument": round(env_seconds / steps / count * 1e6, 1),
        "plain_us_per_step_per_instrument": round(plain_seconds / steps / count * 1e6, 1),
        "finrl": finrl_status(finrl, count),
        "repeats": repeats,
        "start": start,
        "end": end,
    }
    if finrl_rates:
        finrl_sps = statistics.median(finrl_rates)
        line["finrl_steps_per_s"] = round(finrl_sps, 1)
        line["ratio_env_finrl"] = round(steps / env_seconds / finrl_sps, 4)
    if with_memory:
        line.update(memory(count, start, end, orders))
    return line


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--counts", type=int, nargs="+", default=list(COUNTS))
    parser.add_argument("--start", default=START)
    parser.add_argument("--end", default=END)
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args(argv)
    for count in args.counts:
        emit(bench_count(count, args.start, args.end, args.repeats, not args.no_memory))


if __name__ == "__main__":
    main()
