"""Nautilus' fee and fill models, at one address on NautilusTrader 1.221 and 2.0."""

from __future__ import annotations

from nautilus_rl_lab.nt.version import NT2

if NT2:
    from nautilus_trader.execution import FeeModel, FillModel, FixedFeeModel, MakerTakerFeeModel
else:
    from nautilus_trader.backtest.models import (
        FeeModel,
        FillModel,
        FixedFeeModel,
        MakerTakerFeeModel,
    )

__all__ = ["FeeModel", "FillModel", "FixedFeeModel", "MakerTakerFeeModel"]
