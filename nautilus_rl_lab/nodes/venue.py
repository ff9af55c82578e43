"""Venue checks: a `VenueConfig` is validated before Nautilus parses it, and against the
instrument, so that leverage means one thing and bad input is a `ConfigError`, never an abort.

Leverage (one meaning everywhere). On a MARGIN account `venue.default_leverage` (or
`venue.leverages[instrument_id]`) is the leverage: Nautilus' default leveraged margin model
charges `notional / leverage * instrument.margin_init`, so the instrument's margin rates stay at
1 (the `InstrumentSpec` default) and 30 means 30:1. A rate below 1 would stack on the leverage
(0.03 with 30 is 1000:1) and is refused. With `venue.margin_model: standard` Nautilus ignores the
venue's leverage and charges `notional * margin_init`; the leverage is then `1 / margin_init` and
a venue leverage other than 1 is refused. CASH accounts pay in full (leverage 1). Nautilus 1.221
checks no margin before a margin-account order fills (its risk engine skips margin accounts and
the simulated venue never checks), so `build_engine` installs the margin gate
(`nautilus_rl_lab.nodes.margin`): an order whose resulting position needs more initial margin
than the account's equity is denied (`OrderDenied`, reason `MARGIN_EXCEEDS_EQUITY`), never
resized. Live, the broker (the MT5 terminal) decides and rejects with "no money".

Currency pairs on CASH accounts (BTC/USD, EUR/USD). Buying the pair's base currency on a cash
account means holding it, which Nautilus allows only on a multi-currency account (a
single-currency one is refused with a raw `InvalidConfiguration`). So `account_base_currency`
hands Nautilus `base_currency=None` for such a venue; a configured `base_currency` must then be
the pair's quote currency, the currency equity is valued in (`strategies.valuation`), else
`check_account` refuses it, saying what to set.

Commissions. Nautilus parses a `FixedFeeModel`/`PerContractFeeModel` commission at its currency's
precision (`0.005 USD` per share becomes `0.00 USD`: no fee at all) and rounds each fill's
commission to it. So a commission with more decimals than its currency is refused, naming the
field and the smallest charge, and so is a per-contract commission that a fill of one size
increment would not cost exactly; every fill is then charged exactly (`FixedFeeModel` charges
once per order by default, as Nautilus defines it). The instrument's fee rates (Nautilus'
`MakerTakerFeeModel`, `engine.venue_fee_model`) are rounded per fill too, and no fee model can charge less than the
currency's unit (`Money` has its precision), so `check_fee_rates` refuses rates that the
smallest order the action scheme can send (its `order_unit`, the risk cap) would pay as 0 at
the data's lowest price; where the order sizes are not known (an engine built for other
strategies, a scheme without `order_unit`) it logs a warning about the smallest fill.

`check_venue` validates every string and number of a `VenueConfig` before Nautilus parses
it (some bad strings abort the interpreter), `check_account` the venue against the instrument;
`build_engine` runs both, and `add_venue` is the one place a `VenueConfig` becomes Nautilus'
venue.
"""

from __future__ import annotations

import logging
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes.venue_config import VenueConfig
from nautilus_rl_lab.nodes.venue_models import MarginModelConfig, model_name
from nautilus_rl_lab.nt.backtest import BacktestEngine
from nautilus_rl_lab.nt.execution import FeeModel, FillModel
from nautilus_rl_lab.nt.fees import FEE_FIELDS, fee_rates
from nautilus_rl_lab.nt.model import Currency, CurrencyPair, Instrument, Money, Venue
from nautilus_rl_lab.validation import check_choice, check_currency, check_minimum

logger = logging.getLogger(__name__)

OMS_TYPES = ("NETTING", "HEDGING")
ACCOUNT_TYPES = ("CASH", "MARGIN")
MARGIN_MODELS = ("leveraged", "standard")
BOOK_TYPES = ("L1_MBP",)  # the venue gets quote ticks: top of book only
_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")
# Nautilus fee models whose `config.commission` is an amount of money (per order / per contract).
FIXED_FEE_MODEL, PER_CONTRACT_FEE_MODEL = "FixedFeeModel", "PerContractFeeModel"
_COMMISSION_FIELD = "venue.fee_model.config.commission"
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


def _name(value: object) -> object:
    """An enum member's name, any other value unchanged (config fields take both)."""
    return value if isinstance(value, str) else getattr(value, "name", value)


def _choice(field: str, value: object, allowed: tuple[str, ...]) -> str:
    return str(check_choice(f"venue.{field}", _name(value), allowed))


def _currency(field: str, code: object) -> Currency:
    return Currency.from_str(check_currency(field, code), strict=True)


def _leverage(field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"`{field}` must be a finite number > 0, was {value!r}")
    return float(check_minimum(field, value, 0, strict=True, what=" (30 means 30:1)"))


def _amount(field: str, text: object, example: str) -> tuple[Decimal, Currency]:
    """`'AMOUNT CURRENCY'` as a finite decimal and a known currency, or `ConfigError`."""
    parts = text.split() if isinstance(text, str) else []
    if len(parts) != 2:
        raise ConfigError(f"`{field}` must be 'AMOUNT CURRENCY' such as {example!r}, was {text!r}")
    try:
        amount = Decimal(parts[0])
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise ConfigError(f"`{field}` amount must be a number, was {parts[0]!r}")
    return amount, _currency(field, parts[1])


def _decimals(amount: Decimal) -> int:
    return max(0, -int(amount.as_tuple().exponent))


def _fee_model_name(venue: VenueConfig) -> str | None:
    """The class name of the venue's importable fee model, `None` without one."""
    fee = venue.fee_model
    return None if fee is None else model_name(str(fee.fee_model_path))


def uses_instrument_fees(venue: VenueConfig) -> bool:
    """Whether `venue` charges the instruments' own maker/taker rates (no fee model of its own,
    or Nautilus' `MakerTakerFeeModel`)."""
    return _fee_model_name(venue) in (None, "MakerTakerFeeModel")


def _commission(venue: VenueConfig) -> tuple[Decimal, Currency] | None:
    """The commission of a fixed or per-contract fee model, checked against its currency."""
    if _fee_model_name(venue) not in (FIXED_FEE_MODEL, PER_CONTRACT_FEE_MODEL):
        return None
    text = (venue.fee_model.config or {}).get("commission")  # type: ignore[union-attr]
    amount, currency = _amount(_COMMISSION_FIELD, text, "1.00 USD")
    if _decimals(amount.normalize()) > currency.precision:
        unit = Decimal(1).scaleb(-currency.precision)
        raise ConfigError(
            f"`{_COMMISSION_FIELD}` {text!r} has more decimals than {currency.code} has "
            f"({currency.precision}): Nautilus would charge {Money.from_str(str(text))}; the "
            f"smallest charge in {currency.code} is {unit}; give the commission in whole units "
            f"of {unit} (e.g. per order, not per share)",
        )
    return amount, currency


def _starting_balances(venue: VenueConfig) -> list[Currency]:
    balances = venue.starting_balances
    if not isinstance(balances, list | tuple) or not balances:
        raise ConfigError(
            f"`venue.starting_balances` must be a non-empty list such as ['100000 USD'], "
            f"was {balances!r}",
        )
    currencies: list[Currency] = []
    for i, text in enumerate(balances):
        field = f"venue.starting_balances[{i}]"
        amount, currency = _amount(field, text, "100000 USD")
        if not 0 < amount < Decimal("1e15"):
            raise ConfigError(
                f"`{field}` amount must be a number > 0 (and below 1e15), was {amount}"
            )
        if _decimals(amount) > currency.precision:
            raise ConfigError(
                f"`{field}` has more decimals than {currency.code} allows "
                f"({currency.precision}); Nautilus would round {amount}",
            )
        if currency in currencies:
            raise ConfigError(f"`{field}`: currency {currency.code} appears twice")
        currencies.append(currency)
    return currencies


def check_venue(venue: VenueConfig) -> None:
    """Raise `ConfigError` naming the `venue.*` field unless Nautilus can parse every value.

    Runs before Nautilus sees the strings: some (an unknown OMS or account type, book type)
    abort the interpreter inside Nautilus instead of raising.
    """
    if not isinstance(venue, VenueConfig):
        raise ConfigError(
            f"`venue` must be a nautilus_rl_lab.nodes.VenueConfig, was {type(venue).__name__}"
        )
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
        check_choice("venue.margin_model.model_type", margin_model.model_type, MARGIN_MODELS)
        if margin_model.model_type == "standard" and (leverage != 1.0 or leverages):
            raise ConfigError(
                "`venue.default_leverage` and `venue.leverages` are ignored by the standard margin "
                "model (it charges notional * `instrument.margin_init`); set them to 1 / remove "
                "them and give the leverage as `instrument.margin_init` (0.05 = 20:1)",
            )
    _commission(venue)
    if venue.modules:
        raise ConfigError(
            "`venue.modules` (simulation modules) are not supported by the engine builder; "
            "remove them"
        )
    for field in _BOOL_FIELDS:
        if not isinstance(getattr(venue, field), bool):
            raise ConfigError(
                f"`venue.{field}` must be true or false, was {getattr(venue, field)!r}"
            )


def check_account(venue: VenueConfig, instrument: Instrument) -> None:
    """Raise `ConfigError` unless `venue`'s account can trade and value `instrument` (see above)."""
    check_venue(venue)
    if instrument.id.venue != Venue(venue.name):
        raise ConfigError(
            f"`instrument.venue` {instrument.id.venue} differs from `venue.name` {venue.name!r}"
        )
    known = {instrument.quote_currency, base_currency(instrument)}
    base = None if venue.base_currency is None else Currency.from_str(venue.base_currency)
    for currency in [base] if base is not None else _starting_balances(venue):
        if currency not in known:
            raise ConfigError(
                f"`venue.{'base_currency' if base else 'starting_balances'}` {currency.code} is "
                f"neither the quote nor the base currency of {instrument.id}: Nautilus could not "
                "convert its P&L (no exchange rate); use an account in "
                f"{instrument.quote_currency.code}",
            )
    _check_per_contract_fee(venue, instrument)
    if _name(venue.account_type) != "MARGIN":
        _check_cash_pair(venue, instrument)
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


def _check_per_contract_fee(venue: VenueConfig, instrument: Instrument) -> None:
    """Refuse a fixed or per-contract commission in a currency pair's base currency (NautilusTrader
    2 takes it off the position: its crypto-spot rule, so a USD fee on USD/JPY left 199,993 of
    200,000), and a per-contract one a fill of one size increment would not cost exactly."""
    commission = _commission(venue)
    if commission is None:
        return
    amount, currency = commission
    if isinstance(instrument, CurrencyPair) and currency == instrument.base_currency:
        raise ConfigError(
            f"`{_COMMISSION_FIELD}` is in {currency.code}, the base currency of {instrument.id}: "
            "NautilusTrader 2 takes a commission in a pair's base currency off the position "
            f"(a wrong position on every fill); give it in {instrument.quote_currency.code} or "
            "charge a rate (`instrument.taker_fee`)"
        )
    if _fee_model_name(venue) != PER_CONTRACT_FEE_MODEL:
        return
    smallest = amount * instrument.size_increment.as_decimal()
    if _decimals(smallest.normalize()) > currency.precision:
        raise ConfigError(
            f"`{_COMMISSION_FIELD}` {amount} {currency.code} per contract makes a fill of "
            f"{instrument.size_increment} (the size increment of {instrument.id}) cost "
            f"{smallest.normalize()} {currency.code}, which Nautilus would round to "
            f"{currency.precision} decimals; use a commission that is a whole number of "
            f"{Decimal(1).scaleb(-currency.precision)} {currency.code} per size increment",
        )


def base_currency(instrument: Instrument) -> Currency | None:
    """The currency `instrument` buys (a pair's base currency), `None` for others (shares, CFDs)."""
    currency: Currency | None = getattr(instrument, "base_currency", None)
    return currency


def _holds_pair(venue: VenueConfig, instrument: Instrument) -> bool:
    """Whether `venue` is a CASH account trading a currency pair (it holds both currencies)."""
    return _name(venue.account_type) == "CASH" and isinstance(instrument, CurrencyPair)


def _check_cash_pair(venue: VenueConfig, instrument: Instrument) -> None:
    pair = instrument if isinstance(instrument, CurrencyPair) else None
    if pair is None or not _holds_pair(venue, pair) or venue.base_currency is None:
        return
    quote = instrument.quote_currency.code
    if Currency.from_str(venue.base_currency) != instrument.quote_currency:
        raise ConfigError(
            f"`venue.base_currency` {venue.base_currency} cannot value a CASH account trading "
            f"{instrument.id}: it holds both {pair.base_currency.code} and {quote}, "
            f"so Nautilus needs a multi-currency account, valued in {quote}; set "
            f"`base_currency: {quote}` with a {quote} starting balance (or `base_currency: null`)",
        )


def account_base_currency(venue: VenueConfig, instrument: Instrument) -> Currency | None:
    """The base currency to give Nautilus' venue: `None` (multi-currency) for a CASH account
    trading a currency pair, which must hold both currencies (module docstring), else
    `venue.base_currency`."""
    if _holds_pair(venue, instrument) or venue.base_currency is None:
        return None
    return Currency.from_str(venue.base_currency)


def check_fee_rates(
    venue: VenueConfig,
    instrument: Instrument,
    lowest_price: float,
    smallest_order: float | None,
) -> None:
    """Refuse the instrument's fee rates when the smallest order (`smallest_order` units, at
    least `min_quantity`, else one size increment) at `lowest_price` would be charged 0:
    Nautilus rounds each fill's fee to the currency and `Money` holds no less. `None` (the
    caller's strategies choose their sizes): a warning about the smallest fill instead."""
    if not uses_instrument_fees(venue) or instrument.is_inverse:
        return
    size = max(smallest_order or 0.0, float(instrument.min_quantity or instrument.size_increment))
    notional = size * lowest_price * float(instrument.multiplier)
    currency = instrument.quote_currency
    for field, rate in reversed(tuple(zip(FEE_FIELDS, fee_rates(instrument), strict=True))):
        fee = abs(notional * float(rate))
        if fee > 0 and Money(fee, currency).as_double() == 0:
            message = (
                f"`instrument.{field}` {rate}: an order of {size:g} {instrument.id} at "
                f"{lowest_price:g} (the data's lowest price) costs {fee:.3g} {currency.code}, "
                f"charged as {Money(0, currency)} (Nautilus charges each fill's fee in whole "
                f"{Decimal(1).scaleb(-currency.precision)} {currency.code})"
            )
            if smallest_order is None:
                logger.warning("%s; larger fills pay a rounded fee", message)
                return
            raise ConfigError(
                f"{message}; trade larger orders (`trade_size`/`lot_size`), set the rate to 0 "
                "or use a `venue.fee_model` commission",
            )


def add_venue(
    engine: BacktestEngine,
    venue: VenueConfig,
    instrument: Instrument,
    *,
    margin_model: Any | None,
    fill_model: FillModel | None,
    fee_model: FeeModel,
    latency_model: Any | None,
) -> None:
    """Add `venue` (checked by `check_account`) to `engine` with the given models.

    Bars never move the market (`bar_execution=False`): the venue fills against quote ticks.
    """
    engine.add_venue(
        venue=Venue(venue.name),
        oms_type=venue.oms,
        account_type=venue.account,
        starting_balances=venue.balances,
        base_currency=account_base_currency(venue, instrument),
        default_leverage=Decimal(str(venue.default_leverage)),
        leverages=venue.instrument_leverages,
        margin_model=margin_model,
        fill_model=fill_model,
        fee_model=fee_model,
        latency_model=latency_model,
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
