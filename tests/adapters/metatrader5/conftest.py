"""Helpers of the adapter tests: a `LiveNode` on a given simulator, with one test strategy,
the config of a `LiveNode` on a simulator served over RPyC, and the execution tests' probe
strategy with its `session` / `manual_session` fixtures (one per margin mode)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from nautilus_rl_lab.adapters.metatrader5.config import Mt5DataClientConfig, Mt5ExecClientConfig
from nautilus_rl_lab.adapters.metatrader5.connection import acquire_connection, release_connection
from nautilus_rl_lab.adapters.metatrader5.core import DEFAULT_MAGIC
from nautilus_rl_lab.mt5 import Mt5BackendConfig, Mt5SimulatorConfig
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from nautilus_rl_lab.nodes.live import LiveNode, LiveNodeConfig
from nautilus_rl_lab.nt.importable import ImportableStrategyConfig
from nautilus_rl_lab.nt.model import InstrumentId, OrderSide, OrderStatus
from nautilus_rl_lab.nt.trading import Strategy, StrategyConfig


def clients(
    poll_interval_secs: float = 0.02, server_offset_s: int = 0, **execution: Any
) -> dict[str, Any]:
    """`LiveNodeConfig`'s nested `data_client` and `exec_client`: both poll every
    `poll_interval_secs` on the server clock `server_offset_s`; `execution` sets the
    execution client's own fields (`magic`, `oms_type`, ...)."""
    common = {"poll_interval_secs": poll_interval_secs, "server_offset_s": server_offset_s}
    return {
        "data_client": Mt5DataClientConfig(**common),
        "exec_client": Mt5ExecClientConfig(**common, **execution),
    }


def rpyc_node_config(
    port: int,
    strategies: Sequence = (),
    actors: Sequence = (),
    *,
    magic: int = DEFAULT_MAGIC,
    poll_interval_secs: float = 0.02,
    **overrides: Any,
) -> LiveNodeConfig:
    """A `LiveNodeConfig` on the simulator served over RPyC at 127.0.0.1:`port` (fast polls,
    quiet logs; the execution client's `magic`), with `overrides` of any other field."""
    backend = Mt5BackendConfig(
        backend="rpyc",
        host="127.0.0.1",
        port=port,
        timeout_s=5.0,
        reconnect_backoff_s=0.02,
        reconnect_backoff_max_s=0.2,
    )
    values: dict[str, Any] = {
        "backend": backend,
        "symbols": ("EURUSD",),
        "strategies": list(strategies),
        "actors": list(actors),
        **clients(poll_interval_secs, magic=magic),
        "log_level": "ERROR",
        "open_check_interval_secs": 1.0,
        **overrides,
    }
    return LiveNodeConfig(**values)


@contextmanager
def live_session(
    simulator: Mt5TerminalSimulator,
    sim_config: Mt5SimulatorConfig,
    strategy: str,
    strategy_config: dict[str, Any] | None = None,
    *,
    poll_interval_secs: float = 0.02,
    server_offset_s: int = 0,
    **node_options: Any,
) -> Iterator[tuple[LiveNode, Any, Mt5TerminalSimulator]]:
    """Run a started `LiveNode` on `simulator` with the strategy ``module:Name`` (config
    ``module:NameConfig``), its clients polling every `poll_interval_secs` on the server clock
    `server_offset_s`; yield ``(node, strategy, simulator)``, then dispose of it."""
    backend = Mt5BackendConfig(backend="simulator", simulator=sim_config)
    connection = acquire_connection(backend, client=simulator)  # the node shares it
    module, _, name = strategy.partition(":")
    node = LiveNode(
        LiveNodeConfig(
            backend=backend,
            log_level="ERROR",
            strategies=[
                ImportableStrategyConfig(
                    strategy_path=strategy,
                    config_path=f"{module}:{name}Config",
                    config=strategy_config or {},
                ),
            ],
            **clients(poll_interval_secs, server_offset_s),
            **node_options,
        ),
    )
    node.start()
    try:
        yield node, node.trader.strategies()[0], simulator
    finally:
        node.dispose()
        release_connection(connection)


INSTRUMENT = InstrumentId.from_str("EURUSD.MT5")
WAIT = 10.0


class ProbeConfig(StrategyConfig, frozen=True):
    """A strategy driven from the test."""


class Probe(Strategy):
    """Sends what the test asks and keeps the events."""

    def __init__(self, config: ProbeConfig) -> None:
        super().__init__(config)
        self.events: list = []

    def on_order_event(self, event) -> None:
        self.events.append(event)


class FlakyLinkSimulator(Mt5TerminalSimulator):
    """The simulator, whose link can drop exactly around one `order_send`.

    ``drop = "before"``: the link is down when the request is sent (nothing executes);
    ``drop = "after"``: the request executes but the reply is lost with the link.
    """

    drop: str | None = None

    def order_send(self, request):
        drop, self.drop = self.drop, None
        if drop == "before":
            self.inject("disconnect", count=3)
            return super().order_send(request)
        result = super().order_send(request)
        if drop == "after":
            self.inject("disconnect", count=3)
            self.account_info()  # fails: last_error() is now (-10004, "No IPC connection")
            return None
        return result


@pytest.fixture(params=["netting", "hedging"])
def session(request) -> Iterator[tuple[LiveNode, Probe, Mt5TerminalSimulator]]:
    sim_config = Mt5SimulatorConfig(
        bar_seconds=60,
        synthetic_bars=3_000,
        warmup_bars=20,
        margin_mode=request.param,
        seed=3,
    )
    with live_session(
        FlakyLinkSimulator(config=sim_config),
        sim_config,
        f"{__name__}:Probe",
        {"external_order_claims": [str(INSTRUMENT)]},
    ) as running:
        yield running


@pytest.fixture(params=["netting", "hedging"])
def manual_session(request) -> Iterator[tuple[LiveNode, Probe, Mt5TerminalSimulator]]:
    """A session whose adapter poll and open-order check run only when the test says so.

    The terminal fills triggered pending orders 0.1 lot per tick (`pending_fill_lots`).
    """
    sim_config = Mt5SimulatorConfig(
        bar_seconds=60,
        synthetic_bars=3_000,
        warmup_bars=20,
        margin_mode=request.param,
        seed=3,
        pending_fill_lots=0.1,
    )
    with live_session(
        Mt5TerminalSimulator(config=sim_config),
        sim_config,
        f"{__name__}:Probe",
        poll_interval_secs=3_600.0,  # the test runs the poll itself
        open_check_interval_secs=None,  # ... and Nautilus' open-order check
    ) as running:
        yield running


def terminal_buy(
    simulator: Mt5TerminalSimulator, lots: float, magic: int, comment: str = ""
) -> Any:
    """Buy `lots` EURUSD at the terminal itself, as the expert `magic` (another one, or an
    earlier node when `comment` is its client order id); return the executed `order_send` result."""
    result = simulator.order_send(
        {
            "action": mt5c.TRADE_ACTION_DEAL,
            "symbol": "EURUSD",
            "volume": lots,
            "type": mt5c.ORDER_TYPE_BUY,
            "price": simulator.symbol_info_tick("EURUSD").ask,
            "magic": magic,
            "comment": comment,
            "type_filling": mt5c.ORDER_FILLING_IOC,
        }
    )
    assert result.retcode == mt5c.TRADE_RETCODE_DONE
    return result


def advance_until(
    node: LiveNode, simulator: Mt5TerminalSimulator, predicate, bars: int = 400
) -> bool:
    for _ in range(bars):
        if predicate():
            return True
        simulator.advance(1)
        node.wait_until(predicate, timeout_secs=0.05)
    return node.wait_until(predicate, timeout_secs=1.0)


def current(node: LiveNode, order):
    """`order` as the node's cache holds it now (on NautilusTrader 2.0 an order the test holds
    is a copy, which the order's events do not update)."""
    return node.cache.order(order.client_order_id)


def eurusd(node: LiveNode):
    """The EURUSD instrument the node loaded."""
    return node.cache.instrument(INSTRUMENT)


def run_on_loop(node: LiveNode, make_coro) -> None:
    """Run a coroutine on the node's loop and let the events it emitted be processed."""
    asyncio.run_coroutine_threadsafe(make_coro(), node.get_event_loop()).result(WAIT)
    node.call(lambda: None)  # the queued events are handled before this runs


def bought(node: LiveNode, probe: Probe, units: int):
    """Buy `units` through `probe` and wait for the fill; return the instrument and factory."""
    instrument, factory = eurusd(node), probe.order_factory
    buy = factory.market(INSTRUMENT, OrderSide.BUY, instrument.make_qty(units))
    node.call(lambda: probe.submit_order(buy))
    assert node.wait_until(
        lambda: current(node, buy).status == OrderStatus.FILLED, timeout_secs=WAIT
    )
    return instrument, factory
