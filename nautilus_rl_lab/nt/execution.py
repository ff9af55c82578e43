"""Nautilus' fee, fill and latency models, at one address.

`DefaultFillModel` takes 1.221's `FillModel(prob_fill_on_limit, prob_slippage, random_seed)`;
`FillModel` is only the base class of Python fill models (it ignores those arguments); only
`StaticLatencyModel` exists (1.221's `LatencyModel`: the same fixed delays, the same arguments).
"""

from __future__ import annotations

from nautilus_trader.execution import (
    DefaultFillModel,
    FeeModel,
    FillModel,
    FixedFeeModel,
    MakerTakerFeeModel,
    PerContractFeeModel,
    StaticLatencyModel,
)

__all__ = [
    "DefaultFillModel",
    "FeeModel",
    "FillModel",
    "FixedFeeModel",
    "MakerTakerFeeModel",
    "PerContractFeeModel",
    "StaticLatencyModel",
]
