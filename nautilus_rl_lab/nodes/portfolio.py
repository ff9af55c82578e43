"""A `TrainingNode` over several instruments: one Nautilus engine, one decision clock.

`TrainingNodeConfig.instruments` lists `PortfolioAsset`s (each its own `InstrumentSpec`, data
source and optional risk rules). Their quotes and bars stream through one engine in time
order; the strategy (`strategies.portfolio_strategy`) decides once per timestamp of the union
of the instruments' bar times, on the bar that completes it (`strategies.portfolio_clock`: an
instrument with no bar then keeps its last close, is not traded, and never sees a later
price). Fills, fees, margin and the equity in the account currency are Nautilus'.

Cash and margin accounts: on a CASH account only long-only action schemes (`check_long_only`),
and a rebalance's purchases wait for its sales to fill (`strategies.portfolio_path`).
The instruments trade at one venue (`TrainingNodeConfig.venue`) or several (`venue` and
`venues`): every instrument's `venue` names one of them, and each venue trades its instruments
with its own models and account; the portfolio's equity is the sum of the accounts' (see
`strategies.portfolio_execution.read_portfolio_state`). Limits, each refused with a
`ConfigError`: an account with a base currency; over several venues, MARGIN accounts with the
same base currency (their equity is summed in one currency); no inverse instruments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nautilus_rl_lab.config import LabConfig
from nautilus_rl_lab.data.instruments import InstrumentSpec, make_instrument
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes.engine import MarketData, build_engine
from nautilus_rl_lab.nodes.env_strategy import EnvDecisions
from nautilus_rl_lab.nodes.markets import load_market
from nautilus_rl_lab.nodes.venue import check_account
from nautilus_rl_lab.nodes.venue_config import VenueConfig
from nautilus_rl_lab.nt.backtest import BacktestEngine
from nautilus_rl_lab.nt.model import AccountType
from nautilus_rl_lab.schemes.config import SchemeConfig
from nautilus_rl_lab.schemes.portfolio import PortfolioState
from nautilus_rl_lab.schemes.portfolio_registry import build_portfolio_action
from nautilus_rl_lab.strategies.portfolio_clock import bars_due
from nautilus_rl_lab.strategies.portfolio_execution import order_lot
from nautilus_rl_lab.strategies.portfolio_strategy import (
    PortfolioStrategy,
    PortfolioStrategyConfig,
)
from nautilus_rl_lab.strategies.risk import RiskLimits, risk_engine_config

#: A portfolio's schemes when the config keeps the single-instrument defaults.
DEFAULT_OBSERVATION = SchemeConfig(name="stacked_window")
DEFAULT_ACTION = SchemeConfig(name="simplex_weights")
HISTORY_FIELDS = ("ts", "equity", "positions", "weights", "action")


class PortfolioAsset(LabConfig, frozen=True, forbid_unknown_fields=True):
    """One instrument of a portfolio: its spec, its data and its own risk rules (`None`: the
    portfolio's `risk`)."""

    instrument: InstrumentSpec
    data: DataSourceConfig = DataSourceConfig()
    risk: RiskLimits | None = None


def check_portfolio(venues: Sequence[VenueConfig], assets: list[PortfolioAsset]) -> None:
    """Raise `ConfigError` unless `assets` can trade together at `venues` (the config's `venue`
    then its `venues`; see the module)."""
    ids = [f"{asset.instrument.symbol}.{asset.instrument.venue}" for asset in assets]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ConfigError(f"`instruments` must be distinct, {', '.join(repeated)} given twice")
    by_name = {venue.name: venue for venue in venues}
    if len(by_name) < len(venues):
        names = [venue.name for venue in venues]
        raise ConfigError(f"`venue`/`venues` names must be distinct, were {names}")
    for venue in venues:
        _check_portfolio_venue(venue, several=len(venues) > 1)
    currencies = {venue.base_currency for venue in venues}
    if len(currencies) > 1:
        listed = ", ".join(f"{venue.name}: {venue.base_currency}" for venue in venues)
        raise ConfigError(
            f"the venues' `base_currency` differ ({listed}): a portfolio sums their accounts' "
            "equity in one currency"
        )
    for i, asset in enumerate(assets):
        at = by_name.get(asset.instrument.venue)
        if at is None:
            raise ConfigError(
                f"`instruments[{i}].instrument.venue` {asset.instrument.venue!r} must name one "
                f"venue of `venue`/`venues` ({', '.join(map(repr, by_name))})"
            )
        instrument = make_instrument(asset.instrument)
        if instrument.is_inverse:
            raise ConfigError(f"`instruments[{i}]` {instrument.id} is inverse: not supported")
        check_account(at, instrument)
    traded = {asset.instrument.venue for asset in assets}
    idle = [name for name in by_name if name not in traded]
    if idle:
        raise ConfigError(f"venue(s) {idle} of `venues` trade none of `instruments`")


def _check_portfolio_venue(venue: VenueConfig, *, several: bool) -> None:
    """Raise `ConfigError` unless `venue` has a base currency and, one of `several`, a MARGIN
    account."""
    if several and venue.account != AccountType.MARGIN:
        raise ConfigError(
            f"a portfolio over several venues needs `account_type: MARGIN` at venue "
            f"{venue.name!r}: its equity is the sum of the venues' margin accounts"
        )
    if venue.base_currency is None:
        raise ConfigError(
            f"a portfolio needs a `base_currency` at venue {venue.name!r}: its weights and "
            "equity are in one currency"
        )


def check_long_only(venue: VenueConfig, action: SchemeConfig, n_assets: int) -> None:
    """On a CASH account, raise `ConfigError` if `action` can target a short weight (probed at
    the lowest actions): a cash account holds no short positions."""
    if venue.account != AccountType.CASH:
        return
    scheme = build_portfolio_action(action, n_assets)
    space = scheme.space
    low = getattr(space, "low", None)
    probe = low if low is not None else np.zeros(len(getattr(space, "nvec", [])), dtype=np.int64)
    target = scheme.target_weights(probe, np.zeros(n_assets))
    if target is not None and (np.asarray(target) < 0).any():
        raise ConfigError(
            f"`action` {type(scheme).__name__} can target short weights but `venue.account_type` "
            "is CASH, which cannot hold short positions; use `simplex_weights`, "
            "`discrete_targets` with `allow_short: false`, or a MARGIN account"
        )


@dataclass
class Portfolio:
    """A portfolio env's markets, strategy and decision clock (the union of bar times)."""

    markets: list[MarketData]
    strategy: GymPortfolioStrategy
    timestamps: np.ndarray
    asset_timestamps: list[np.ndarray]
    earliest: int  # the first decision index at which every instrument is warm

    def episode_start(self, first: int, first_datum_ns: int) -> int:
        """The first `ts_init` an episode deciding first at index `first` streams: every
        instrument gets its warm-up bars before that decision, whose quotes included; the
        strategy decides from that timestamp on (an instrument streamed longer is warm earlier)."""
        decision = int(self.timestamps[first])
        warmup = self.strategy.warmup_bars
        start = None
        for times in self.asset_timestamps:
            seen = int(np.searchsorted(times, decision, side="right"))  # bars <= decision
            before = seen - warmup - 1  # the bar before this instrument's warm-up
            begin = int(times[before]) + 1 if before >= 0 else first_datum_ns
            start = begin if start is None else min(start, begin)
        self.strategy.observer.decide_from_ns = decision
        return first_datum_ns if start is None else start

    def history_row(self, state: PortfolioState, action: Any) -> tuple[Any, ...]:
        """One `history` row (`HISTORY_FIELDS`)."""
        recorded = None if action is None else np.asarray(action).tolist()
        return (state.ts_ns, state.equity, state.positions, state.weights, recorded)

    def info(self, state: PortfolioState, events_seen: int) -> tuple[dict[str, Any], int]:
        """The step's portfolio info and the number of risk events seen so far."""
        strategy = self.strategy
        events = strategy.risk_events
        fresh = [
            {"instrument": instrument, **event.to_dict()}
            for instrument, event in events[events_seen:]
        ]
        return {
            "timestamp": state.ts_ns,
            "equity": state.equity,
            "balance": state.balance,
            "unrealized_pnl": state.unrealized_pnl,
            "commissions": state.commissions,
            "closes": state.closes,
            "positions": state.positions,
            "weights": state.weights,
            "cash_weight": state.cash_weight,
            "trading": state.trading,
            "rounding_residual": strategy.rounding_residual,
            "orders_denied": strategy.orders_denied,
            "orders_rejected": strategy.orders_rejected,
            "risk_events": fresh,
        }, len(events)


class GymPortfolioStrategy(EnvDecisions, PortfolioStrategy):
    """The strategy inside a portfolio `TrainingNode`: hands each observation to the env."""


def portfolio_schemes(
    observation: SchemeConfig, action: SchemeConfig, single: tuple[SchemeConfig, SchemeConfig]
) -> tuple[SchemeConfig, SchemeConfig]:
    """The portfolio's schemes: the configured ones, or the portfolio defaults where the config
    keeps the single-instrument defaults `single`."""
    return (
        DEFAULT_OBSERVATION if observation == single[0] else observation,
        DEFAULT_ACTION if action == single[1] else action,
    )


def load_portfolio(
    assets: list[PortfolioAsset], bar_step: int, bar_aggregation: str, price_type: str
) -> list[MarketData]:
    """Each asset's market (instrument, bars, quotes), in the portfolio's order."""
    return [
        load_market(asset.instrument, asset.data, bar_step, bar_aggregation, price_type)
        for asset in assets
    ]


def portfolio_engine(
    venues: Sequence[VenueConfig],
    markets: list[MarketData],
    risk: RiskLimits,
    *,
    execution: str,
    log_level: str,
    run_analysis: bool = False,
) -> BacktestEngine:
    """The engine a portfolio trades `markets` at `venues` in (no strategy yet): the env's and
    the backtests'."""
    return build_engine(
        venues,
        markets,
        execution=execution,
        log_level=log_level,
        risk_engine=risk_engine_config(risk, markets[0].instrument.id),
        smallest_order=[order_lot(market.instrument) for market in markets],
        run_analysis=run_analysis,
    )


def bar_schedule(markets: list[MarketData]) -> dict[int, int]:
    """The number of the markets' instruments with a bar at each bar time (the aligned clock's
    schedule, `strategies.portfolio_clock`)."""
    return bars_due([market.bar_timestamps for market in markets])


def build_portfolio(
    venues: Sequence[VenueConfig],
    assets: list[PortfolioAsset],
    schemes: tuple[SchemeConfig, SchemeConfig],
    risk: RiskLimits,
    *,
    bar_step: int,
    bar_aggregation: str,
    price_type: str,
    execution: str,
    log_level: str,
) -> tuple[BacktestEngine, Portfolio]:
    """The engine trading `assets` at `venues` and the env's view of it (strategy not added)."""
    markets = load_portfolio(assets, bar_step, bar_aggregation, price_type)
    engine = portfolio_engine(venues, markets, risk, execution=execution, log_level=log_level)
    observation, action = schemes
    strategy = GymPortfolioStrategy(
        PortfolioStrategyConfig(
            strategy_id="GYM-001",  # type: ignore[arg-type]  # str() reads it
            instrument_ids=[market.instrument.id for market in markets],
            bar_types=[market.bar_type for market in markets],
            observation=observation,
            action=action,
            risks=leg_risks(assets, risk),
            max_gross_exposure=risk.exposure_caps[0],
            max_net_exposure=risk.exposure_caps[1],
        )
    )
    strategy.observer.set_schedule(bar_schedule(markets))
    strategy.precompute([market.bars for market in markets])
    asset_timestamps = [np.asarray(m.bar_timestamps, dtype=np.int64) for m in markets]
    timestamps = np.unique(np.concatenate(asset_timestamps))
    warmup = strategy.warmup_bars
    short = [
        f"{m.instrument.id} ({len(t)})"
        for m, t in zip(markets, asset_timestamps, strict=True)
        if len(t) < warmup + 1
    ]
    if short:
        raise ConfigError(
            f"the observation scheme needs {warmup} warm-up bars plus one step of every "
            f"instrument; too few bars: {', '.join(short)}"
        )
    warm_at = max(int(times[warmup - 1]) for times in asset_timestamps)
    earliest = int(np.searchsorted(timestamps, warm_at))
    if earliest >= len(timestamps) - 1:
        raise ConfigError("the instruments' data overlap too little for one step after warm-up")
    return engine, Portfolio(markets, strategy, timestamps, asset_timestamps, earliest)


def leg_risks(assets: list[PortfolioAsset], risk: RiskLimits) -> list[RiskLimits]:
    """Each instrument's risk rules: its own, else the portfolio's."""
    return [asset.risk or risk for asset in assets]
