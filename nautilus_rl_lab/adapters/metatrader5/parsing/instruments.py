"""`SymbolInfo` → Nautilus `CurrencyPair` (FX) or `Cfd` (everything else).

Decisions: a symbol is FX when its `trade_calc_mode` is FOREX/FOREX_NO_LEVERAGE and both
`currency_base` and `currency_profit` are known currency codes; all other symbols are
CFDs (asset class INDEX for CFDINDEX, COMMODITY for metals/energies by base currency,
else EQUITY). Prices use `digits` decimals and the tick size (`trade_tick_size`, falling
back to `point`); quantities are in units (lots x `trade_contract_size`), so the size
increment, minimum and maximum are `volume_step/min/max` x contract size and `lot_size`
is one lot. Margins and fees are left at zero: the terminal computes margin and
commission and reports them in the account state and the deals. The raw MT5 fields
the adapter needs later are kept in `instrument.info`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nautilus_rl_lab.adapters.metatrader5.core import MT5_VENUE
from nautilus_rl_lab.adapters.metatrader5.parsing.common import (
    instrument_id_from_symbol,
    to_decimal,
)
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.structures import SymbolInfo
from nautilus_rl_lab.nt.model import (
    AssetClass,
    Cfd,
    Currency,
    CurrencyPair,
    Instrument,
    Price,
    Quantity,
    Symbol,
    Venue,
)

_FX_CALC_MODES = frozenset({mt5c.SYMBOL_CALC_MODE_FOREX, mt5c.SYMBOL_CALC_MODE_FOREX_NO_LEVERAGE})
_COMMODITY_BASES = frozenset({"XAU", "XAG", "XPT", "XPD", "XBR", "XTI", "XNG", "WTI", "BRN"})

#: `SymbolInfo` fields copied into `Instrument.info` (used by the execution client).
INFO_FIELDS = (
    "digits",
    "point",
    "trade_tick_size",
    "trade_tick_value",
    "trade_contract_size",
    "volume_min",
    "volume_max",
    "volume_step",
    "filling_mode",
    "order_mode",
    "expiration_mode",
    "trade_stops_level",
    "trade_freeze_level",
    "trade_calc_mode",
    "trade_exemode",
    "trade_mode",
    "currency_base",
    "currency_profit",
    "currency_margin",
)


def _precision(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -int(exponent))


def _currency(code: str) -> Currency | None:
    if not code:
        return None
    try:  # an unknown code: None on NautilusTrader 1.221, ValueError on 2.0
        return Currency.from_str(code.upper(), strict=True)
    except ValueError:
        return None


def _cfd_asset_class(info: SymbolInfo) -> AssetClass:
    if info.trade_calc_mode == mt5c.SYMBOL_CALC_MODE_CFDINDEX:
        return AssetClass.INDEX
    if info.currency_base.upper() in _COMMODITY_BASES:
        return AssetClass.COMMODITY
    return AssetClass.EQUITY


def symbol_info_to_instrument(
    info: SymbolInfo,
    ts_init: int,
    venue: Venue = MT5_VENUE,
) -> Instrument:
    """Build the Nautilus instrument of an MT5 symbol.

    Raises ``ValueError`` when the symbol has no profit currency Nautilus knows, or a
    non-positive contract size / volume step (the message names the MT5 field).
    """
    quote = _currency(info.currency_profit)
    if quote is None:
        raise ValueError(
            f"MT5 symbol {info.name!r}: `currency_profit` {info.currency_profit!r} is not a "
            "currency Nautilus knows; add it with `Currency` before loading the symbol",
        )
    contract_size = to_decimal(info.trade_contract_size)
    volume_step = to_decimal(info.volume_step)
    if contract_size <= 0 or volume_step <= 0:
        raise ValueError(
            f"MT5 symbol {info.name!r}: `trade_contract_size` ({info.trade_contract_size}) and "
            f"`volume_step` ({info.volume_step}) must be positive",
        )

    tick = to_decimal(info.trade_tick_size if info.trade_tick_size > 0 else info.point)
    if tick <= 0:
        tick = Decimal(1).scaleb(-int(info.digits))
    price_precision = max(int(info.digits), _precision(tick))
    price_increment = Price(float(tick), price_precision)

    size_increment_dec = (volume_step * contract_size).normalize()
    size_precision = _precision(size_increment_dec)
    size_increment = Quantity(float(size_increment_dec), size_precision)
    lot_size = Quantity(float(contract_size), size_precision)
    min_quantity = (
        Quantity(float(to_decimal(info.volume_min) * contract_size), size_precision)
        if info.volume_min > 0
        else None
    )
    max_quantity = (
        Quantity(float(to_decimal(info.volume_max) * contract_size), size_precision)
        if info.volume_max > 0
        else None
    )
    instrument_id = instrument_id_from_symbol(info.name, venue)
    mt5_info = {field: getattr(info, field) for field in INFO_FIELDS}
    base = _currency(info.currency_base)

    common: dict[str, Any] = {
        "instrument_id": instrument_id,
        "raw_symbol": Symbol(info.name),
        "quote_currency": quote,
        "price_precision": price_precision,
        "size_precision": size_precision,
        "price_increment": price_increment,
        "size_increment": size_increment,
        "lot_size": lot_size,
        "max_quantity": max_quantity,
        "min_quantity": min_quantity,
        "margin_init": Decimal(0),
        "margin_maint": Decimal(0),
        "ts_event": ts_init,
        "ts_init": ts_init,
        "info": mt5_info,
    }
    if info.trade_calc_mode in _FX_CALC_MODES and base is not None:
        return CurrencyPair(base_currency=base, **common)
    return Cfd(asset_class=_cfd_asset_class(info), base_currency=base, **common)
