"""The MT5 clients in NautilusTrader 2.0's own `LiveNode` on the in-process simulator: bars and
quotes reach a strategy, a market order is accepted and filled, and the node's position is the
terminal's (on 1.221 the same path runs through `nodes.live.LiveNode` in the other modules)."""

from __future__ import annotations

import threading
import time

import pytest

from nautilus_rl_lab.nt.version import NT2

pytestmark = pytest.mark.skipif(not NT2, reason="NautilusTrader 2.0's LiveNode builder")

if NT2:
    from nautilus_trader.common import Environment
    from nautilus_trader.config import StrategyConfig
    from nautilus_trader.live import LiveNode
    from nautilus_trader.model import BarType, InstrumentId, OrderSide, TraderId
    from nautilus_trader.trading import Strategy

    from nautilus_rl_lab.adapters.metatrader5.config import (
        Mt5DataClientConfig,
        Mt5ExecClientConfig,
    )
    from nautilus_rl_lab.adapters.metatrader5.connection import (
        acquire_connection,
        release_connection,
    )
    from nautilus_rl_lab.adapters.metatrader5.factories import (
        Mt5LiveDataClientFactory,
        Mt5LiveExecClientFactory,
    )
    from nautilus_rl_lab.mt5 import Mt5BackendConfig, Mt5SimulatorConfig
    from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
    from nautilus_rl_lab.nt.live_clients import node_client_config

    INSTRUMENT = InstrumentId.from_str("EURUSD.MT5")
    BAR_TYPE = BarType.from_str("EURUSD.MT5-1-MINUTE-BID-EXTERNAL")

    class BuyOnceConfig(StrategyConfig):
        """Subscribes to EURUSD quotes and 1-minute bars."""

    class BuyOnce(Strategy):
        """Buys 10,000 EURUSD on the first bar; keeps what it receives."""

        def __init__(self) -> None:
            super().__init__(BuyOnceConfig())
            self.bars: list = []
            self.quotes: list = []
            self.events: list[str] = []

        def on_start(self) -> None:
            self.subscribe_bars(BAR_TYPE)
            self.subscribe_quotes(INSTRUMENT)

        def on_quote(self, quote) -> None:
            self.quotes.append(quote)

        def on_bar(self, bar) -> None:
            self.bars.append(bar)
            if len(self.bars) == 1:
                instrument = self.cache.instrument(INSTRUMENT)
                order = self.order_factory.market(
                    INSTRUMENT, OrderSide.BUY, instrument.make_qty(10_000)
                )
                self.submit_order(order)

        def on_order_event(self, event) -> None:
            self.events.append(type(event).__name__)


def test_bars_quotes_and_a_filled_order_through_a_2_0_live_node() -> None:
    sim_config = Mt5SimulatorConfig(bar_seconds=60, synthetic_bars=500, warmup_bars=60, seed=3)
    backend = Mt5BackendConfig(backend="simulator", simulator=sim_config)
    simulator = Mt5TerminalSimulator(config=sim_config)
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
    strategy = BuyOnce()
    node.add_strategy(strategy)
    handle = node.handle()

    def drive() -> None:
        deadline = time.monotonic() + 30
        while not strategy.quotes and time.monotonic() < deadline:
            time.sleep(0.05)  # connected and subscribed
        while "OrderFilled" not in strategy.events and time.monotonic() < deadline:
            simulator.advance(1)
            time.sleep(0.1)
        handle.stop()

    threading.Thread(target=drive, daemon=True).start()
    try:
        node.run()
        assert strategy.quotes
        assert strategy.bars
        assert all(bar.ts_event % 60_000_000_000 == 0 for bar in strategy.bars)  # at the close
        assert strategy.events == [
            "OrderInitialized",
            "OrderSubmitted",
            "OrderAccepted",
            "OrderFilled",
        ]
        (position,) = node.cache.positions_open()
        (mt5_position,) = simulator.positions_get()
        assert float(position.quantity) == mt5_position.volume * 100_000
        assert str(position.account_id) == f"MT5-{simulator.account_info().login}"
    finally:
        node.dispose()
        release_connection(connection)
