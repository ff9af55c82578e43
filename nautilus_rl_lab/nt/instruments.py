"""An instrument's maker/taker fee rates, given and read the same way on NautilusTrader 1.221 and 2.0.

1.221 instruments take and carry `maker_fee`/`taker_fee`; 2.0 instruments have no fee fields
(its `MakerTakerFeeModel` is given the rates), so the rates ride in the instrument's `info`
under the same names (absent: 0), which a 2.0 catalog stores and reads back.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nautilus_rl_lab.nt.model import Instrument
from nautilus_rl_lab.nt.version import NT2

FEE_FIELDS = ("maker_fee", "taker_fee")


def fee_arguments(maker_fee: Decimal, taker_fee: Decimal) -> dict[str, Any]:
    """The keyword arguments that give an instrument these maker/taker fee rates."""
    fees = dict(zip(FEE_FIELDS, (maker_fee, taker_fee), strict=True))
    if NT2:
        return {"info": {name: str(rate) for name, rate in fees.items()}}
    return fees


def fee_rates(instrument: Instrument) -> tuple[Decimal, Decimal]:
    """`instrument`'s (maker, taker) fee rates."""
    if NT2:
        info = instrument.info or {}
        maker, taker = (Decimal(str(info.get(name, 0))) for name in FEE_FIELDS)
        return maker, taker
    return instrument.maker_fee, instrument.taker_fee
