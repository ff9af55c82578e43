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

Leverage (one meaning everywhere). On a MARGIN account `venue.default_leverage` (or
`venue.leverages[instrument_id]`) is the leverage: Nautilus' default leveraged margin model
charges `notional / leverage * instrument.margin_init`, so the instrument's margin rates stay at
1 (the `InstrumentSpec` default) and 30 means 30:1. A rate below 1 would stack on the leverage
(0.03 with 30 is 1000:1) and is refused. With `venue.margin_model: standard` Nautilus ignores the
venue's leverage and charges `notional * margin_init`; the leverage is then `1 / margin_init` and
a venue leverage other than 1 is refused. CASH accounts pay in full (leverage 1). Nautilus 1.221
checks no margin before a margin-account order fills (its risk engine skips margin accounts and
the simulated venue never checks), so `build_engine` installs `MarginGate`
(`nautilus_rl_lab.nodes.margin`): an order whose resulting position needs more initial margin
than the account's equity is denied (`OrderDenied`, reason `MARGIN_EXCEEDS_EQUITY`), never
resized. Live, the broker (the MT5 terminal) decides and rejects with "no money".

`check_venue` validates every string and number of a `BacktestVenueConfig` before Nautilus parses
it (some bad strings abort the interpreter), `check_account` the venue against the instrument;
`build_engine` runs both.

Without a fill model in the venue config, `GapFillModel` fills a stop that a bar
opens beyond at that open (Nautilus alone would fill it at the stop price).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pandas as pd
from nautilus_trader.backtest.config import (
    BacktestVenueConfig,
    ImportableLatencyModelConfig,
    MarginModelConfig,
)
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
from nautilus_trader.config import CacheConfig, DataEngineConfig, LoggingConfig
from nautilus_trader.model.data import Bar, BarType, QuoteTick
from nautilus_trader.model.identifiers import TraderId, Venue
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Currency
from nautilus_trader.risk.config import RiskEngineConfig

from nautilus_rl_lab.data.wrangling import (
    OPEN_TICK_DELAY_NS,
    bar_interval,
    to_bars,
    to_quote_ticks,
)
from nautilus_rl_lab.errors import ConfigError, DataValidationError
from nautilus_rl_lab.nodes.fills import GapFillModel
from nautilus_rl_lab.nodes.margin import MarginGate

EXECUTION_MODES = ("next_open", "bar_close")
# 1 ms: an order decided at a bar's close reaches the venue with the next bar's open tick.
DEFAULT_LATENCY_NS = OPEN_TICK_DELAY_NS
OMS_TYPES = ("NETTING", "HEDGING")
ACCOUNT_TYPES = ("CASH", "MARGIN")
MARGIN_MODELS = ("leveraged", "standard")
BOOK_TYPES = ("L1_MBP",)  # the venue gets quote ticks: top of book only
_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")
_BOOL_FIELDS = (
    "routing",
    "reject_stop_orders",
    "support_gtd_orders",
    "support_contingent_orders",
    "use_position_ids",
    "use_random_ids",
    "use_reduce_only",
    "bar_execution",
    "bar_adaptive_high_low_ordering",
    "trade_execution",
    "allow_cash_borrowing",
    "frozen_account",
)
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


def _name(value: object) -> object:
    """An enum member's name, any other value unchanged (config fields take both)."""
    return value if isinstance(value, str) else getattr(value, "name", value)


def _choice(field: str, value: object, allowed: tuple[str, ...]) -> str:
    name = _name(value)
    if name not in allowed:
        raise ConfigError(f"`venue.{field}` must be one of {', '.join(allowed)}, was {value!r}")
    return str(name)


def _currency(field: str, code: object) -> Currency:
    currency = Currency.from_str(code, strict=True) if isinstance(code, str) else None
    if currency is None:
        raise ConfigError(
            f"`{field}` must be a known ISO currency code such as 'USD', was {code!r}"
        )
    return currency


def _leverage(field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"`{field}` must be a finite number > 0, was {value!r}")
    if value <= 0:
        raise ConfigError(f"`{field}` must be > 0 (30 means 30:1), was {value!r}")
    return float(value)


def _starting_balances(venue: BacktestVenueConfig) -> list[Currency]:
    balances = venue.starting_balances
    if not isinstance(balances, list | tuple) or not balances:
        raise ConfigError(
            f"`venue.starting_balances` must be a non-empty list such as ['100000 USD'], "
            f"was {balances!r}",
        )
    currencies: list[Currency] = []
    for i, text in enumerate(balances):
        field = f"venue.starting_balances[{i}]"
        parts = text.split() if isinstance(text, str) else []
        if len(parts) != 2:
            raise ConfigError(
                f"`{field}` must be 'AMOUNT CURRENCY' such as '100000 USD', was {text!r}"
            )
        try:
            amount = Decimal(parts[0])
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite() or not 0 < amount < Decimal("1e15"):
            raise ConfigError(
                f"`{field}` amount must be a number > 0 (and below 1e15), was {parts[0]!r}"
            )
        currency = _currency(field, parts[1])
        if currency in currencies:
            raise ConfigError(f"`{field}`: currency {currency.code} appears twice")
        currencies.append(currency)
    return currencies


def check_venue(venue: BacktestVenueConfig) -> None:
    """Raise `ConfigError` naming the `venue.*` field unless Nautilus can parse every value.

    Runs before Nautilus sees the strings: some (an unknown OMS or account type, book type)
    abort the interpreter inside Nautilus instead of raising.
    """
    if not isinstance(venue, BacktestVenueConfig):
        raise ConfigError(f"`venue` must be a BacktestVenueConfig, was {type(venue).__name__}")
    if not isinstance(venue.name, str) or not _NAME.match(venue.name):
        raise ConfigError(
            f"`venue.name` must be letters, digits, '_' or '-' (e.g. 'SIM'), was {venue.name!r}"
        )
    _choice("oms_type", venue.oms_type, OMS_TYPES)
    account_type = _choice("account_type", venue.account_type, ACCOUNT_TYPES)
    _choice("book_type", venue.book_type, BOOK_TYPES)
    currencies = _starting_balances(venue)
    if venue.base_currency is not None:
        base = _currency("venue.base_currency", venue.base_currency)
        if currencies != [base]:
            raise ConfigError(
                f"`venue.base_currency` {base.code} needs exactly one starting balance in "
                f"{base.code}, `venue.starting_balances` was {venue.starting_balances!r} (set "
                "`base_currency: null` for a multi-currency account)",
            )
    leverage = _leverage("venue.default_leverage", venue.default_leverage)
    leverages = venue.leverages or {}
    if not isinstance(leverages, dict):
        raise ConfigError(f"`venue.leverages` must be a mapping, was {leverages!r}")
    for key, value in leverages.items():
        suffix = f".{venue.name}"
        symbol = key[: -len(suffix)] if isinstance(key, str) and key.endswith(suffix) else ""
        if not symbol or not symbol.strip() or symbol != symbol.strip():
            raise ConfigError(
                f"`venue.leverages` key {key!r} must be an instrument id of this venue, "
                f"'SYMBOL{suffix}' (e.g. 'EUR/USD{suffix}')",
            )
        _leverage(f"venue.leverages[{key!r}]", value)
    if account_type == "CASH" and (leverage != 1.0 or leverages):
        raise ConfigError(
            f"`venue.default_leverage` ({venue.default_leverage}) and `venue.leverages` apply to "
            "MARGIN accounts only: a CASH account pays in full; set `default_leverage: 1` and "
            "remove `leverages`, or use `account_type: MARGIN`",
        )
    margin_model = venue.margin_model
    if margin_model is not None:
        if not isinstance(margin_model, MarginModelConfig):
            raise ConfigError(
                f"`venue.margin_model` must be a MarginModelConfig, was {margin_model!r}"
            )
        if margin_model.model_type not in MARGIN_MODELS:
            raise ConfigError(
                f"`venue.margin_model.model_type` must be one of {', '.join(MARGIN_MODELS)}, "
                f"was {margin_model.model_type!r}",
            )
        if margin_model.model_type == "standard" and (leverage != 1.0 or leverages):
            raise ConfigError(
                "`venue.default_leverage` and `venue.leverages` are ignored by the standard margin "
                "model (it charges notional * `instrument.margin_init`); set them to 1 / remove "
                "them and give the leverage as `instrument.margin_init` (0.05 = 20:1)",
            )
    for field in _BOOL_FIELDS:
        if not isinstance(getattr(venue, field), bool):
            raise ConfigError(
                f"`venue.{field}` must be true or false, was {getattr(venue, field)!r}"
            )


def check_account(venue: BacktestVenueConfig, instrument: Instrument) -> None:
    """Raise `ConfigError` unless `venue`'s account can trade and value `instrument` (see above)."""
    check_venue(venue)
    if instrument.id.venue != Venue(venue.name):
        raise ConfigError(
            f"`instrument.venue` {instrument.id.venue} differs from `venue.name` {venue.name!r}"
        )
    known = {instrument.quote_currency, instrument.get_base_currency()}
    base = None if venue.base_currency is None else Currency.from_str(venue.base_currency)
    for currency in [base] if base is not None else _starting_balances(venue):
        if currency not in known:
            raise ConfigError(
                f"`venue.{'base_currency' if base else 'starting_balances'}` {currency.code} is "
                f"neither the quote nor the base currency of {instrument.id}: Nautilus could not "
                "convert its P&L (no exchange rate); use an account in "
                f"{instrument.quote_currency.code}",
            )
    if _name(venue.account_type) != "MARGIN":
        return
    model = venue.margin_model.model_type if venue.margin_model else "leveraged"
    if model == "leveraged" and (instrument.margin_init != 1 or instrument.margin_maint > 1):
        leverage = venue.default_leverage / float(instrument.margin_init or 1)
        raise ConfigError(
            f"`instrument.margin_init` {instrument.margin_init} stacks on `venue.default_leverage` "
            f"{venue.default_leverage} under Nautilus' leveraged margin model (margin = notional "
            f"/ leverage * margin_init: {leverage:g}:1); set `instrument.margin_init` to 1 "
            "(and `margin_maint` <= 1), or use `venue.margin_model: standard` with leverage 1",
        )
    if model == "standard" and not instrument.margin_init > 0:
        raise ConfigError(
            "`instrument.margin_init` must be > 0 under the standard margin model (0.05 = 20:1)"
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
    spread: float,
    price_side: str,
) -> MarketData:
    """Turn an OHLCV frame into the strategy's bars and the venue's quote ticks."""
    bars = to_bars(frame, bar_type, instrument)
    quotes = to_quote_ticks(
        frame,
        instrument,
        spread=spread,
        side=price_side,
        open_delay_ns=DEFAULT_LATENCY_NS,
        interval=bar_interval(bar_type),
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
    risk_engine: RiskEngineConfig | None = None,
    lean: bool = True,
) -> BacktestEngine:
    """Create an engine with `venue`, the instrument and its data; strategies are added by the caller.

    Post-run analysis is off by default: it costs as much as a whole run and RL loops never
    read it (turn it on for reporting backtests). `risk_engine` configures Nautilus'
    `RiskEngine` (order rate, notional per order; `strategies.risk_engine_config`).
    `lean` (default) is the fastest configuration that keeps every fill, fee and balance (the
    benchmark checks it against the default one): a `LEAN_CACHE_CAPACITY` tick/bar cache and
    no re-check of the data's time order (`add_data` has sorted it already).
    """
    check_execution(execution)
    check_account(venue, data.instrument)
    engine_class = QuietBacktestEngine if bypass_logging else BacktestEngine
    cache = CacheConfig(drop_instruments_on_reset=False)
    if lean:
        cache = CacheConfig(
            drop_instruments_on_reset=False,
            tick_capacity=LEAN_CACHE_CAPACITY,
            bar_capacity=LEAN_CACHE_CAPACITY,
        )
    engine = engine_class(
        BacktestEngineConfig(
            trader_id=TraderId(trader_id),
            logging=LoggingConfig(log_level=log_level, bypass_logging=bypass_logging),
            cache=cache,
            data_engine=DataEngineConfig(validate_data_sequence=not lean),
            run_analysis=run_analysis,
            risk_engine=risk_engine or RiskEngineConfig(),
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
        margin_model=get_margin_model(venue),
        fill_model=get_fill_model(venue)
        or GapFillModel(data.open_tick_timestamps, engine.kernel.clock),
        fee_model=get_fee_model(venue),
        latency_model=_latency_model(venue, execution),
        reject_stop_orders=venue.reject_stop_orders,
        use_position_ids=venue.use_position_ids,
        use_reduce_only=venue.use_reduce_only,
        bar_execution=False,
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
