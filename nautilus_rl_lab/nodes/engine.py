"""Build a Nautilus `BacktestEngine` for one instrument from a venue config and an OHLCV frame.

Execution timing (no look-ahead, see DESIGN.md). `next_open` (default): the venue gets four
quote ticks per bar spread through it (`to_quote_ticks`: the open tick 1 ms after the bar's
open time, high and low inside, the close tick at the bar's timestamp), the strategies get
the bars, bars do not move the market (`bar_execution=False`) and a 1 ms latency model delays
orders. So an order decided on bar t (at its close) reaches the venue together with bar
t+1's open tick and fills at bar t+1's open, stamped bar t+1's open time + 1 ms (after a
weekend gap too: a bar opens at its close minus the bar interval), at the ask for buys and
the bid for sells. A venue latency longer than 1 ms fills at the first tick after the order
arrives (inside bar t+1). `bar_close`: orders reach the venue without latency and fill at the
bar's close quote, the very price the agent just saw (no latency: look-ahead, only for
comparisons). Both modes fill against the same quote ticks.

Every engine is built from a checked venue (`nautilus_rl_lab.nodes.venue.check_account`: the
leverage meaning and the strings Nautilus would abort on) and gets the margin gate
(`nautilus_rl_lab.nodes.margin`), the pre-trade margin check Nautilus lacks (NautilusTrader 2's
own check denies an order whose initial margin exceeds the free balance, reason
`INITIAL_MARGIN_EXCEEDS_FREE_BALANCE`).
Without a fill model in the venue config, `GapFillModel` fills a stop that a bar opens beyond
at that open (Nautilus alone would fill it at the stop price).

Both Nautilus lines (`nautilus_rl_lab.nt.engine`): the venue always gets an explicit fee model
(2.0 requires one), the models come from our own configs (`nodes.venue_models`), and an episode's
data is `MarketData.stream` cut to its window. NautilusTrader 2.0.0rc6's `end()` (so a plain
`run()`) processes orders still in flight when the data ends against the last quote: with the
default `GapFillModel` they are rejected (no quote at that time), 1.221 leaves them in flight;
a venue with its own fill model (a scenario's slippage) still fills them there on 2.0.
"""

from __future__ import annotations

import heapq
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd

from nautilus_rl_lab.data.wrangling import (
    OPEN_TICK_DELAY_NS,
    bar_interval,
    to_bars,
    to_quote_ticks,
)
from nautilus_rl_lab.errors import ConfigError, DataValidationError
from nautilus_rl_lab.nodes import venue_models
from nautilus_rl_lab.nodes.fills import GapFillModel
from nautilus_rl_lab.nodes.margin import install_margin_gate
from nautilus_rl_lab.nodes.venue import (
    add_venue,
    check_account,
    check_fee_rates,
    uses_instrument_fees,
)
from nautilus_rl_lab.nodes.venue_config import VenueConfig
from nautilus_rl_lab.nodes.venue_models import (
    ImportableFeeModelConfig,
    ImportableLatencyModelConfig,
)
from nautilus_rl_lab.nt.backtest import BacktestEngine
from nautilus_rl_lab.nt.common import Clock
from nautilus_rl_lab.nt.engine import create_engine, engine_clock
from nautilus_rl_lab.nt.execution import FeeModel, StaticLatencyModel
from nautilus_rl_lab.nt.fees import fee_rates
from nautilus_rl_lab.nt.model import Bar, BarType, Instrument, QuoteTick
from nautilus_rl_lab.nt.risk import RiskEngineConfig
from nautilus_rl_lab.validation import check_known

_T = TypeVar("_T")
EXECUTION_MODES = ("next_open", "bar_close")
# 1 ms: an order decided at a bar's close reaches the venue with the next bar's open tick.
DEFAULT_LATENCY_NS = OPEN_TICK_DELAY_NS
TICKS_PER_BAR = 4  # open, high, low, close (`to_quote_ticks`)
# `lean` engines keep this many recent ticks and bars per type in the cache (Nautilus: 10,000);
# nothing here reads cached market data history, strategies get each bar in `on_bar`.
LEAN_CACHE_CAPACITY = 1_000


def default_venue(
    name: str = "SIM",
    starting_balance: str = "100000 USD",
    leverage: float | None = None,
    oms_type: str = "NETTING",
    account_type: str = "MARGIN",
    fee_model: ImportableFeeModelConfig | None = None,
) -> VenueConfig:
    """A netting venue with one balance; `leverage`:1 (default 30 on MARGIN, 1 on CASH);
    `fee_model`: the venue's (default: each instrument's own maker/taker rates)."""
    currency = starting_balance.split()[-1]
    if leverage is None:
        leverage = 30.0 if account_type == "MARGIN" else 1.0
    return VenueConfig(
        name=name,
        oms_type=oms_type,
        account_type=account_type,
        starting_balances=[starting_balance],
        base_currency=currency,
        default_leverage=leverage,
        fee_model=fee_model,
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

    @property
    def stream(self) -> list[QuoteTick | Bar]:
        """Quotes and bars in the order the engine runs them (by `ts_init`, at equal times the
        quote first, so the portfolio marks a bar's close before the strategy sees the bar);
        what `nt.engine.set_stream_data` takes for an episode."""
        merged: Iterator[QuoteTick | Bar] = heapq.merge(
            self.quotes, self.bars, key=operator.attrgetter("ts_init")
        )
        return list(merged)

    @property
    def open_tick_timestamps(self) -> list[int]:
        """Timestamps of each bar's open quote tick (the first of its four ticks)."""
        if len(self.quotes) != TICKS_PER_BAR * len(self.bars):
            raise DataValidationError(
                f"`quotes`: expected {TICKS_PER_BAR} quote ticks per bar (open, high, low, "
                f"close), got {len(self.quotes)} for {len(self.bars)} bars"
            )
        return [tick.ts_event for tick in self.quotes[::TICKS_PER_BAR]]


def prepare_market_data(
    frame: pd.DataFrame,
    instrument: Instrument,
    bar_type: BarType,
    *,
    spread: float | None,
    price_side: str,
    spread_bps: float | None = None,
) -> MarketData:
    """Turn an OHLCV frame into the strategy's bars and the venue's quote ticks.

    The spread is `spread` (price units) or `spread_bps` (basis points), see `to_quote_ticks`.
    """
    bars = to_bars(frame, bar_type, instrument)
    quotes = to_quote_ticks(
        frame,
        instrument,
        spread=spread,
        spread_bps=spread_bps,
        side=price_side,
        open_delay_ns=DEFAULT_LATENCY_NS,
        interval=bar_interval(bar_type),
    )
    return MarketData(instrument, bar_type, frame, bars, quotes)


def check_execution(execution: str) -> None:
    """Raise `ConfigError` unless `execution` is a known mode."""
    check_known("execution", execution, EXECUTION_MODES)


def _venue_model(field: str, create: Callable[[Any], _T], config: object | None) -> _T | None:
    """The venue's `field` model (`None` without a config); a bad config names the field."""
    if config is None:
        return None
    try:
        return create(config)
    except (ImportError, AttributeError, TypeError, ValueError, KeyError) as e:
        raise ConfigError(f"`venue.{field}` cannot be built: {e}") from e


def _latency_model(venue: VenueConfig, execution: str) -> Any:
    if execution == "bar_close":
        return None
    model = _venue_model("latency_model", venue_models.latency_model, venue.latency_model)
    return model or StaticLatencyModel(base_latency_nanos=DEFAULT_LATENCY_NS)


def venue_fee_model(venue: VenueConfig, instrument: Instrument) -> FeeModel:
    """The venue's `fee_model`, else `instrument`'s own maker/taker fee rates.

    Explicit although Nautilus 1.221 falls back to the same `MakerTakerFeeModel()`:
    NautilusTrader 2 requires a fee model on every venue (and its instruments carry no rates).
    """
    fee_model: FeeModel | None = _venue_model(
        "fee_model", lambda config: venue_models.fee_model(config, instrument), venue.fee_model
    )
    return venue_models.fee_model(None, instrument) if fee_model is None else fee_model


def default_latency_config() -> ImportableLatencyModelConfig:
    """The 1 ms latency model as an importable config (for `VenueConfig`)."""
    return venue_models.default_latency_config(DEFAULT_LATENCY_NS)


def build_engine(
    venue: VenueConfig | Sequence[VenueConfig],
    data: MarketData | Sequence[MarketData],
    *,
    execution: str = "next_open",
    trader_id: str = "RL-001",
    log_level: str = "ERROR",
    bypass_logging: bool = True,
    run_analysis: bool = False,
    risk_engine: RiskEngineConfig | None = None,
    lean: bool = True,
    smallest_order: float | Sequence[float | None] | None = None,
) -> BacktestEngine:
    """Create an engine with `venue`, the instrument(s) and their data; strategies are added by
    the caller.

    `data`: one market, or several (a portfolio: one engine, the instruments' data in one time
    order; at equal times every quote before any bar, so a decision on the last bar of a
    timestamp sees every instrument marked at that close).
    `venue`: one venue trading every market, or several (a portfolio over venues): each trades
    the markets whose instrument names it, with its own fee, fill, latency and margin models.
    Post-run analysis is off by default: it costs as much as a whole run and RL loops never
    read it (turn it on for reporting backtests). `risk_engine` configures Nautilus'
    `RiskEngine` (order rate, notional per order; `strategies.risk_engine_config`).
    `smallest_order`: the fewest units an order of the caller can have (`smallest_order`
    of `nodes.training`; one per market for several): fee rates it would pay as 0 are refused
    (`None`: sizes unknown, a warning about the smallest fill).
    `lean` (default) is the fastest configuration that keeps every fill, fee and balance (the
    benchmark checks it against the default one): a `LEAN_CACHE_CAPACITY` tick/bar cache and
    no re-check of the data's time order (`add_data` has sorted it already).
    """
    markets = [data] if isinstance(data, MarketData) else list(data)
    smallest = (
        list(smallest_order)
        if isinstance(smallest_order, Sequence)
        else [smallest_order] * len(markets)
    )
    check_execution(execution)
    groups = venue_markets(venue, markets, smallest)
    models = [_venue_models(v, group, execution) for v, group in groups]
    engine = create_engine(
        trader_id=trader_id,
        log_level=log_level,
        bypass_logging=bypass_logging,
        run_analysis=run_analysis,
        risk_engine=risk_engine or RiskEngineConfig(),
        cache_capacity=LEAN_CACHE_CAPACITY if lean else None,
        validate_data_sequence=not lean,
    )
    clock: Clock | None = None  # one clock reader per engine, for every default fill model
    for (v, group), (margin_model, fill_model, fee_model, latency_model) in zip(
        groups, models, strict=True
    ):
        group_markets = [market for market, _ in group]
        if fill_model is None:  # stops gapped through fill at the open, not the stop
            clock = clock or engine_clock(engine)
            fill_model = GapFillModel(
                {m.instrument.id: m.open_tick_timestamps for m in group_markets},
                clock,
                {m.instrument.id: (tick.ts_event for tick in m.quotes) for m in group_markets},
            )
        add_venue(
            engine,
            v,
            group_markets[0].instrument,
            margin_model=margin_model,
            fill_model=fill_model,
            fee_model=fee_model,
            latency_model=latency_model,
        )
        for market in group_markets:
            engine.add_instrument(market.instrument)
    install_margin_gate(engine)
    # Quotes first: at equal timestamps the bars' close ticks reach the venue before the bars
    # reach the strategy, so the portfolio marks positions at the bar's close.
    engine.add_data([quote for market in markets for quote in market.quotes])
    engine.add_data([bar for market in markets for bar in market.bars])
    return engine


_Group = list[tuple[MarketData, float | None]]


def venue_markets(
    venue: VenueConfig | Sequence[VenueConfig],
    markets: Sequence[MarketData],
    smallest: Sequence[float | None],
) -> list[tuple[VenueConfig, _Group]]:
    """Each venue with the markets it trades (and their smallest orders), checked: one venue
    trades every market; of several, each trades the markets whose instrument names it."""
    venues = [venue] if isinstance(venue, VenueConfig) else list(venue)
    pairs = list(zip(markets, smallest, strict=True))
    if len(venues) == 1:
        groups = [(venues[0], pairs)]
    else:
        names = [v.name for v in venues]
        strays = [str(m.instrument.id) for m, _ in pairs if str(m.instrument.id.venue) not in names]
        if strays:
            raise ConfigError(f"instruments {strays} trade at none of the venues {names}")
        groups = [
            (v, [p for p in pairs if str(p[0].instrument.id.venue) == v.name]) for v in venues
        ]
    for v, group in groups:
        check_markets(v, [market for market, _ in group])
        for market, size in group:
            check_account(v, market.instrument)
            check_fee_rates(v, market.instrument, float(market.frame["low"].min()), size)
    return groups


def _venue_models(venue: VenueConfig, group: _Group, execution: str) -> tuple[Any, Any, Any, Any]:
    """`venue`'s margin, fill (`None`: the default `GapFillModel`, built with the engine), fee
    and latency models."""
    margin_model = _venue_model("margin_model", venue_models.margin_model, venue.margin_model)
    fill_model = _venue_model("fill_model", venue_models.fill_model, venue.fill_model)
    fee_model = venue_fee_model(venue, group[0][0].instrument)
    return margin_model, fill_model, fee_model, _latency_model(venue, execution)


def check_markets(venue: VenueConfig, markets: Sequence[MarketData]) -> None:
    """Raise `ConfigError` unless `markets` are distinct instruments an engine can trade
    together: at least one, each once, and (for several) one fee model for all of them."""
    if not markets:
        raise ConfigError("an engine needs at least one market")
    ids = [str(market.instrument.id) for market in markets]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ConfigError(f"instruments must be distinct, {', '.join(repeated)} given twice")
    if len(markets) > 1 and uses_instrument_fees(venue):
        rates = {str(market.instrument.id): fee_rates(market.instrument) for market in markets}
        if len(set(rates.values())) > 1:
            listed = ", ".join(f"{i}: {[str(r) for r in rate]}" for i, rate in rates.items())
            raise ConfigError(
                f"the instruments' (maker, taker) fee rates differ ({listed}): the venue "
                "charges one fee model; give them the same rates or set `venue.fee_model`"
            )
