"""Nautilus' fee, fill and latency models, at one address on NautilusTrader 1.221 and 2.0.

1.221's `LatencyModel` is 2.0's `StaticLatencyModel` (the same fixed delays, the same arguments).
1.221's `FillModel(prob_fill_on_limit, prob_slippage, random_seed)` is 2.0's `DefaultFillModel`;
2.0's `FillModel` is only the base class of Python fill models (it ignores those arguments).
"""

from __future__ import annotations

from nautilus_rl_lab.nt.version import NT2

if NT2:
    from nautilus_trader.execution import (
        DefaultFillModel,
        FeeModel,
        FillModel,
        FixedFeeModel,
        MakerTakerFeeModel,
        PerContractFeeModel,
        StaticLatencyModel,
    )
else:
    from nautilus_trader.backtest.models import (
        FeeModel,
        FillModel,
        FixedFeeModel,
        MakerTakerFeeModel,
        PerContractFeeModel,
    )
    from nautilus_trader.backtest.models import FillModel as DefaultFillModel
    from nautilus_trader.backtest.models import LatencyModel as StaticLatencyModel

__all__ = [
    "DefaultFillModel",
    "FeeModel",
    "FillModel",
    "FixedFeeModel",
    "MakerTakerFeeModel",
    "PerContractFeeModel",
    "StaticLatencyModel",
]
