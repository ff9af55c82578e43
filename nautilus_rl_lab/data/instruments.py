"""A small, serialisable instrument spec and the Nautilus instrument built from it.

:class:`InstrumentSpec` is a frozen :class:`~nautilus_rl_lab.config.LabConfig`,
so it round-trips through JSON (``spec.json()`` / ``InstrumentSpec.parse(...)``) and
can sit inside other Nautilus configs. :func:`make_instrument` builds:

- ``kind="fx"``: a :class:`~nautilus_trader.model.instruments.CurrencyPair` (as
  ``TestInstrumentProvider.default_fx_ccy`` does);
- ``kind="equity"``: an :class:`~nautilus_trader.model.instruments.Equity` (Nautilus
  fixes its size precision at 0);
- ``kind="cfd"``: a :class:`~nautilus_trader.model.instruments.Cfd` (asset class ``FX``
  when the symbol is a currency pair, else ``INDEX``, unless ``asset_class`` is set).

Decisions: base and quote currency are derived from an FX-pair symbol (``EUR/USD`` or
``EURUSD``) unless given; for other symbols the quote currency defaults to ``USD``.
Price and size increments are one unit of the last decimal (``10**-precision``).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import cast

from nautilus_rl_lab.config import LabConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.fees import fee_arguments
from nautilus_rl_lab.nt.model import (
    FIXED_PRECISION,
    AssetClass,
    Cfd,
    Currency,
    CurrencyPair,
    Equity,
    Instrument,
    InstrumentId,
    Price,
    Quantity,
    Symbol,
    Venue,
)
from nautilus_rl_lab.nt.names import enum_member, enum_names, known_currency
from nautilus_rl_lab.validation import check_choice

INSTRUMENT_KINDS: tuple[str, ...] = ("fx", "equity", "cfd")
_PAIR = re.compile(r"^([A-Za-z]{3})/?([A-Za-z]{3})$")
_VENUE = re.compile(r"^[A-Za-z0-9_\-]+$")


def _pair_currencies(symbol: str) -> tuple[str, str] | None:
    """Return ``(base, quote)`` if ``symbol`` is a pair of known currency codes."""
    match = _PAIR.match(symbol)
    if match is None:
        return None
    base, quote = match.group(1).upper(), match.group(2).upper()
    if any(known_currency(code) is None for code in (base, quote)):
        return None
    return base, quote


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


class InstrumentSpec(LabConfig, frozen=True, forbid_unknown_fields=True):
    """What is needed to build a tradable Nautilus instrument for backtests and training.

    Parameters
    ----------
    symbol
        Instrument symbol, e.g. ``"EUR/USD"`` (FX), ``"AAPL"`` (equity), ``"US500"`` (CFD).
    venue
        Venue code; the instrument id is ``f"{symbol}.{venue}"``.
    kind
        ``"fx"``, ``"equity"`` or ``"cfd"``.
    price_precision, size_precision
        Decimal places of prices and quantities (equities: size precision must be 0).
    base_currency, quote_currency
        ISO codes; derived from an FX-pair symbol when ``None``; the quote currency of
        other symbols defaults to ``USD``. Equities ignore ``base_currency``.
    lot_size, min_quantity, max_quantity
        Standard lot and order size limits in units (``None``: no limit).
    margin_init, margin_maint
        Initial and maintenance margin rates. With Nautilus' default leveraged margin model the
        margin is ``notional / venue leverage * rate``, so the default 1 makes the venue's
        ``default_leverage`` the leverage (30 = 30:1); a lower rate would stack on it and is
        refused by ``nautilus_rl_lab.nodes.engine.check_account``. With the standard margin
        model the rate alone sets it (0.05 = 20:1).
    maker_fee, taker_fee
        Commission rates as a fraction of notional (negative = rebate).
    asset_class
        CFDs only: a Nautilus ``AssetClass`` name (``FX``, ``INDEX``, ``COMMODITY``, ...).
    """

    symbol: str = "EUR/USD"
    venue: str = "SIM"
    kind: str = "fx"
    price_precision: int = 5
    size_precision: int = 0
    base_currency: str | None = None
    quote_currency: str | None = None
    lot_size: float = 1000.0
    min_quantity: float | None = 1000.0
    max_quantity: float | None = 10_000_000.0
    margin_init: float = 1.0
    margin_maint: float = 1.0
    maker_fee: float = 0.00002
    taker_fee: float = 0.00002
    asset_class: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.symbol, str) or not self.symbol.strip():
            raise ConfigError("`symbol` must be a non-empty string, e.g. 'EUR/USD'")
        if not isinstance(self.venue, str) or not _VENUE.match(self.venue):
            raise ConfigError(
                f"`venue` must be letters, digits, '_' or '-' (e.g. 'SIM'), was {self.venue!r}",
            )
        check_choice("kind", self.kind, INSTRUMENT_KINDS)
        for name in ("price_precision", "size_precision"):
            value = getattr(self, name)
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not (0 <= value <= FIXED_PRECISION)
            ):
                raise ConfigError(
                    f"`{name}` must be an integer in [0, {FIXED_PRECISION}], was {value!r}",
                )
        if self.kind == "equity" and self.size_precision != 0:
            raise ConfigError(
                f"`size_precision` must be 0 for kind 'equity' (Nautilus equities trade "
                f"whole shares), was {self.size_precision}",
            )
        pair = _pair_currencies(self.symbol)
        if self.kind == "fx" and pair is None:
            raise ConfigError(
                f"`symbol` {self.symbol!r} is not a pair of known currency codes; kind 'fx' "
                "expects 'BASE/QUOTE' such as 'EUR/USD' (use kind 'cfd' or 'equity' otherwise)",
            )
        derived_codes = (pair[0], pair[1]) if pair else (None, None)
        for name, derived in zip(("base_currency", "quote_currency"), derived_codes, strict=True):
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, str) or known_currency(value) is None:
                raise ConfigError(f"`{name}` must be a known ISO currency code, was {value!r}")
            if self.kind == "fx" and derived and value.upper() != derived:
                raise ConfigError(
                    f"`{name}` {value!r} contradicts `symbol` {self.symbol!r} "
                    f"(expected {derived!r}); leave it unset to derive it from the symbol",
                )
        self._check_sizes()
        for name in ("margin_init", "margin_maint"):
            value = getattr(self, name)
            if not _is_number(value) or not 0 <= value <= 1:
                raise ConfigError(f"`{name}` must be a fraction in [0, 1], was {value!r}")
        for name in ("maker_fee", "taker_fee"):
            value = getattr(self, name)
            if not _is_number(value) or not -0.1 < value < 0.1:
                raise ConfigError(
                    f"`{name}` must be a rate in (-0.1, 0.1) (0.00002 = 0.2 bp), was {value!r}",
                )
        if self.asset_class is not None:
            if self.kind != "cfd":
                raise ConfigError(
                    f"`asset_class` applies to kind 'cfd' only; remove it for kind {self.kind!r}",
                )
            check_choice("asset_class", self.asset_class, enum_names(AssetClass))

    def _check_sizes(self) -> None:
        if not _is_number(self.lot_size) or self.lot_size <= 0:
            raise ConfigError(f"`lot_size` must be a number > 0, was {self.lot_size!r}")
        for name in ("min_quantity", "max_quantity"):
            value = getattr(self, name)
            if value is not None and (not _is_number(value) or value <= 0):
                raise ConfigError(f"`{name}` must be a number > 0 or None, was {value!r}")
        if (
            self.min_quantity is not None
            and self.max_quantity is not None
            and self.min_quantity > self.max_quantity
        ):
            raise ConfigError(
                f"`min_quantity` ({self.min_quantity}) must not exceed `max_quantity` "
                f"({self.max_quantity})",
            )

    @property
    def base(self) -> str | None:
        """The resolved base currency code (``None`` for equities and non-pair CFDs)."""
        if self.kind == "equity":
            return None
        if self.base_currency is not None:
            return self.base_currency.upper()
        pair = _pair_currencies(self.symbol)
        return pair[0] if pair else None

    @property
    def quote(self) -> str:
        """The resolved quote (settlement) currency code."""
        if self.quote_currency is not None:
            return self.quote_currency.upper()
        pair = _pair_currencies(self.symbol)
        return pair[1] if pair and self.kind != "equity" else "USD"

    @property
    def instrument_id(self) -> InstrumentId:
        """The Nautilus instrument id, ``f"{symbol}.{venue}"``."""
        return InstrumentId(Symbol(self.symbol), Venue(self.venue))


def _is_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _quantity(value: float | None, precision: int) -> Quantity | None:
    return None if value is None else Quantity(float(value), precision)


def make_instrument(spec: InstrumentSpec) -> Instrument:
    """Build the Nautilus instrument described by ``spec`` (see module docstring)."""
    if not isinstance(spec, InstrumentSpec):
        raise ConfigError(f"expected an `InstrumentSpec`, got {type(spec).__name__}")
    price_increment = Price(10.0**-spec.price_precision, spec.price_precision)
    size_increment = Quantity(10.0**-spec.size_precision, spec.size_precision)
    quote = cast("Currency", known_currency(spec.quote))  # `InstrumentSpec` checked it
    common = {
        "instrument_id": spec.instrument_id,
        "raw_symbol": Symbol(spec.symbol),
        "price_precision": spec.price_precision,
        "price_increment": price_increment,
        "lot_size": Quantity(float(spec.lot_size), spec.size_precision),
        "max_quantity": _quantity(spec.max_quantity, spec.size_precision),
        "min_quantity": _quantity(spec.min_quantity, spec.size_precision),
        "margin_init": _decimal(spec.margin_init),
        "margin_maint": _decimal(spec.margin_maint),
        **fee_arguments(_decimal(spec.maker_fee), _decimal(spec.taker_fee)),
        "ts_event": 0,
        "ts_init": 0,
    }
    if spec.kind == "equity":
        return Equity(currency=quote, **common)
    base = known_currency(spec.base) if spec.base else None
    sized = {
        **common,
        "quote_currency": quote,
        "size_precision": spec.size_precision,
        "size_increment": size_increment,
    }
    if spec.kind == "fx":
        # an fx spec has a base currency (`InstrumentSpec` checked it)
        return CurrencyPair(base_currency=cast("Currency", base), **sized)
    asset_class = spec.asset_class or ("FX" if base is not None else "INDEX")
    return Cfd(asset_class=enum_member(AssetClass, asset_class), base_currency=base, **sized)
