"""Symbol specifications of the simulated terminal and the checks that depend on them.

`SymbolSpec` holds what a broker configures per symbol; `DEFAULT_SYMBOL_SPECS` gives
realistic retail specs (the FX majors and XAUUSD). `symbol_info()` turns a spec and
the current quote into the module's `SymbolInfo` named tuple.

Volumes are lots: a multiple of `volume_step` within ``[volume_min, volume_max]``.
Prices must lie on the `trade_tick_size` grid (which is `point` for FX). Both checks use a
relative tolerance so that ``0.07`` lots (``0.07000000000000001`` in binary) is accepted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.structures import SymbolInfo

_GRID_TOLERANCE = 1e-7


@dataclass(frozen=True)
class SymbolSpec:
    """A symbol's contract as the broker configures it (prices in the profit currency)."""

    name: str
    description: str
    currency_base: str
    currency_profit: str
    currency_margin: str
    digits: int
    contract_size: float
    base_price: float
    calc_mode: int = mt5c.SYMBOL_CALC_MODE_FOREX
    volume_min: float = 0.01
    volume_max: float = 100.0
    volume_step: float = 0.01
    volume_limit: float = 0.0
    filling_mode: int = mt5c.SYMBOL_FILLING_FOK | mt5c.SYMBOL_FILLING_IOC
    trade_exemode: int = mt5c.SYMBOL_TRADE_EXECUTION_MARKET
    trade_mode: int = mt5c.SYMBOL_TRADE_MODE_FULL
    stops_level: int | None = None  # points; None: the simulator config's `stops_level`
    freeze_level: int = 0
    spread_points: int | None = None  # None: the simulator config's `spread_points`
    margin_hedged: float | None = None  # None: full margin (= contract size)
    path: str = "Forex\\Majors"
    order_mode: int = 127  # market, limit, stop, stop-limit, SL, TP, close-by
    expiration_mode: int = (
        mt5c.SYMBOL_EXPIRATION_GTC
        | mt5c.SYMBOL_EXPIRATION_DAY
        | mt5c.SYMBOL_EXPIRATION_SPECIFIED
        | mt5c.SYMBOL_EXPIRATION_SPECIFIED_DAY
    )

    @property
    def point(self) -> float:
        return 10.0**-self.digits

    @property
    def tick_size(self) -> float:
        return self.point

    def with_defaults(self, spread_points: int, stops_level: int) -> SymbolSpec:
        """Return the spec with the config-wide spread/stops level filled in where unset."""
        return replace(
            self,
            spread_points=self.spread_points if self.spread_points is not None else spread_points,
            stops_level=self.stops_level if self.stops_level is not None else stops_level,
        )


DEFAULT_SYMBOL_SPECS: dict[str, SymbolSpec] = {
    spec.name: spec
    for spec in (
        SymbolSpec("EURUSD", "Euro vs US Dollar", "EUR", "USD", "EUR", 5, 100_000.0, 1.10),
        SymbolSpec(
            "GBPUSD",
            "Great Britain Pound vs US Dollar",
            "GBP",
            "USD",
            "GBP",
            5,
            100_000.0,
            1.27,
        ),
        SymbolSpec("USDJPY", "US Dollar vs Japanese Yen", "USD", "JPY", "USD", 3, 100_000.0, 150.0),
        SymbolSpec("USDCHF", "US Dollar vs Swiss Franc", "USD", "CHF", "USD", 5, 100_000.0, 0.88),
        SymbolSpec("AUDUSD", "Australian Dollar vs US Dollar", "AUD", "USD", "AUD", 5, 1e5, 0.66),
        SymbolSpec("USDCAD", "US Dollar vs Canadian Dollar", "USD", "CAD", "USD", 5, 1e5, 1.36),
        SymbolSpec("NZDUSD", "New Zealand Dollar vs US Dollar", "NZD", "USD", "NZD", 5, 1e5, 0.61),
        SymbolSpec(
            "XAUUSD",
            "Gold vs US Dollar",
            "XAU",
            "USD",
            "USD",
            2,
            100.0,
            2000.0,
            calc_mode=mt5c.SYMBOL_CALC_MODE_CFDLEVERAGE,
            volume_max=50.0,
            filling_mode=mt5c.SYMBOL_FILLING_IOC,
            spread_points=30,
            path="Metals",
        ),
    )
}


def on_grid(value: float, step: float) -> bool:
    """Return whether `value` is a whole multiple of `step` (with float tolerance)."""
    ratio = value / step
    return abs(ratio - round(ratio)) <= _GRID_TOLERANCE * max(1.0, abs(ratio))


def volume_ok(spec: SymbolSpec, volume: float) -> bool:
    """Return whether `volume` lots is allowed (min/max and step), the 10014 check."""
    if not math.isfinite(volume) or volume <= 0:
        return False
    eps = spec.volume_step * _GRID_TOLERANCE
    if volume < spec.volume_min - eps or volume > spec.volume_max + eps:
        return False
    return on_grid(volume - spec.volume_min, spec.volume_step)


def price_ok(spec: SymbolSpec, price: float) -> bool:
    """Return whether `price` is positive and on the tick grid, the 10015 check."""
    return math.isfinite(price) and price > 0 and on_grid(price, spec.tick_size)


def normalize_price(spec: SymbolSpec, price: float) -> float:
    """Round `price` to the symbol's digits."""
    return round(price, spec.digits)


def normalize_volume(spec: SymbolSpec, volume: float) -> float:
    """Round `volume` to the precision of the volume step."""
    decimals = max(0, -math.floor(math.log10(spec.volume_step)) + 2)
    return round(volume, decimals)


def symbol_info(
    spec: SymbolSpec,
    *,
    bid: float,
    ask: float,
    time_s: int,
    tick_value: float,
    selected: bool,
    session_high: float = 0.0,
    session_low: float = 0.0,
) -> SymbolInfo:
    """Build the module's `SymbolInfo` for `spec` with the current quote."""
    spread = round((ask - bid) / spec.point) if bid and ask else int(spec.spread_points or 0)
    return SymbolInfo(
        custom=False,
        select=selected,
        visible=selected,
        time=int(time_s),
        digits=spec.digits,
        spread=int(spread),
        spread_float=True,
        trade_calc_mode=spec.calc_mode,
        trade_mode=spec.trade_mode,
        trade_stops_level=int(spec.stops_level or 0),
        trade_freeze_level=spec.freeze_level,
        trade_exemode=spec.trade_exemode,
        swap_mode=mt5c.SYMBOL_SWAP_MODE_POINTS,
        expiration_mode=spec.expiration_mode,
        filling_mode=spec.filling_mode,
        order_mode=spec.order_mode,
        bid=bid,
        bidhigh=session_high,
        bidlow=session_low,
        ask=ask,
        askhigh=session_high + (ask - bid),
        asklow=session_low + (ask - bid),
        point=spec.point,
        trade_tick_value=tick_value,
        trade_tick_value_profit=tick_value,
        trade_tick_value_loss=tick_value,
        trade_tick_size=spec.tick_size,
        trade_contract_size=spec.contract_size,
        volume_min=spec.volume_min,
        volume_max=spec.volume_max,
        volume_step=spec.volume_step,
        volume_limit=spec.volume_limit,
        margin_hedged=spec.margin_hedged if spec.margin_hedged is not None else spec.contract_size,
        currency_base=spec.currency_base,
        currency_profit=spec.currency_profit,
        currency_margin=spec.currency_margin,
        description=spec.description,
        name=spec.name,
        path=f"{spec.path}\\{spec.name}",
    )
