"""Portfolio backtests: agents and baselines as `PortfolioRLAgent` + `PortfolioAgentStrategy`.

`run_portfolio_backtest(agent, config)` builds the engine and markets a portfolio
`TrainingNode` would build from `config` (`nodes.portfolio`), adds the agent and the strategy
executing its actions, runs the whole range and returns a `PortfolioRun`: the equity curve
and each instrument's close, position and weight at every decision, Nautilus' fills and
orders, and per-instrument turnover, costs and contribution. `compare_portfolios` runs several
agents (e.g. a trained policy and the skfolio baselines of `agents.portfolio_baselines`) on
the same bars and venue, one fresh engine each, and tabulates their figures.

Decisions:
- Equity is the account's mark-to-market value (`strategies.valuation`), sampled at every
  decision (each aligned timestamp); statistics use the returns of the last equity of each
  UTC day, as single-instrument backtests do (`evaluation.backtest`).
- Turnover of an instrument is its traded notional (fills' quantity times price, times the
  multiplier, in the quote currency) over the mean equity; costs are its fills' commissions.
  Contribution is the sum over decisions of the weight held times the instrument's return to
  the next decision's close (before costs): the part of the portfolio's return it explains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from nautilus_rl_lab.agents.base import Agent
from nautilus_rl_lab.agents.portfolio_agent import PortfolioRLAgent, PortfolioRLAgentConfig
from nautilus_rl_lab.agents.portfolio_baselines import PortfolioBaseline
from nautilus_rl_lab.evaluation.frequency import ReturnFrequency, daily_returns, return_frequency
from nautilus_rl_lab.evaluation.statistics import deflated_sharpe_ratio, performance_figures
from nautilus_rl_lab.nodes.engine import MarketData
from nautilus_rl_lab.nodes.portfolio import (
    bar_schedule,
    leg_risks,
    load_portfolio,
    portfolio_engine,
)
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.nt.analysis import ReportProvider
from nautilus_rl_lab.nt.components import add_actor
from nautilus_rl_lab.nt.engine import run_engine
from nautilus_rl_lab.nt.model import OrderStatus
from nautilus_rl_lab.nt.threads import call_with_engine
from nautilus_rl_lab.schemes.config import SchemeConfig
from nautilus_rl_lab.strategies.boundary import raise_handler_error
from nautilus_rl_lab.strategies.portfolio_agent_strategy import (
    PortfolioAgentStrategy,
    PortfolioAgentStrategyConfig,
)


@dataclass
class PortfolioRun:
    """One agent's portfolio backtest (frames indexed by UTC decision time, one column per
    instrument)."""

    name: str
    equity: pd.Series
    closes: pd.DataFrame
    positions: pd.DataFrame
    weights: pd.DataFrame
    commissions: pd.Series
    fills: pd.DataFrame
    orders: pd.DataFrame
    frequency: ReturnFrequency
    orders_denied: int = 0
    orders_rejected: int = 0
    risk_events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def returns(self) -> pd.Series:
        """Simple returns of the last equity of each UTC day."""
        return daily_returns(self.equity)

    @property
    def drawdown(self) -> pd.Series:
        """The equity's drawdown from its running peak, as a fraction (<= 0)."""
        return self.equity / self.equity.cummax() - 1.0

    @property
    def per_asset(self) -> pd.DataFrame:
        """Per instrument: `turnover` (traded notional over mean equity), `costs`
        (commissions, account currency), `contribution` (see the module) and mean `weight`."""
        names = list(self.weights.columns)
        fills = self.fills
        traded = pd.Series(0.0, index=names)
        costs = pd.Series(0.0, index=names)
        if len(fills):
            notional = fills["last_qty"].astype(float) * fills["last_px"].astype(float)
            traded = notional.groupby(fills["instrument_id"].astype(str)).sum()
            paid = fills["commission"].map(_amount)
            costs = paid.groupby(fills["instrument_id"].astype(str)).sum()
        asset_returns = self.closes.pct_change().shift(-1)
        contribution = (self.weights * asset_returns).sum()
        return pd.DataFrame(
            {
                "turnover": traded.reindex(names, fill_value=0.0) / self.equity.mean(),
                "costs": costs.reindex(names, fill_value=0.0),
                "contribution": contribution.reindex(names),
                "weight": self.weights.mean(),
            }
        )

    def stats(self, n_trials: int = 1, trial_sharpe_variance: float = 0.0) -> dict[str, float]:
        """Return and risk figures at the run's frequency (with the PSR), the DSR for a search
        of `n_trials`, turnover and costs in all, and the denied/rejected orders."""
        figures, _ = performance_figures(self.equity, self.returns, self.frequency)
        per_asset = self.per_asset
        dsr = (
            deflated_sharpe_ratio(self.returns, n_trials, trial_sharpe_variance)
            if n_trials > 1
            else figures.get("psr", math.nan)
        )
        return {
            **figures,
            "dsr": dsr,
            "turnover": float(per_asset["turnover"].sum()),
            "costs": float(per_asset["costs"].sum()),
            "orders": float(self.orders.shape[0]),
            "orders_denied": float(self.orders_denied),
            "orders_rejected": float(self.orders_rejected),
        }


def _amount(money: Any) -> float:
    """A fills report's commission (`'1.23 USD'` or a number) as a float."""
    return float(str(money).split()[0]) if isinstance(money, str) else float(money)


def run_portfolio_backtest(
    agent: Agent,
    config: TrainingNodeConfig,
    *,
    name: str | None = None,
    action: SchemeConfig | None = None,
    markets: list[MarketData] | None = None,
) -> PortfolioRun:
    """Run `agent` over `config`'s portfolio (every instrument's data range).

    `action`: the action scheme the agent's actions are for (default: a `PortfolioBaseline`'s
    own, else the config's, the one a policy was trained with). `markets` reuses loaded
    markets (several agents over the same data).
    """
    if not config.assets:
        raise ValueError("`config` has no `instruments`: use evaluation.run_backtest")
    if action is None:
        action = agent.action if isinstance(agent, PortfolioBaseline) else config.schemes[1]
    return call_with_engine("run_portfolio_backtest", _run, agent, config, action, name, markets)


def load_markets(config: TrainingNodeConfig) -> list[MarketData]:
    """The markets of `config`'s portfolio (to share between several backtests)."""
    return load_portfolio(config.assets, config.bar_step, config.bar_aggregation, config.price_type)


def _run(
    agent: Agent,
    config: TrainingNodeConfig,
    action: SchemeConfig,
    name: str | None,
    markets: list[MarketData] | None,
) -> PortfolioRun:
    markets = markets or load_markets(config)
    engine = portfolio_engine(
        config.portfolio_venues,
        markets,
        config.risk,
        execution=config.execution,
        log_level=config.log_level,
    )
    try:
        ids = [market.instrument.id for market in markets]
        actor = PortfolioRLAgent(
            PortfolioRLAgentConfig(
                component_id="PortfolioRLAgent-001",  # type: ignore[arg-type]  # str() reads it
                instrument_ids=ids,
                bar_types=[market.bar_type for market in markets],
                observation=config.schemes[0],
            ),
            agent=agent,
        )
        actor.observer.set_schedule(bar_schedule(markets))
        add_actor(engine, actor)
        caps = config.risk.exposure_caps
        strategy = PortfolioAgentStrategy(
            PortfolioAgentStrategyConfig(
                strategy_id="PORTFOLIO-001",  # type: ignore[arg-type]  # str() reads it
                instrument_ids=ids,
                action=action,
                risks=leg_risks(config.assets, config.risk),
                max_gross_exposure=caps[0],
                max_net_exposure=caps[1],
            )
        )
        engine.add_strategy(strategy)
        run_engine(engine)
        raise_handler_error(actor, strategy)
        frames = strategy.history_frames()
        orders = engine.cache.orders()
        statuses = [order.status for order in orders]
        equity = frames["equity"]
        return PortfolioRun(
            name=name or type(agent).__name__,
            equity=equity["equity"],
            closes=frames["closes"],
            positions=frames["positions"],
            weights=frames["weights"],
            commissions=equity["commissions"],
            fills=ReportProvider.generate_fills_report(orders),
            orders=ReportProvider.generate_orders_report(orders),
            frequency=return_frequency(
                markets[0].bar_type,
                markets[0].instrument.asset_class,
                equity.index,
                config.trading_days,
            ),
            orders_denied=statuses.count(OrderStatus.DENIED),
            orders_rejected=statuses.count(OrderStatus.REJECTED),
            risk_events=[
                {"instrument": instrument, **event.to_dict()}
                for instrument, event in strategy.risk_events
            ],
        )
    finally:
        engine.dispose()


def compare_portfolios(
    agents: dict[str, Agent], config: TrainingNodeConfig, *, n_trials: int = 1
) -> tuple[dict[str, PortfolioRun], pd.DataFrame]:
    """Run every agent of `agents` over `config`'s portfolio (same markets, a fresh engine
    each); the runs and a table of their `stats` (one row per agent)."""
    markets = load_markets(config)
    runs = {
        name: run_portfolio_backtest(agent, config, name=name, markets=markets)
        for name, agent in agents.items()
    }
    table = pd.DataFrame({name: run.stats(n_trials) for name, run in runs.items()}).T
    return runs, table


__all__ = [
    "PortfolioRun",
    "compare_portfolios",
    "load_markets",
    "run_portfolio_backtest",
]
