"""The MT5 clients in NautilusTrader 2.0's own `LiveNode` on the in-process simulator: bars,
quotes and history reach a strategy; market orders fill, a pending order is cancelled, a refused
one is rejected with the terminal's reason; a close by the server's stop-loss/take-profit and a
position opened before the start come back through reconciliation, an earlier node's order under
its own client order id. The other modules of this package run the same clients through
`nodes.live.LiveNode`."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from nautilus_trader.common import Environment
from nautilus_trader.config import StrategyConfig
from nautilus_trader.live import LiveNode
from nautilus_trader.model import BarType, InstrumentId, OrderSide, OrderStatus, TraderId
from nautilus_trader.trading import Strategy

from nautilus_rl_lab.adapters.metatrader5.config import (
    Mt5DataClientConfig,
    Mt5ExecClientConfig,
)
from nautilus_rl_lab.adapters.metatrader5.connection import (
    acquire_connection,
    release_connection,
)
from nautilus_rl_lab.adapters.metatrader5.core import DEFAULT_MAGIC
from nautilus_rl_lab.adapters.metatrader5.factories import (
    Mt5LiveDataClientFactory,
    Mt5LiveExecClientFactory,
)
from nautilus_rl_lab.mt5 import Mt5BackendConfig, Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from nautilus_rl_lab.nt import topic_relay
from nautilus_rl_lab.nt.live_clients import node_client_config
from nautilus_rl_lab.strategies.staleness import market_time_topic
from tests.adapters.metatrader5.conftest import terminal_buy

INSTRUMENT = InstrumentId.from_str("EURUSD.MT5")
BAR_TYPE = BarType.from_str("EURUSD.MT5-1-MINUTE-BID-EXTERNAL")


class Recorder(Strategy):
    """Subscribes to EURUSD quotes and 1-minute bars, requests history, claims external
    EURUSD orders, keeps what it receives and runs `on_bar_n(self, n)` on the n-th bar."""

    def __init__(self, on_bar_n: Callable[[Recorder, int], None] | None = None) -> None:
        super().__init__(StrategyConfig(external_order_instrument_ids=[INSTRUMENT]))
        self.on_bar_n = on_bar_n
        self.bars: list = []
        self.history: list = []
        self.quote_history: list = []
        self.instruments: list = []
        self.quotes: list = []
        self.events: list = []
        self.market_times: list[tuple[int, int]] = []  # (server time, bars seen before it)

    def on_start(self) -> None:
        # the node's actor relays a client's bus messages (nodes.live_nt2 does it for our node)
        topic_relay.set_relay(self.publish_message)
        self.subscribe_topic(market_time_topic(INSTRUMENT), self.on_market_time)
        self.subscribe_quotes(INSTRUMENT)  # 2.0's risk engine prices market orders by quotes
        self.subscribe_bars(BAR_TYPE)
        self.request_bars(BAR_TYPE, limit=50)
        self.request_quotes(INSTRUMENT, limit=10)
        self.request_instrument(INSTRUMENT)

    def on_historical_bars(self, bars) -> None:
        self.history.extend(bars)

    def on_historical_quotes(self, quotes) -> None:
        self.quote_history.extend(quotes)

    def on_instrument(self, instrument) -> None:
        self.instruments.append(instrument)

    def on_stop(self) -> None:
        topic_relay.set_relay(None)

    def on_market_time(self, ts: int) -> None:
        self.market_times.append((ts, len(self.bars)))

    def on_quote(self, quote) -> None:
        self.quotes.append(quote)

    def on_bar(self, bar) -> None:
        self.bars.append(bar)
        if self.on_bar_n is not None:
            self.on_bar_n(self, len(self.bars))

    def on_order_event(self, event) -> None:
        self.events.append(event)

    def event_names(self, client_order_id) -> list[str]:
        return [type(e).__name__ for e in self.events if e.client_order_id == client_order_id]

    def qty(self, units: int):
        return self.cache.instrument(INSTRUMENT).make_qty(units)

    def price(self, value: float):
        return self.cache.instrument(INSTRUMENT).make_price(value)


def _simulator(margin_mode: str = "netting") -> Mt5TerminalSimulator:
    return Mt5TerminalSimulator(
        config=Mt5SimulatorConfig(
            bar_seconds=60, synthetic_bars=3_000, warmup_bars=60, seed=3, margin_mode=margin_mode
        )
    )


@contextmanager
def _ran(
    simulator: Mt5TerminalSimulator, strategy: Recorder, done: Callable[[], bool]
) -> Iterator[LiveNode]:
    """Run a node with the MT5 clients on `simulator` and `strategy`, advancing the terminal a
    tick every 0.1 s once quotes flow, until `done()` (30 s at most); yield the stopped node.

    2.0 builds one `LiveNode` per thread while an earlier one is still alive: the last test's
    is collected first.
    """
    gc.collect()
    backend = Mt5BackendConfig(backend="simulator", simulator=simulator.config)
    connection = acquire_connection(backend, client=simulator)  # the clients share it
    clients = {"backend": backend, "poll_interval_secs": 0.02}
    node = (
        LiveNode.builder("mt5-test", TraderId("TESTER-001"), Environment.LIVE)
        .add_data_client(
            "MT5", Mt5LiveDataClientFactory, node_client_config(Mt5DataClientConfig(**clients))
        )
        .add_exec_client(
            "MT5", Mt5LiveExecClientFactory, node_client_config(Mt5ExecClientConfig(**clients))
        )
        .build()
    )
    node.add_strategy(strategy)
    handle = node.handle()

    def drive() -> None:
        deadline = time.monotonic() + 30
        while not strategy.quotes and time.monotonic() < deadline:
            time.sleep(0.05)  # connected and subscribed
        while not done() and time.monotonic() < deadline:
            simulator.advance(1)
            time.sleep(0.1)
        time.sleep(0.5)  # the last events settle
        handle.stop()

    threading.Thread(target=drive, daemon=True).start()
    try:
        node.run()
        yield node
    finally:
        node.dispose()
        release_connection(connection)


def test_bars_quotes_history_and_a_filled_order_through_a_2_0_live_node() -> None:
    simulator = _simulator()

    def buy_once(strategy: Recorder, n: int) -> None:
        if n == 1:
            strategy.submit_order(
                strategy.order_factory.market(INSTRUMENT, OrderSide.BUY, strategy.qty(10_000))
            )

    strategy = Recorder(buy_once)
    with _ran(simulator, strategy, lambda: len(strategy.events) >= 4) as node:
        assert strategy.quotes
        assert len(strategy.history) == 50
        assert len(strategy.quote_history) == 10
        assert INSTRUMENT in [i.id for i in strategy.instruments]
        assert strategy.bars
        assert all(bar.ts_event % 60_000_000_000 == 0 for bar in strategy.bars)  # at the close
        # The server's time goes out before the bars it completed, as on 1.221's message bus.
        followed = [(ns, seen) for ns, seen in strategy.market_times if seen < len(strategy.bars)]
        assert followed
        assert all(ns >= strategy.bars[seen].ts_event for ns, seen in followed)
        order_id = strategy.events[0].client_order_id
        assert strategy.event_names(order_id) == [
            "OrderInitialized",
            "OrderSubmitted",
            "OrderAccepted",
            "OrderFilled",
        ]
        (position,) = node.cache.positions_open()
        (mt5_position,) = simulator.positions_get()
        assert float(position.quantity) == mt5_position.volume * 100_000
        assert str(position.account_id) == f"MT5-{simulator.account_info().login}"
        account, info = node.cache.account(position.account_id), simulator.account_info()
        assert account.balance_total().as_double() == pytest.approx(info.balance)
        assert account.last_event.info["margin_mode"] == info.margin_mode  # reported, as is
        assert not account.calculate_account_state  # the terminal's, never recomputed


@pytest.mark.parametrize("margin_mode", ["netting", "hedging"])
def test_cancel_refusal_and_a_close_by_the_servers_stop_reach_the_strategy(
    margin_mode: str,
) -> None:
    simulator = _simulator(margin_mode)
    sent: dict = {}

    def limit(strategy: Recorder, side: OrderSide, of_close: float):
        """A 10,000-unit limit order at `of_close` times the last bar's close."""
        price = strategy.price(strategy.bars[-1].close.as_double() * of_close)
        return strategy.order_factory.limit(INSTRUMENT, side, strategy.qty(10_000), price)

    def trade(strategy: Recorder, n: int) -> None:
        factory = strategy.order_factory
        if n == 1:
            tick = simulator.symbol_info_tick("EURUSD")
            stops = {"sl": round(tick.bid - 0.0008, 5), "tp": round(tick.ask + 0.0008, 5)}
            sent["market"] = factory.market(INSTRUMENT, OrderSide.BUY, strategy.qty(10_000))
            strategy.submit_order(sent["market"], params=stops)
            sent["resting"] = limit(strategy, OrderSide.BUY, 0.9)  # far below: rests
            strategy.submit_order(sent["resting"])
        elif n == 2:
            strategy.cancel_order(sent["resting"].client_order_id)
        elif n == 3:
            sent["refused"] = limit(strategy, OrderSide.SELL, 0.5)  # far below: refused
            strategy.submit_order(sent["refused"])

    strategy = Recorder(trade)

    def done() -> bool:
        return "refused" in sent and not simulator.positions_get() and len(strategy.bars) > 3

    with _ran(simulator, strategy, done) as node:
        assert not simulator.positions_get()  # closed by the server's sl or tp
        assert strategy.event_names(sent["market"].client_order_id)[-1] == "OrderFilled"
        assert strategy.event_names(sent["resting"].client_order_id)[-1] == "OrderCanceled"
        (refused,) = [
            e for e in strategy.events if e.client_order_id == sent["refused"].client_order_id
        ][-1:]
        assert type(refused).__name__ == "OrderRejected"
        assert "MT5 10015" in refused.reason
        closing = [
            o
            for o in node.cache.orders()
            if o.client_order_id
            not in {sent[k].client_order_id for k in ("market", "resting", "refused")}
        ]
        assert [(o.status, o.strategy_id) for o in closing] == [
            (OrderStatus.FILLED, strategy.strategy_id)  # claimed by the strategy
        ]
        assert not node.cache.positions_open()


@pytest.mark.parametrize("margin_mode", ["netting", "hedging"])
def test_a_terminal_position_opened_before_the_start_is_reconciled(margin_mode: str) -> None:
    simulator = _simulator(margin_mode)
    simulator.initialize()
    simulator.symbol_select("EURUSD", True)
    terminal_buy(simulator, 0.2, magic=7)  # not ours
    strategy = Recorder()
    with _ran(simulator, strategy, lambda: len(strategy.bars) >= 1) as node:
        (position,) = node.cache.positions_open()
        assert float(position.quantity) == 20_000
        assert position.strategy_id == strategy.strategy_id  # claimed external order


def test_an_earlier_nodes_order_filled_after_the_start_keeps_its_client_order_id() -> None:
    """A deal of our magic whose comment names a client order id this node never sent (an
    earlier node's timed-out send the server carried out late) comes back through the poll
    under that id, as on 1.221 (`test_execution_reconciliation`)."""
    simulator = _simulator()
    earlier = "O-20261207-143302-001-000-14"  # another trader start

    def buy_at_the_terminal(strategy: Recorder, n: int) -> None:
        if n == 1:
            terminal_buy(simulator, 0.1, DEFAULT_MAGIC, comment=earlier)

    strategy = Recorder(buy_at_the_terminal)
    with _ran(simulator, strategy, lambda: bool(strategy.events) or len(strategy.bars) > 8) as node:
        (order,) = node.cache.orders()
        assert order.client_order_id.value == earlier
        assert order.status == OrderStatus.FILLED
        assert order.strategy_id == strategy.strategy_id  # claimed external order
