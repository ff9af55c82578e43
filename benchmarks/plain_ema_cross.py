"""A plain Nautilus EMA-cross strategy, the baseline of `bench_backtest.py` (no agent path).

The logic of Nautilus' 1.x example `EMACross` (gone on 2.0), without its logging; besides
Nautilus (through `nautilus_rl_lab.nt`) it imports only the EMA `EMACrossAgent` uses, 1.221's
(`schemes.indicators`): 2.0's `ExponentialMovingAverage` seeds itself with the mean of its first
`period` inputs (1.221: with the first input), so its first crosses differ. Runs on
NautilusTrader 1.221 and 2.0 alike.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from nautilus_trader.config import StrategyConfig

from nautilus_rl_lab.nt.model import Bar, OrderSide
from nautilus_rl_lab.nt.trading import Strategy
from nautilus_rl_lab.schemes.indicators import ExponentialMovingAverage

if TYPE_CHECKING:
    from nautilus_rl_lab.nodes.engine import MarketData


class PlainEMACross(Strategy):
    """Long while EMA(fast) >= EMA(slow), short below; a flip closes the position, then sends the
    opposite market order.

    Built by `on` with its market: a 2.0 `Strategy` takes only its config, and a 2.0
    `StrategyConfig` subclass ignores its own keyword fields, so nothing is passed through one.
    """

    market: MarketData
    quantity: Any  # the instrument's `Quantity` (its class differs between the two lines)
    fast_ema: ExponentialMovingAverage
    slow_ema: ExponentialMovingAverage

    @classmethod
    def on(cls, market: MarketData, trade_size: Decimal, fast: int, slow: int) -> PlainEMACross:
        strategy = cls(StrategyConfig())
        strategy.market = market
        strategy.quantity = market.instrument.make_qty(trade_size)
        strategy.fast_ema = ExponentialMovingAverage(fast)
        strategy.slow_ema = ExponentialMovingAverage(slow)
        return strategy

    def on_start(self) -> None:
        self.subscribe_bars(self.market.bar_type)

    def on_stop(self) -> None:
        """Nothing to undo (the engine is disposed after its run); 1.221 warns when not overridden."""

    def on_bar(self, bar: Bar) -> None:
        self.fast_ema.handle_bar(bar)
        self.slow_ema.handle_bar(bar)
        if not (self.fast_ema.initialized and self.slow_ema.initialized):
            return
        instrument_id = self.market.instrument.id
        if self.fast_ema.value >= self.slow_ema.value:
            side, held, opposite = (
                OrderSide.BUY,
                self.portfolio.is_net_long(instrument_id),
                self.portfolio.is_net_short(instrument_id),
            )
        else:
            side, held, opposite = (
                OrderSide.SELL,
                self.portfolio.is_net_short(instrument_id),
                self.portfolio.is_net_long(instrument_id),
            )
        if held:
            return
        if opposite:
            self.close_all_positions(instrument_id)
        self.submit_order(self.order_factory.market(instrument_id, side, self.quantity))
