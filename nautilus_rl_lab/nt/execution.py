"""Nautilus' fee, fill and latency models, at one address on NautilusTrader 1.221 and 2.0.

1.221's `LatencyModel` is 2.0's `StaticLatencyModel` (the same fixed delays, the same arguments).
1.221's `FillModel(prob_fill_on_limit, prob_slippage, random_seed)` is 2.0's `DefaultFillModel`;
2.0's `FillModel` is only the base class of Python fill models (it ignores those arguments).

`STOP_FILLS_AT_TRIGGER`: whether Nautilus' L1 matching itself fills a triggered stop-market (or
trailing stop-market) order at its trigger price when quote ticks drive the venue. 1.221 always
does (`OrderMatchingEngine.determine_market_price_and_volume`); 2.0 does so only for the ticks it
makes from bars itself (bar execution) and fills at the quote that triggered the stop for quote
tick data (the matching engine's `fill_at_market`), so a fill model sets the price there.
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

STOP_FILLS_AT_TRIGGER = not NT2

__all__ = [
    "STOP_FILLS_AT_TRIGGER",
    "DefaultFillModel",
    "FeeModel",
    "FillModel",
    "FixedFeeModel",
    "MakerTakerFeeModel",
    "PerContractFeeModel",
    "StaticLatencyModel",
]
