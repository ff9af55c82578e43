"""An instrument's maker/taker fee rates and the fee model charging them, on NautilusTrader 1.221 and 2.0.

1.221 instruments carry `maker_fee`/`taker_fee` and `MakerTakerFeeModel()` charges each
instrument's own rates. 2.0 instruments carry no fees: `MakerTakerFeeModel(maker_rate,
taker_rate)` is given them, and our instrument builders keep the rates in the instrument's
`info` (`"maker_fee"`, `"taker_fee"`; absent means 0).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nautilus_rl_lab.nt.execution import FeeModel, MakerTakerFeeModel
from nautilus_rl_lab.nt.model import Instrument
from nautilus_rl_lab.nt.version import NT2

FEE_FIELDS = ("maker_fee", "taker_fee")

if NT2:

    def fee_rates(instrument: Instrument) -> tuple[Decimal, Decimal]:
        """`instrument`'s (maker, taker) fee rates."""
        info = instrument.info or {}
        maker, taker = (Decimal(str(info.get(field, 0))) for field in FEE_FIELDS)
        return maker, taker

    def maker_taker_fee_model(instrument: Instrument) -> FeeModel:
        """The fee model charging `instrument`'s own maker/taker rates."""
        return MakerTakerFeeModel(*fee_rates(instrument))
else:

    def fee_rates(instrument: Instrument) -> tuple[Decimal, Decimal]:
        """`instrument`'s (maker, taker) fee rates."""
        return instrument.maker_fee, instrument.taker_fee

    def maker_taker_fee_model(instrument: Instrument) -> FeeModel:
        """The fee model charging `instrument`'s own maker/taker rates."""
        return MakerTakerFeeModel()


def fee_arguments(maker_fee: Decimal, taker_fee: Decimal) -> dict[str, Any]:
    """The keyword arguments that give an instrument these maker/taker fee rates (on 2.0 in
    its `info`, which a 2.0 catalog stores and reads back)."""
    fees = dict(zip(FEE_FIELDS, (maker_fee, taker_fee), strict=True))
    if NT2:
        return {"info": {name: str(rate) for name, rate in fees.items()}}
    return fees


__all__ = ["FEE_FIELDS", "fee_arguments", "fee_rates", "maker_taker_fee_model"]
