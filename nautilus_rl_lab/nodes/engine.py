"""Build a Nautilus `BacktestEngine` for one instrument from a venue config and an OHLCV frame.

Execution timing (no look-ahead, see DESIGN.md). `next_open` (default): the venue gets four
quote ticks per bar (open/high/low/close, the close tick at the bar's timestamp), the
strategies get the bars, bars do not move the market (`bar_execution=False`) and a 1 ms
latency model delays orders, so an order decided on bar t fills at bar t+1's open, at the
ask for buys and the bid for sells. `bar_close`: orders reach the venue without latency and fill
at the bar's close quote, the very price the agent just saw (no latency: look-ahead, only
for comparisons). Both modes fill against the same quote ticks, at the ask for buys and the
bid for sells.

Every engine is built from a checked venue (`nautilus_rl_lab.nodes.venue.check_account`: the
leverage meaning and the strings Nautilus would abort on) and gets a `MarginGate`
(`nautilus_rl_lab.nodes.margin`), the pre-trade margin check Nautilus 1.221 lacks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

import pandas as pd
from nautilus_trader.backtest.config import BacktestVenueConfig, ImportableLatencyModelConfig
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.backtest.models import LatencyModel
from nautilus_trader.backtest.node import (
    get_account_type,
    get_base_currency,
    get_fee_model,
    get_fill_model,
    get_latency_model,
    get_leverages,
    get_margin_model,
    get_oms_type,
    get_starting_balances,
)
from nautilus_trader.config import CacheConfig, LoggingConfig
from nautilus_trader.model.data import Bar, BarType, QuoteTick
from nautilus_trader.model.identifiers import TraderId, Venue
from nautilus_trader.model.instruments import Instrument

from nautilus_rl_lab.data.wrangling import bar_interval, to_bars, to_quote_ticks
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes.margin import MarginGate
from nautilus_rl_lab.nodes.venue import check_account

_T = TypeVar("_T")
EXECUTION_MODES = ("next_open", "bar_close")
DEFAULT_LATENCY_NS = 1_000_000  # 1 ms: the order reaches the venue after the bar's close tick


def default_venue(
    name: str = "SIM",
    starting_balance: str = "100000 USD",
    leverage: float | None = None,
    oms_type: str = "NETTING",
    account_type: str = "MARGIN",
) -> BacktestVenueConfig:
    """A netting venue with one balance; `leverage`:1 (default 30 on MARGIN, 1 on CASH)."""
    currency = starting_balance.split()[-1]
    if leverage is None:
        leverage = 30.0 if account_type == "MARGIN" else 1.0
    return BacktestVenueConfig(
        name=name,
        oms_type=oms_type,
        account_type=account_type,
        starting_balances=[starting_balance],
        base_currency=currency,
        default_leverage=leverage,
    )


@dataclass(frozen=True)
class MarketData:
    """One instrument's bars and the quote ticks the venue fills against."""

    instrument: Instrument
    bar_type: BarType
    frame: pd.DataFrame
    bars: list[Bar]
    quotes: list[QuoteTick]

    @property
    def bar_timestamps(self) -> list[int]:
        """Bar timestamps (close times, ns)."""
        return [bar.ts_event for bar in self.bars]


def prepare_market_data(
    frame: pd.DataFrame,
    instrument: Instrument,
    bar_type: BarType,
    *,
    spread: float,
    price_side: str,
) -> MarketData:
    """Turn an OHLCV frame into the strategy's bars and the venue's quote ticks."""
    bars = to_bars(frame, bar_type, instrument)
    quotes = to_quote_ticks(
        frame, instrument, spread=spread, side=price_side, interval=bar_interval(bar_type)
    )
    return MarketData(instrument, bar_type, frame, bars, quotes)


def check_execution(execution: str) -> None:
    """Raise `ConfigError` unless `execution` is a known mode."""
    if execution not in EXECUTION_MODES:
        raise ConfigError(f"`execution` {execution!r} is unknown: use one of {EXECUTION_MODES}")


def _latency_model(venue: BacktestVenueConfig, execution: str) -> LatencyModel | None:
    if execution == "bar_close":
        return None
    return get_latency_model(venue) or LatencyModel(base_latency_nanos=DEFAULT_LATENCY_NS)


def _venue_model(
    field: str, build: Callable[[BacktestVenueConfig], _T], venue: BacktestVenueConfig
) -> _T:
    """Build the venue's `field` model, naming the field when its importable config is wrong."""
    try:
        return build(venue)
    except (ImportError, AttributeError, TypeError, ValueError, KeyError) as e:
        raise ConfigError(f"`venue.{field}` cannot be built: {e}") from e


def default_latency_config() -> ImportableLatencyModelConfig:
    """The 1 ms latency model as an importable config (for `BacktestVenueConfig`)."""
    return ImportableLatencyModelConfig(
        latency_model_path="nautilus_trader.backtest.models:LatencyModel",
        config_path="nautilus_trader.backtest.config:LatencyModelConfig",
        config={"base_latency_nanos": DEFAULT_LATENCY_NS},
    )


class QuietBacktestEngine(BacktestEngine):
    """A `BacktestEngine` that skips the pre-run system report.

    Nautilus logs machine and package info at the start of every run, which costs ~20 ms even
    with logging bypassed: most of a short RL episode's reset. Used when logging is bypassed.
    """

    def _log_pre_run(self) -> None:
        return


def build_engine(
    venue: BacktestVenueConfig,
    data: MarketData,
    *,
    execution: str = "next_open",
    trader_id: str = "RL-001",
    log_level: str = "ERROR",
    bypass_logging: bool = True,
    run_analysis: bool = False,
) -> BacktestEngine:
    """Create an engine with `venue`, the instrument and its data; strategies are added by the caller.

    Post-run analysis is off by default: it costs as much as a whole run and RL loops never
    read it (turn it on for reporting backtests).
    """
    check_execution(execution)
    check_account(venue, data.instrument)
    models = {
        "margin_model": _venue_model("margin_model", get_margin_model, venue),
        "fill_model": _venue_model("fill_model", get_fill_model, venue),
        "fee_model": _venue_model("fee_model", get_fee_model, venue),
        "latency_model": _venue_model(
            "latency_model", lambda v: _latency_model(v, execution), venue
        ),
    }
    engine_class = QuietBacktestEngine if bypass_logging else BacktestEngine
    engine = engine_class(
        BacktestEngineConfig(
            trader_id=TraderId(trader_id),
            logging=LoggingConfig(log_level=log_level, bypass_logging=bypass_logging),
            cache=CacheConfig(drop_instruments_on_reset=False),
            run_analysis=run_analysis,
        ),
    )
    engine.add_venue(
        venue=Venue(venue.name),
        oms_type=get_oms_type(venue),
        account_type=get_account_type(venue),
        starting_balances=get_starting_balances(venue),
        base_currency=get_base_currency(venue),
        default_leverage=Decimal(str(venue.default_leverage)),
        leverages=get_leverages(venue),
        **models,
        routing=venue.routing,
        reject_stop_orders=venue.reject_stop_orders,
        support_gtd_orders=venue.support_gtd_orders,
        support_contingent_orders=venue.support_contingent_orders,
        use_position_ids=venue.use_position_ids,
        use_random_ids=venue.use_random_ids,
        use_reduce_only=venue.use_reduce_only,
        bar_execution=False,
        trade_execution=venue.trade_execution,
        allow_cash_borrowing=venue.allow_cash_borrowing,
        frozen_account=venue.frozen_account,
    )
    engine.add_instrument(data.instrument)
    MarginGate.install(engine)
    # Quotes first: at equal timestamps the bar's close tick reaches the venue before the bar
    # reaches the strategy, so the portfolio marks positions at the bar's close.
    engine.add_data(data.quotes)
    engine.add_data(data.bars)
    return engine
