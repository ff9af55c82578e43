"""Probe (NautilusTrader 2.0): can a `LiveNode` with Python clients persist its cache to Redis,
reload it after a restart, and does 1.221's NETTING flip defect (`nodes/redis_repair.py`) exist?

Run: ``/work/nt2venv/bin/python prototypes/nt2/live_redis_probe.py`` (starts its own
redis-server on a free port; needs `redis-server` on PATH). Prints one line per finding.

Session 1: a strategy buys 10k, then sells 20k (a flip from +10k to -10k, the case that
breaks 1.221's load), then sells 10k more (-20k). Session 2: a fresh node on the same Redis
with no strategy orders and an execution client that reports nothing: whatever it holds came
from Redis. Session 3: a fresh node without Redis whose client reports the venue's position:
what reconciliation rebuilds.

Found on 2.0.0rc6 (2026-12-07):
- 2.0's `CacheConfig` has no `database`; a cache database is attached with
  `LiveNodeBuilder.with_cache_database_factory(RedisCacheConfig(...))`, and a node with Python
  clients then refuses to run, hosted (`run_async`) or not (`run()`): "a cache database backing
  is not supported on a host event loop ... custom Python clients require a node without a cache
  database" (sessions 1, 1b, 2). No Redis keys are written.
- Without one, the flip is right in memory: the position holds the flip's opening fill and
  the next one (T2, T3), net -20k (session 1c).
- Restart recovery is startup reconciliation: the venue's position report (it needs
  `avg_px_open`) comes back as an EXTERNAL position (session 3).
- The 1.221 defect cannot arise on 2.0 for our nodes (no cache database); in 2.0's Redis adapter
  source (`crates/infrastructure/src/redis/cache.rs`, develop 2026-07) `add_position` replaces
  the position's list (DEL + RPUSH) instead of appending, so a flip's opening part would not
  follow the closing part in one list.
- The node, its cache and a strategy's Rust half are pyo3 ``unsendable``: built, run, read and
  dropped on one thread (another thread aborts the process); `run_async` needs the loop already
  running; while it runs the node refuses `node.cache` (use the one taken before the run).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from nautilus_trader.common import CacheConfig, Environment, LoggerConfig
from nautilus_trader.config import DataClientConfig, ExecutionClientConfig
from nautilus_trader.infrastructure import RedisCacheConfig
from nautilus_trader.live import (
    LiveExecutionEngineConfig,
    LiveNode,
    LiveNodeBuilder,
    LiveNodeConfig,
)
from nautilus_trader.live.clients import (
    DataClientFactory,
    ExecutionClient,
    ExecutionClientFactory,
    MarketDataClient,
)
from nautilus_trader.model import (
    AccountBalance,
    AccountId,
    AccountType,
    Currency,
    ExecutionMassStatus,
    LiquiditySide,
    Money,
    OmsType,
    OrderSide,
    PositionSide,
    PositionStatusReport,
    Price,
    Quantity,
    QuoteTick,
    TradeId,
    TraderId,
    Venue,
    VenueOrderId,
)
from nautilus_trader.testkit.providers import TestInstrumentProvider
from nautilus_trader.trading import Strategy, StrategyConfig

SIM = Venue("SIM")
INSTRUMENT = TestInstrumentProvider.default_fx_ccy("EUR/USD", SIM)
USD = Currency.from_str("USD")
TRADER = "PROBE-001"
# What the venue reports in session 3 (net -20k), set by the session that traded.
VENUE_NET: dict[str, Decimal] = {"units": Decimal(0)}


class ProbeData(MarketDataClient):
    """Provides the instrument and one quote (the risk engine prices market orders with it)."""

    async def _connect(self) -> None:
        self._handle_instrument(INSTRUMENT)
        now = self.clock.timestamp_ns()
        one_m = Quantity.from_int(1_000_000)
        bid, ask = Price.from_str("1.10000"), Price.from_str("1.10002")
        self._handle_data(QuoteTick(INSTRUMENT.id, bid, ask, one_m, one_m, now, now))

    async def _disconnect(self) -> None:
        pass


class ProbeDataFactory(DataClientFactory):
    @staticmethod
    def create(*, name, config, cache, clock):  # type: ignore[override]
        return ProbeData(name=name, config=config, cache=cache, clock=clock, venue=SIM)


class ProbeExec(ExecutionClient):
    """Fills every market order at once at 1.10000 + 0.0001 per order; reports VENUE_NET."""

    fills = 0

    async def _connect(self) -> None:
        self._handle_instrument(INSTRUMENT)
        balance = AccountBalance(Money(100_000, USD), Money(0, USD), Money(100_000, USD))
        self.generate_account_state([balance], [], True, self.clock.timestamp_ns())

    async def _disconnect(self) -> None:
        pass

    async def _submit_order(self, command: Any) -> None:
        order = command.order
        self.generate_order_submitted(order)
        venue_id = VenueOrderId(f"V-{order.client_order_id.value}")
        now = self.clock.timestamp_ns()
        self.generate_order_accepted(order, venue_id, now)
        ProbeExec.fills += 1
        price = Price.from_str(f"{1.1 + 0.0001 * ProbeExec.fills:.5f}")
        self.generate_order_filled(
            order, venue_id, None, TradeId(f"T{ProbeExec.fills}"), order.quantity, price, USD,
            Money(0, USD), LiquiditySide.TAKER, now,
        )  # fmt: skip
        sign = 1 if order.side == OrderSide.BUY else -1
        VENUE_NET["units"] += sign * order.quantity.as_decimal()

    async def _generate_mass_status(self, lookback_mins: int | None) -> ExecutionMassStatus:
        now = self.clock.timestamp_ns()
        status = ExecutionMassStatus(self.client_id, self.account_id, SIM, now)
        net = VENUE_NET["units"]
        if net:
            side = PositionSide.LONG if net > 0 else PositionSide.SHORT
            report = PositionStatusReport(
                self.account_id,
                INSTRUMENT.id,
                side,
                Quantity.from_str(str(abs(net))),
                now,
                now,
                avg_px_open=Decimal("1.10025"),
            )
            status.add_position_reports([report])
        return status

    async def _generate_order_status_reports(self, command: Any) -> list:
        return []

    async def _generate_fill_reports(self, command: Any) -> list:
        return []

    async def _generate_position_status_reports(self, command: Any) -> list:
        return []


class ProbeExecFactory(ExecutionClientFactory):
    @staticmethod
    def create(*, name, config, cache, clock, trader_id):  # type: ignore[override]
        return ProbeExec(
            name=name, config=config, cache=cache, clock=clock, trader_id=trader_id, venue=SIM,
            account_id=AccountId("SIM-001"), account_type=AccountType.MARGIN,
            oms_type=OmsType.NETTING, base_currency=USD,
        )  # fmt: skip


class FlipConfig(StrategyConfig):
    """Plain (non-frozen) config: 2.0 refuses frozen dataclass subclasses of StrategyConfig."""

    def __init__(self, orders: list[tuple[str, int]] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.orders = orders or []


class FlipStrategy(Strategy):
    """Sends the scripted market orders one after another, each once the previous filled."""

    def on_start(self) -> None:
        self._next = 0
        self._send()

    def on_order_filled(self, event: Any) -> None:
        self._send()

    def _send(self) -> None:
        if self._next >= len(self.config.orders):
            return
        side, units = self.config.orders[self._next]
        self._next += 1
        order = self.order_factory.market(
            INSTRUMENT.id, getattr(OrderSide, side), Quantity.from_int(units)
        )
        self.submit_order(order)


def node_config(reconciliation: bool) -> LiveNodeConfig:
    return LiveNodeConfig(
        environment=Environment.LIVE,
        trader_id=TraderId(TRADER),
        logging=LoggerConfig.from_spec("stdout=WARN"),
        cache=CacheConfig(flush_on_start=False),
        exec_engine=LiveExecutionEngineConfig(reconciliation=reconciliation),
        data_clients={"SIM": DataClientConfig()},
        exec_clients={"SIM": ExecutionClientConfig()},
    )


def build(redis_port: int | None, reconciliation: bool) -> LiveNode:
    builder = LiveNodeBuilder.from_config(
        "PROBE",
        node_config(reconciliation),
        data_factories={"SIM": ProbeDataFactory},
        exec_factories={"SIM": ProbeExecFactory},
    )
    if redis_port is not None:
        builder = builder.with_cache_database_factory(
            RedisCacheConfig(host="127.0.0.1", port=redis_port)
        )
    return builder.build()


class NodeThread:
    """Build and run a node on its own thread: 2.0's `LiveNode` is a pyo3 `unsendable` class
    (touching it from another thread aborts the process), so every access goes through
    `call`, which runs a function on the node's event loop."""

    def __init__(self, make: Any, hosted: bool = True) -> None:
        self._make, self._hosted = make, hosted
        self._ready = threading.Event()
        self.error: str | None = None
        self.thread = threading.Thread(target=self._target, daemon=True)
        self.thread.start()
        self._ready.wait(30)

    def _target(self) -> None:
        self.loop = asyncio.new_event_loop()
        try:
            if self._hosted:
                self.loop.run_until_complete(self._main())
            else:
                self._owned()
        except BaseException as e:  # kept as text: its frames hold unsendable objects
            self.error = f"{type(e).__name__}: {e}"
            self._ready.set()
        finally:
            self.loop.close()
            gc.collect()  # the run's coroutine holds the node: free it on this thread

    def _owned(self) -> None:
        """`run()`: the node owns this thread and its own loop."""
        self.node = self._make()
        self.handle = self.node.handle()
        self.cache = self.node.cache
        self._ready.set()
        try:
            self.node.run()
        finally:
            self.node.dispose()
            del self.node, self.cache

    async def _main(self) -> None:
        """`run_async` needs the loop already running; the node must also die on this thread."""
        self.node = self._make()
        self.handle = self.node.handle()
        self.cache = self.node.cache  # captured before the run: the node refuses it meanwhile
        self._ready.set()
        try:
            await self.node.run_async()
        finally:
            self.node.dispose()
            del self.node, self.cache

    def call(self, fn: Any, timeout: float = 10.0) -> Any:
        """`fn(cache)` on the node's loop thread."""

        async def _call() -> Any:
            return fn(self.cache)

        return asyncio.run_coroutine_threadsafe(_call(), self.loop).result(timeout)

    def run_until(self, until: Any, report: Any, seconds: float = 10.0) -> Any:
        """Wait for `until(node)`, return `report(node)`, stop the node and end the thread."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (self.handle.is_running and self.call(until)):
            time.sleep(0.05)
        result = self.call(report) if self.handle.is_running else None
        time.sleep(0.5)  # let write-behind buffers reach Redis
        self.handle.stop()  # LiveNodeHandle: the sendable stop switch
        self.thread.join(15)
        if self.error is not None:
            print(f"  run error: {self.error}")
        return result


def net(cache: Any) -> Decimal:
    return sum((Decimal(str(p.signed_qty)) for p in cache.positions_open()), Decimal(0))


@contextlib.contextmanager
def redis_server() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = tempfile.mkdtemp(prefix="nt2-redis-")
    exe = shutil.which("redis-server") or sys.exit("redis-server not found")
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", root, "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                break
            time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(root, ignore_errors=True)


def redis_keys(port: int) -> list[str]:
    out = subprocess.run(
        ["redis-cli", "-p", str(port), "--scan"], capture_output=True, text=True, check=True
    )
    return sorted(out.stdout.split())


def positions(cache: Any) -> list[tuple[str, str, list[str]]]:
    return [
        (p.id.value, str(p.signed_qty), [t.value for t in p.trade_ids()]) for p in cache.positions()
    ]


def filled(n: int) -> Any:
    return lambda cache: len(cache.orders()) == n and all(o.is_closed for o in cache.orders())


def main() -> None:
    with redis_server() as port:
        print("session 1: Python clients + Redis cache database; buy 10k, sell 20k, sell 10k")

        def session_1(redis_port: int | None) -> LiveNode:
            node = build(redis_port, reconciliation=False)
            orders = [("BUY", 10_000), ("SELL", 20_000), ("SELL", 10_000)]
            node.add_strategy(FlipStrategy(FlipConfig(orders=orders)))
            return node

        runner = NodeThread(lambda: session_1(port))
        held = runner.run_until(filled(3), lambda n: (net(n), positions(n)))
        print(f"  in memory at stop: net, positions = {held}")
        print("session 1b: the same, with `run()` (the node owns its thread and loop)")
        runner = NodeThread(lambda: session_1(port), hosted=False)
        held = runner.run_until(filled(3), lambda n: (net(n), positions(n)))
        print(f"  in memory at stop: net, positions = {held}")
        print("session 1c: the same without a cache database: the flip in memory")
        runner = NodeThread(lambda: session_1(None))
        held = runner.run_until(filled(3), lambda n: (net(n), positions(n)))
        print(f"  in memory at stop: net, positions = {held}")
        keys = redis_keys(port)
        print(f"  Redis keys after session 1 ({len(keys)}): {keys}")

        print("session 2: fresh node, same Redis, no orders, client reports nothing")
        VENUE_NET["units"] = Decimal(0)
        runner = NodeThread(lambda: build(port, reconciliation=False))
        loaded = runner.run_until(
            lambda n: True, lambda c: (len(c.orders()), net(c), positions(c)), seconds=5
        )
        print(f"  loaded from Redis: orders, net, positions = {loaded}")

    print("session 3: fresh node, no Redis, reconciliation from the venue's position report (-20k)")
    VENUE_NET["units"] = Decimal(-20_000)
    runner = NodeThread(lambda: build(None, reconciliation=True))
    rebuilt = runner.run_until(lambda n: net(n) != 0, lambda n: (net(n), positions(n)), seconds=8)
    print(f"  after reconciliation: net, positions = {rebuilt}")


if __name__ == "__main__":
    main()
