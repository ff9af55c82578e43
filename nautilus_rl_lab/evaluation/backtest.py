"""Out-of-sample evaluation: run agents as `RLAgent` + `AgentStrategy` in plain Nautilus backtests.

`run_backtest(agent, config)` builds the market and engine a `TrainingNode` would build from a
`TrainingNodeConfig` (`nodes.training.market_for`, `market_engine`: venue, instrument, data
range, execution timing; re-exported here as `market_for`, `backtest_engine`), adds the
agent as an `RLAgent` actor and an `AgentStrategy`, runs it over the whole range and returns an
`AgentRun` with Nautilus' orders, fills, positions and account reports and the equity curve.
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
- Returns for statistics and tear sheets are those of the last equity of each UTC day: one
  per bar for daily, weekly and monthly bars, intraday bars resampled to the day; each run
  carries its `ReturnFrequency` (`evaluation.frequency`: from the bar type, the data and the
  instrument's calendar or `TrainingNodeConfig.trading_days`) and every annualised figure
  uses its `periods_per_year`. A figure the window is too short for is NaN, and
  `AgentRun.notes` / `EvaluationResult.notes` say why.
- The random baseline is one curve: the mean of the N random agents' equity curves; its
  return and risk figures are those of that mean curve, its trade figures (orders, fills,
  round trips, turnover, exposure, hit rate, holding time, denials, risk events) the mean of
  the N runs' own (`AgentRun.members`); reports say so (`EvaluationResult.averaged`).
- Orders, fills and round trips are three figures: an order filled in two parts is one
  order and two fills; hit rate and holding time are per round trip.
- Each agent gets a fresh engine (they are cheap; the data are prepared once), so no state
  leaks between agents.
- An `EvaluationResult` knows the role of its range (`train`, `validation`, `test`; given by
  the caller, who chose the range) and reads the span its statistics cover (the first and
  last equity sample, at bar closes, after any indicator warm-up) and the account currency
  from its runs (`EvaluationRange`); its `stats` table carries that label as its
  columns' name, so every table, tear sheet and stats file built from it names its range.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nautilus_rl_lab.agents.base import Agent, load_agent
from nautilus_rl_lab.agents.rl_agent import RLAgent, RLAgentConfig
from nautilus_rl_lab.agents.rules import BASELINES
from nautilus_rl_lab.agents.simple import BuyAndHoldAgent, RandomAgent
from nautilus_rl_lab.data.splits import check_role
from nautilus_rl_lab.evaluation.expectations import fill_slippage
from nautilus_rl_lab.evaluation.frequency import ReturnFrequency, daily_returns, return_frequency
from nautilus_rl_lab.evaluation.statistics import (
    deflated_sharpe_ratio,
    performance_figures,
    round_trips_frame,
    trade_stats,
)
from nautilus_rl_lab.nodes.engine import MarketData
from nautilus_rl_lab.nodes.training import TrainingNodeConfig, market_engine, market_for
from nautilus_rl_lab.nt.analysis import ReportProvider
from nautilus_rl_lab.nt.backtest import BacktestEngine
from nautilus_rl_lab.nt.components import add_actor
from nautilus_rl_lab.nt.engine import run_engine
from nautilus_rl_lab.nt.model import OrderStatus, Venue
from nautilus_rl_lab.nt.threads import call_with_engine
from nautilus_rl_lab.schemes.registry import build_action
from nautilus_rl_lab.strategies.agent_strategy import AgentStrategy, AgentStrategyConfig
from nautilus_rl_lab.strategies.boundary import raise_handler_error
from nautilus_rl_lab.strategies.risk import RiskEvent, RiskLimits
from nautilus_rl_lab.strategies.valuation import account_value, valuation_currency
from nautilus_rl_lab.validation import check_known

COUNTS = ("orders", "fills", "round_trips")
# `run_backtest` trades in the env's engine and market (`nodes.training`); the names stay here
backtest_engine = market_engine


def performance_stats(
    equity: pd.Series, frequency: ReturnFrequency | None = None
) -> dict[str, float]:
    """`statistics.performance_figures` of `equity`'s daily returns at `frequency` (default:
    inferred from the equity's spacing, 252 days a year); NaN where the window is too short."""
    frequency = frequency or return_frequency(None, None, equity.index)
    return performance_figures(equity, daily_returns(equity), frequency)[0]


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
    currency: str
    risk_events: pd.DataFrame = field(default_factory=lambda: risk_events_frame([]))
    round_trips: pd.DataFrame = field(default_factory=lambda: round_trips_frame([]))
    orders_denied: float = 0
    orders_rejected: float = 0
    slippage: pd.DataFrame = field(
        default_factory=lambda: fill_slippage([], pd.Series(dtype=float))
    )
    frequency: ReturnFrequency | None = None
    members: list[AgentRun] = field(default_factory=list)
    orders: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def returns(self) -> pd.Series:
        """Simple returns of the equity curve's last value in each UTC day."""
        return daily_returns(self.equity)

    @property
    def return_frequency(self) -> ReturnFrequency:
        """The returns' frequency: as `run_backtest` set it, else inferred from the equity."""
        return self.frequency or return_frequency(None, None, self.equity.index)

    @property
    def activity(self) -> dict[str, float]:
        """`trade_stats`, denied/rejected orders and risk events; for a mean of runs
        (`members`) the mean over them (NaN only where no member has the figure)."""
        if self.members:
            rows = pd.DataFrame([member.activity for member in self.members])
            counts = [c for c in rows.columns if c.startswith("risk")]
            rows[counts] = rows[counts].fillna(0.0)  # a rule a member never hit: 0 events
            return {key: float(value) for key, value in rows.mean().items()}
        return {
            **trade_stats(self.fills, self.round_trips, self.position, self.equity),
            "orders_denied": float(self.orders_denied),
            "orders_rejected": float(self.orders_rejected),
            **risk_event_counts(self.risk_events),
        }

    @property
    def stats(self) -> dict[str, float]:
        """`performance_figures` at `return_frequency` (and its `periods_per_year`) and
        `activity`."""
        frequency = self.return_frequency
        figures, _ = performance_figures(self.equity, self.returns, frequency)
        return {**figures, "periods_per_year": frequency.periods_per_year, **self.activity}

    @property
    def notes(self) -> dict[str, str]:
        """Why a figure of `stats` is NaN, per figure (e.g. "needs ≥ 2 daily returns, has 1")."""
        _, notes = performance_figures(self.equity, self.returns, self.return_frequency)
        activity = self.activity
        for key in ("hit_rate", "avg_holding_hours"):
            if math.isnan(activity[key]):
                notes[key] = "no round trips"
        return notes


def add_agent(
    engine: BacktestEngine,
    agent: Agent,
    config: TrainingNodeConfig,
    market: MarketData,
    risk: RiskLimits,
) -> tuple[RLAgent, AgentStrategy]:
    """Add `agent` to `engine` as an `RLAgent` actor and its `AgentStrategy` (both returned)."""
    actor = RLAgent(
        RLAgentConfig(
            component_id="RLAgent-001",  # type: ignore[arg-type]  # str() reads it
            instrument_id=market.instrument.id,
            bar_type=market.bar_type,
            observation=config.observation,
            action=config.action,
        ),
        agent=agent,
    )
    add_actor(engine, actor)
    strategy = AgentStrategy(
        AgentStrategyConfig(
            strategy_id="AGENT-001",  # type: ignore[arg-type]  # str() reads it
            instrument_id=market.instrument.id,
            action=config.action,
            risk=risk,
        ),
    )
    engine.add_strategy(strategy)
    return actor, strategy


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
    The engine lives in a thread of its own where this one has a live env on NautilusTrader 2
    (`nt.threads.call_with_engine`: one live engine per thread there).
    """
    if not isinstance(agent, Agent):
        agent = load_agent(agent)
    return call_with_engine(
        "run_backtest", _run_backtest, agent, config, market, name, risk, start_ns, end_ns
    )


def _run_backtest(
    agent: Agent,
    config: TrainingNodeConfig,
    market: MarketData | None,
    name: str | None,
    risk: RiskLimits | None,
    start_ns: int | None,
    end_ns: int | None,
) -> AgentRun:
    market = market or market_for(config)
    risk = config.risk if risk is None else risk
    engine = market_engine(config, market, risk)
    try:
        actor, strategy = add_agent(engine, agent, config, market, risk)
        run_engine(engine, start_ns, end_ns)
        raise_handler_error(actor, strategy)  # should Nautilus have swallowed one
        venue = Venue(config.venue.name)
        frame = strategy.equity_frame()
        account = engine.portfolio.account(venue)
        value = account_value(
            engine.portfolio,
            engine.cache,
            account,
            valuation_currency(account, market.instrument),
        )
        orders = engine.cache.orders()
        statuses = [order.status for order in orders]
        frequency = return_frequency(
            market.bar_type,
            market.instrument.asset_class,
            frame.index,
            config.trading_days,
        )
        return AgentRun(
            name=name or type(agent).__name__,
            equity=frame["equity"],
            position=frame["position"],
            close=frame["close"],
            fills=ReportProvider.generate_fills_report(orders),
            positions_report=ReportProvider.generate_positions_report(
                engine.cache.positions(), engine.cache.position_snapshots()
            ),
            account_report=ReportProvider.generate_account_report(account),
            final_balance=value.balance,
            currency=value.currency.code,
            orders_denied=statuses.count(OrderStatus.DENIED),
            orders_rejected=statuses.count(OrderStatus.REJECTED),
            risk_events=risk_events_frame(strategy.risk_events),
            round_trips=round_trips_frame(strategy.round_trips),
            slippage=fill_slippage(orders, frame["close"]),
            frequency=frequency,
            orders=ReportProvider.generate_orders_report(orders),
        )
    finally:
        engine.dispose()


@dataclass(frozen=True)
class EvaluationRange:
    """The range an evaluation covers: its role, first and last equity sample (UTC), currency."""

    role: str
    start: pd.Timestamp
    end: pd.Timestamp
    currency: str

    @property
    def label(self) -> str:
        """E.g. `test range 2017-10-02 00:00 .. 2017-12-29 21:00 UTC, account currency USD`."""
        span = (
            "(no bars)"
            if pd.isna(self.start)
            else f"{self.start:%Y-%m-%d %H:%M} .. {self.end:%Y-%m-%d %H:%M} UTC"
        )
        return f"{self.role} range {span}, account currency {self.currency}"

    def columns(self) -> dict[str, str]:
        """The label as table columns (`range_role`, `range_start`, `range_end`, `currency`)."""
        return {
            "range_role": self.role,
            "range_start": self.start.isoformat(),
            "range_end": self.end.isoformat(),
            "currency": self.currency,
        }


@dataclass
class EvaluationResult:
    """The agent's and the baselines' runs over one range of role `role` (see `ROLES`).

    `n_trials` and `trial_sharpe_variance` describe the search that produced the agent (e.g.
    an Optuna study: `tuning.trial_sharpes`); the `dsr` column deflates each run's Sharpe ratio
    for them (with one trial it equals the PSR).
    """

    runs: dict[str, AgentRun]
    random_runs: list[AgentRun] = field(default_factory=list)
    n_trials: int = 1
    trial_sharpe_variance: float = 0.0
    role: str = field(kw_only=True)

    def __post_init__(self) -> None:
        check_role(self.role)

    @property
    def range(self) -> EvaluationRange:
        """The role, the runs' first and last equity sample and their account currency."""
        index = self.equity.index
        currencies = sorted({run.currency for run in self.runs.values()})
        return EvaluationRange(self.role, index.min(), index.max(), "/".join(currencies))

    @property
    def equity(self) -> pd.DataFrame:
        """Equity curves, one column per agent (the random baseline is the mean of its runs)."""
        return pd.DataFrame({name: run.equity for name, run in self.runs.items()})

    @property
    def returns(self) -> pd.DataFrame:
        """Returns at `frequency` (last equity of each UTC day), one column per agent."""
        return pd.DataFrame({name: run.returns for name, run in self.runs.items()})

    @property
    def frequency(self) -> ReturnFrequency:
        """The runs' return frequency (one for all: they trade the same bars)."""
        frequencies = {run.return_frequency for run in self.runs.values()}
        if len(frequencies) != 1:
            raise ValueError(
                f"the runs' return frequencies differ: {sorted(map(str, frequencies))}"
            )
        return frequencies.pop()

    @property
    def averaged(self) -> dict[str, int]:
        """Runs that are means of others (the random baseline) and how many runs each averages."""
        return {name: len(run.members) for name, run in self.runs.items() if run.members}

    @property
    def notes(self) -> pd.DataFrame:
        """Why a figure of `stats` is NaN: figures (rows) x agents (columns), NaN where it is not."""
        columns = {}
        for name, run in self.runs.items():
            notes = run.notes
            if "psr" in notes:  # the DSR is a PSR against a higher benchmark
                notes["dsr"] = notes["psr"]
            columns[name] = pd.Series(notes, dtype=object)
        return pd.DataFrame(columns, columns=list(self.runs))

    @property
    def stats(self) -> pd.DataFrame:
        """`AgentRun.stats` and the deflated Sharpe ratio per agent (rows; whole order, fill and
        round-trip counts stay integers, the random baseline's means do not)."""
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
        whole = [
            c for c in COUNTS if table[c].notna().all() and (table[c] == table[c].round()).all()
        ]
        table = table.astype(dict.fromkeys(whole, "int64"))
        table.columns.name = self.range.label
        return table


def _mean_run(runs: list[AgentRun], name: str) -> AgentRun:
    """The mean of `runs`: the mean equity curve, whose figures are its own, and the runs as
    `members`, whose trade statistics it averages (`AgentRun.activity`)."""
    equity = pd.concat([r.equity for r in runs], axis=1).mean(axis=1)
    position = pd.concat([r.position for r in runs], axis=1).mean(axis=1)
    return AgentRun(
        name=name,
        equity=equity,
        position=position,
        close=runs[0].close,
        fills=runs[0].fills.iloc[0:0],
        positions_report=runs[0].positions_report.iloc[0:0],
        account_report=runs[0].account_report.iloc[0:0],
        final_balance=float(np.mean([r.final_balance for r in runs])),
        frequency=runs[0].frequency,
        members=list(runs),
        currency=runs[0].currency,
    )


def backtest_agent(
    agent: Agent | str | os.PathLike[str],
    config: TrainingNodeConfig,
    *,
    role: str,
    name: str = "agent",
    n_random: int = 5,
    seed: int = 0,
    rule: str | Agent | None = "bollinger",
    buy_and_hold: bool = True,
    risk: RiskLimits | None = None,
) -> EvaluationResult:
    """Backtest `agent` and the baselines on `config`'s data, the range of role `role`.

    Baselines: buy-and-hold, the mean of `n_random` random agents (seeds `seed..seed+n-1`) and
    a rule-based agent (`"bollinger"`, `"ema_cross"` or any `Agent`; `None` skips it).
    """
    check_role(role)  # before any backtest runs
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
            check_known("rule", rule, sorted(BASELINES))
            rule_agent: Agent = BASELINES[rule](action=config.action)
            rule_name = rule
        else:
            rule_agent, rule_name = rule, type(rule).__name__
        runs[rule_name] = run_backtest(rule_agent, config, market=market, name=rule_name, risk=risk)
    return EvaluationResult(runs, random_runs, role=role)
