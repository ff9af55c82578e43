"""Out-of-sample evaluation: run agents as `RLAgent` + `AgentStrategy` in plain Nautilus backtests.

`run_backtest(agent, config)` builds a `BacktestEngine` with `build_engine` from a
`TrainingNodeConfig` (venue, instrument, data range, schemes, execution timing), adds the
agent as an `RLAgent` actor and an `AgentStrategy`, runs it over the whole range and returns an
`AgentRun` with Nautilus' fills, positions and account reports and the equity curve.
`backtest_agent(...)` does this for the trained agent and the baselines (buy-and-hold, the
mean of N seeded random agents, a rule-based agent) on the same bars and venue.

Decisions:

- The equity curve is the account's mark-to-market value from Nautilus' balances, positions
  and rates (`nautilus_rl_lab.strategies.valuation`, right for cash and margin accounts),
  marked at the bar close and sampled by the strategy at every decision bar; Nautilus'
  account report only moves on fills, so it cannot show open-position risk. The final
  balance is read from the account, and the reports are kept for inspection.
- Orders Nautilus denied (risk checks, the margin gate) or the venue rejected are counted from
  the engine's cache and reported in `stats` (`orders_denied`, `orders_rejected`).
- Returns for statistics and tear sheets are daily (last equity of each UTC day), the
  frequency quantstats and the usual annualisation (252 days) assume.
- The random baseline is one curve: the mean of the N random agents' equity curves; its
  statistics are the mean of their statistics' inputs, i.e. of that mean curve.
- Each agent gets a fresh engine (they are cheap; the data are prepared once), so no state
  leaks between agents.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from nautilus_trader.backtest.engine import BacktestEngine
from nautilus_trader.model.enums import OrderStatus
from nautilus_trader.model.identifiers import Venue

from nautilus_rl_lab.agents.base import Agent, load_agent
from nautilus_rl_lab.agents.rl_agent import RLAgent, RLAgentConfig
from nautilus_rl_lab.agents.simple import BuyAndHoldAgent, RandomAgent
from nautilus_rl_lab.data.instruments import make_instrument
from nautilus_rl_lab.data.source import load_frame, source_bar_type
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation.expectations import fill_slippage
from nautilus_rl_lab.evaluation.statistics import (
    deflated_sharpe_ratio,
    probabilistic_sharpe_ratio,
    round_trips_frame,
    trade_stats,
)
from nautilus_rl_lab.nodes.engine import MarketData, build_engine, prepare_market_data
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.schemes.registry import build_action
from nautilus_rl_lab.strategies.agent_strategy import AgentStrategy, AgentStrategyConfig
from nautilus_rl_lab.strategies.baselines import BASELINES
from nautilus_rl_lab.strategies.risk import RiskEvent, RiskLimits, risk_engine_config
from nautilus_rl_lab.strategies.valuation import account_value, valuation_currency

TRADING_DAYS = 252


def market_for(config: TrainingNodeConfig, frame: pd.DataFrame | None = None) -> MarketData:
    """The bars and quote ticks a `TrainingNode` built from `config` would use."""
    instrument = make_instrument(config.instrument)
    bar_type = source_bar_type(
        config.data, instrument.id, config.bar_step, config.bar_aggregation, config.price_type
    )
    spread, spread_bps = config.data.quote_spreads()
    return prepare_market_data(
        load_frame(config.data, frame, bar_type=bar_type),
        instrument,
        bar_type,
        spread=spread,
        price_side=config.data.price_side,
        spread_bps=spread_bps,
    )


def daily_returns(equity: pd.Series) -> pd.Series:
    """Simple returns of the last equity of each UTC day (the first day against its first value)."""
    if equity.empty:
        return pd.Series(dtype=float)
    daily = equity.resample("1D").last().dropna()
    previous = daily.shift(1)
    previous.iloc[0] = equity.iloc[0]
    returns = daily / previous - 1.0
    returns.index = returns.index.tz_localize(None)
    return returns


def performance_stats(
    equity: pd.Series, trades: int | float = 0, denied: float = 0, rejected: float = 0
) -> dict[str, float]:
    """Total return, annualised Sharpe/Sortino (daily returns, 252 days), max drawdown (%).

    `trades` is kept as given: a whole count for one agent, a mean for the random baseline.
    """
    if equity.empty:
        return {"total_return_%": 0.0, "sharpe": 0.0, "sortino": 0.0, "max_drawdown_%": 0.0}
    returns = daily_returns(equity)
    std = returns.std(ddof=1) if len(returns) > 1 else 0.0
    downside = returns[returns < 0]
    down_std = math.sqrt((downside**2).sum() / len(returns)) if len(returns) else 0.0
    peak = equity.cummax()
    return {
        "total_return_%": float((equity.iloc[-1] / equity.iloc[0] - 1.0) * 100.0),
        "sharpe": float(returns.mean() / std * math.sqrt(TRADING_DAYS)) if std > 0 else 0.0,
        "sortino": float(returns.mean() / down_std * math.sqrt(TRADING_DAYS))
        if down_std > 0
        else 0.0,
        "max_drawdown_%": float(((equity - peak) / peak).min() * 100.0),
        "final_equity": float(equity.iloc[-1]),
        "trades": trades,
        "orders_denied": float(denied),
        "orders_rejected": float(rejected),
    }


def risk_events_frame(events: list[RiskEvent]) -> pd.DataFrame:
    """Risk events (which rule, target before/after) as a frame indexed by UTC time."""
    frame = pd.DataFrame(
        [event.to_dict() for event in events], columns=["ts_ns", "rule", "target", "adjusted"]
    )
    frame.index = pd.to_datetime(frame.pop("ts_ns"), utc=True)
    return frame


def risk_event_counts(events: pd.DataFrame) -> dict[str, float]:
    """`risk_events` (total) and `risk:<rule>` counts of a `risk_events_frame`."""
    counts = events["rule"].value_counts()
    return {
        "risk_events": float(len(events)),
        **{f"risk:{rule}": float(n) for rule, n in sorted(counts.items())},
    }


@dataclass
class AgentRun:
    """One agent's backtest: Nautilus reports, the equity curve sampled at every decision bar and
    each fill's slippage against its decision bar's close (`expectations.fill_slippage`)."""

    name: str
    equity: pd.Series
    position: pd.Series
    close: pd.Series
    fills: pd.DataFrame
    positions_report: pd.DataFrame
    account_report: pd.DataFrame
    final_balance: float
    trade_count: int | float | None = None
    risk_events: pd.DataFrame = field(default_factory=lambda: risk_events_frame([]))
    round_trips: pd.DataFrame = field(default_factory=lambda: round_trips_frame([]))
    orders_denied: float = 0
    orders_rejected: float = 0
    slippage: pd.DataFrame = field(
        default_factory=lambda: fill_slippage([], pd.Series(dtype=float))
    )

    @property
    def returns(self) -> pd.Series:
        """Daily simple returns of the equity curve."""
        return daily_returns(self.equity)

    @property
    def stats(self) -> dict[str, float]:
        """`performance_stats`, the PSR of the daily returns, trade statistics and risk events."""
        trades = len(self.fills) if self.trade_count is None else self.trade_count
        activity = trade_stats(self.fills, self.round_trips, self.position, self.equity)
        activity.pop("trades")  # `trades` as given (a mean for the random baseline)
        return {
            **performance_stats(self.equity, trades, self.orders_denied, self.orders_rejected),
            "psr": probabilistic_sharpe_ratio(self.returns),
            **activity,
            **risk_event_counts(self.risk_events),
        }


def backtest_engine(
    config: TrainingNodeConfig, market: MarketData, risk: RiskLimits
) -> BacktestEngine:
    """The engine `run_backtest` trades in: `config`'s venue, execution timing and log level
    over `market`, with Nautilus' `RiskEngine` set from `risk`; no strategy yet."""
    return build_engine(
        config.venue,
        market,
        execution=config.execution,
        log_level=config.log_level,
        risk_engine=risk_engine_config(risk, market.instrument.id),
    )


def add_agent(
    engine: BacktestEngine,
    agent: Agent,
    config: TrainingNodeConfig,
    market: MarketData,
    risk: RiskLimits,
) -> AgentStrategy:
    """Add `agent` to `engine` as an `RLAgent` actor and its `AgentStrategy` (returned)."""
    engine.add_actor(
        RLAgent(
            RLAgentConfig(
                component_id="RLAgent-001",
                instrument_id=market.instrument.id,
                bar_type=market.bar_type,
                observation=config.observation,
                action=config.action,
            ),
            agent=agent,
        )
    )
    strategy = AgentStrategy(
        AgentStrategyConfig(
            strategy_id="AGENT-001",
            instrument_id=market.instrument.id,
            action=config.action,
            risk=risk,
        ),
    )
    engine.add_strategy(strategy)
    return strategy


def run_backtest(
    agent: Agent | str | os.PathLike[str],
    config: TrainingNodeConfig,
    *,
    market: MarketData | None = None,
    name: str | None = None,
    risk: RiskLimits | None = None,
    start_ns: int | None = None,
    end_ns: int | None = None,
) -> AgentRun:
    """Run `agent` (or the agent saved at a path) as `RLAgent` + `AgentStrategy` over `config`'s data.

    `start_ns`/`end_ns` narrow the run (Nautilus' `run(start, end)`); by default it covers
    every bar. `risk` overrides the risk rules (default: `config.risk`, those of training).
    """
    if not isinstance(agent, Agent):
        agent = load_agent(agent)
    market = market or market_for(config)
    risk = config.risk if risk is None else risk
    engine = backtest_engine(config, market, risk)
    try:
        strategy = add_agent(engine, agent, config, market, risk)
        engine.run(start=start_ns, end=end_ns)
        venue = Venue(config.venue.name)
        frame = strategy.equity_frame()
        account = engine.portfolio.account(venue)
        value = account_value(
            engine.portfolio,
            engine.cache,
            account,
            valuation_currency(account, market.instrument),
        )
        statuses = [order.status for order in engine.cache.orders()]
        return AgentRun(
            name=name or type(agent).__name__,
            equity=frame["equity"],
            position=frame["position"],
            close=frame["close"],
            fills=engine.trader.generate_fills_report(),
            positions_report=engine.trader.generate_positions_report(),
            account_report=engine.trader.generate_account_report(venue),
            final_balance=value.balance,
            orders_denied=statuses.count(OrderStatus.DENIED),
            orders_rejected=statuses.count(OrderStatus.REJECTED),
            risk_events=risk_events_frame(strategy.risk_events),
            round_trips=round_trips_frame(strategy.round_trips),
            slippage=fill_slippage(engine.cache.orders(), frame["close"]),
        )
    finally:
        engine.dispose()


@dataclass
class EvaluationResult:
    """The agent's and the baselines' runs over one out-of-sample range.

    `n_trials` and `trial_sharpe_variance` describe the search that produced the agent (e.g.
    an Optuna study: `tuning.trial_sharpes`); the `dsr` column deflates each run's Sharpe ratio
    for them (with one trial it equals the PSR).
    """

    runs: dict[str, AgentRun]
    random_runs: list[AgentRun] = field(default_factory=list)
    n_trials: int = 1
    trial_sharpe_variance: float = 0.0

    @property
    def equity(self) -> pd.DataFrame:
        """Equity curves, one column per agent (the random baseline is the mean of its runs)."""
        return pd.DataFrame({name: run.equity for name, run in self.runs.items()})

    @property
    def returns(self) -> pd.DataFrame:
        """Daily returns, one column per agent."""
        return pd.DataFrame({name: run.returns for name, run in self.runs.items()})

    @property
    def stats(self) -> pd.DataFrame:
        """`AgentRun.stats` and the deflated Sharpe ratio per agent (rows; whole trade counts
        stay integers)."""
        rows = {
            name: {
                **run.stats,
                "dsr": deflated_sharpe_ratio(
                    run.returns, self.n_trials, self.trial_sharpe_variance
                ),
            }
            for name, run in self.runs.items()
        }
        table = pd.DataFrame.from_dict(rows, orient="index")
        trades = table["trades"]
        whole = trades.notna().all() and (trades == trades.round()).all()
        return table.astype({"trades": "int64"}) if whole else table


def _mean_run(runs: list[AgentRun], name: str) -> AgentRun:
    equity = pd.concat([r.equity for r in runs], axis=1).mean(axis=1)
    position = pd.concat([r.position for r in runs], axis=1).mean(axis=1)
    trades = float(np.mean([len(r.fills) for r in runs]))
    return AgentRun(
        name=name,
        equity=equity,
        position=position,
        close=runs[0].close,
        fills=runs[0].fills.iloc[0:0],
        positions_report=runs[0].positions_report.iloc[0:0],
        account_report=runs[0].account_report.iloc[0:0],
        final_balance=float(np.mean([r.final_balance for r in runs])),
        trade_count=trades,
        orders_denied=float(np.mean([r.orders_denied for r in runs])),
        orders_rejected=float(np.mean([r.orders_rejected for r in runs])),
    )


def backtest_agent(
    agent: Agent | str | os.PathLike[str],
    config: TrainingNodeConfig,
    *,
    name: str = "agent",
    n_random: int = 5,
    seed: int = 0,
    rule: str | Agent | None = "bollinger",
    buy_and_hold: bool = True,
    risk: RiskLimits | None = None,
) -> EvaluationResult:
    """Backtest `agent` and the baselines on `config`'s (out-of-sample) data.

    Baselines: buy-and-hold, the mean of `n_random` random agents (seeds `seed..seed+n-1`) and
    a rule-based agent (`"bollinger"`, `"ema_cross"` or any `Agent`; `None` skips it).
    """
    market = market_for(config)
    if not isinstance(agent, Agent):
        agent = load_agent(agent)
    runs = {name: run_backtest(agent, config, market=market, name=name, risk=risk)}
    if buy_and_hold:
        runs["buy_and_hold"] = run_backtest(
            BuyAndHoldAgent(config.action), config, market=market, name="buy_and_hold", risk=risk
        )
    random_runs: list[AgentRun] = []
    if n_random > 0:
        space = build_action(config.action).space
        random_runs = [
            run_backtest(
                RandomAgent(space, seed=seed + i),
                config,
                market=market,
                name=f"random_{i}",
                risk=risk,
            )
            for i in range(n_random)
        ]
        runs["random_mean"] = _mean_run(random_runs, "random_mean")
    if rule is not None:
        if isinstance(rule, str):
            if rule not in BASELINES:
                raise ConfigError(f"`rule` {rule!r} is unknown: use one of {sorted(BASELINES)}")
            rule_agent: Agent = BASELINES[rule](action=config.action)
            rule_name = rule
        else:
            rule_agent, rule_name = rule, type(rule).__name__
        runs[rule_name] = run_backtest(rule_agent, config, market=market, name=rule_name, risk=risk)
    return EvaluationResult(runs, random_runs)
