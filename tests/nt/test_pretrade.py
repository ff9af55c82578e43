"""`nt.pretrade`: the pre-trade gate `build_engine` installs (the margin gate) lets orders it
does not refuse through and, on NautilusTrader 2, refuses an order whose check fails."""

from __future__ import annotations

from nautilus_rl_lab.evaluation.backtest import market_for
from nautilus_rl_lab.nodes.engine import build_engine
from nautilus_rl_lab.nt.model import Bar, OrderSide, OrderStatus
from nautilus_rl_lab.nt.pretrade import submit_checked
from nautilus_rl_lab.nt.trading import Strategy, StrategyConfig
from nautilus_rl_lab.strategies.margin import MarginCheck
from tests.nodes.conftest import margin_venue, small_config


class _BuysOnce(Strategy):
    """Sends a BUY of 1,000 through `submit_checked` on its second bar."""

    def __init__(self, instrument, bar_type) -> None:
        super().__init__(StrategyConfig(strategy_id="ONCE-001"))
        self.instrument, self.bar_type, self.bars, self.denied = instrument, bar_type, 0, []

    def on_start(self) -> None:
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar: Bar) -> None:
        self.bars += 1
        if self.bars == 2:
            quantity = self.instrument.make_qty(1_000)
            submit_checked(
                self, self.order_factory.market(self.instrument.id, OrderSide.BUY, quantity)
            )

    def on_order_denied(self, event) -> None:
        self.denied.append(event.reason)


def _run() -> tuple[list, list[str]]:
    market = market_for(small_config())
    engine = build_engine(margin_venue(), market)
    strategy = _BuysOnce(market.instrument, market.bar_type)
    engine.add_strategy(strategy)
    try:
        engine.run()
        return [
            (order.status, order.last_event) for order in engine.cache.orders()
        ], strategy.denied
    finally:
        engine.dispose()


def test_an_order_the_check_allows_goes_to_the_venue() -> None:
    ((status, _),), denied = _run()
    assert status == OrderStatus.FILLED and denied == []


def test_an_order_whose_check_fails_is_denied_saying_why(monkeypatch) -> None:
    """Nautilus swallows an error in a message handler: the order must not go out unchecked."""

    def broken(self, order):
        raise ZeroDivisionError("no price")

    monkeypatch.setattr(MarginCheck, "denial", broken)
    ((status, event),), denied = _run()
    assert status == OrderStatus.DENIED
    assert event.reason == denied[0] == "PRETRADE_CHECK_FAILED: ZeroDivisionError: no price"
