"""An instrument's maker/taker fee rates and the fee model charging them.

NautilusTrader 2 instruments carry no fees: `MakerTakerFeeModel(maker_rate, taker_rate)` is
given them, and our instrument builders keep the rates in the instrument's `info`
(`"maker_fee"`, `"taker_fee"`; absent means 0).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nautilus_rl_lab.nt.execution import FeeModel, MakerTakerFeeModel
from nautilus_rl_lab.nt.model import Instrument

FEE_FIELDS = ("maker_fee", "taker_fee")


def fee_rates(instrument: Instrument) -> tuple[Decimal, Decimal]:
    """`instrument`'s (maker, taker) fee rates."""
    info = instrument.info or {}
    maker, taker = (Decimal(str(info.get(field, 0))) for field in FEE_FIELDS)
    return maker, taker


def maker_taker_fee_model(instrument: Instrument) -> FeeModel:
    """The fee model charging `instrument`'s own maker/taker rates."""
    return MakerTakerFeeModel(*fee_rates(instrument))


def fee_arguments(maker_fee: Decimal, taker_fee: Decimal) -> dict[str, Any]:
    """The keyword arguments that give an instrument these maker/taker fee rates (in its
    `info`, which a catalog stores and reads back)."""
    fees = dict(zip(FEE_FIELDS, (maker_fee, taker_fee), strict=True))
    return {"info": {name: str(rate) for name, rate in fees.items()}}


__all__ = ["FEE_FIELDS", "fee_arguments", "fee_rates", "maker_taker_fee_model"]
