"""`LiveNode` on NautilusTrader 2.0: 2.0's `LiveNode` composed, on a thread of its own, behind the
API of 1.221's `TradingNode` subclass (which it replaced); `nodes.live` exports it.

2.0's node cannot be subclassed, runs once and is a thread-bound (pyo3 ``unsendable``) object, as
are its cache and every strategy's Rust half: touching one from another thread aborts the process.
So the node is built, run, read and disposed on one thread that owns an asyncio loop (started by
the constructor, so strategies exist before `start()` as on 1.221); `cache`, `portfolio`, the
trader's strategies and actors and the MT5 clients (`data_client()`, `exec_client()`) are views
(`nodes.live_views`) that run each use there (`call`), and what they return (orders, events,
positions, accounts) are values any thread may read. A start that fails releases the node. While it runs, the node refuses its own `cache`: the
views use the one taken before the run.

State recovery: 2.0 refuses a cache database on a node with Python clients (hosted or `run()`:
`prototypes/nt2/live_cache_database_routes.py`), so `cache_database` is refused here by name; a
restarted node recovers from the terminal through startup reconciliation alone (orders of an
earlier session come back to the strategy claiming their instrument, `external_order_claims`,
else as EXTERNAL).

Errors while running: 2.0 has no `ShutdownSystem` command to take over and swallows handler
exceptions, so the node watches the first error its components' `guarded` handlers recorded
(`strategies.boundary`) and halts as on 1.221: `failure` holds the reason, the `on_failure`
callbacks get it, every strategy cancels (``"cancel"``) and closes its positions too
(``"flatten"``) or keeps both (``"keep"``), and the node stops once settled (`nodes.live_halt`).
2.0 offers Python no trading-state switch, so the risk engine is not set to REDUCING/HALTED
meanwhile. A run that ends by itself (a run error, a component's `shutdown_system`) is a failure
too; the node has stopped by then, so nothing is withdrawn.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import msgspec
from nautilus_trader.common import Environment, LoggerConfig
from nautilus_trader.live import LiveNode as NativeLiveNode
from nautilus_trader.live import LiveNodeBuilder
from nautilus_trader.live import LiveNodeConfig as NativeLiveNodeConfig

from nautilus_rl_lab.adapters.metatrader5.core import MT5
from nautilus_rl_lab.adapters.metatrader5.factories import (
    Mt5LiveDataClientFactory,
    Mt5LiveExecClientFactory,
)
from nautilus_rl_lab.errors import ConfigError, EnvironmentStateError, NautilusRLLabError
from nautilus_rl_lab.nodes.live_config import (
    ON_ERROR_MODES,
    LiveNodeConfig,
    client_configs,
    live_risk_limits,
)
from nautilus_rl_lab.nodes.live_halt import HALT_TIMEOUT_S, settled, withdraw
from nautilus_rl_lab.nodes.live_views import ThreadView
from nautilus_rl_lab.nodes.live_waiting import BackgroundRun
from nautilus_rl_lab.nt import topic_relay
from nautilus_rl_lab.nt.components import (
    Actor,
    ActorConfig,
    add_actor,
    create_actor,
    create_strategy,
)
from nautilus_rl_lab.nt.live_clients import node_client_config
from nautilus_rl_lab.nt.live_node import (
    LiveDataEngineConfig,
    LiveExecEngineConfig,
    LiveRiskEngineConfig,
)
from nautilus_rl_lab.nt.model import InstrumentId, TraderId
from nautilus_rl_lab.validation import check_choice

__all__ = ["LiveNode", "build_live_node_config"]

logger = logging.getLogger(__name__)

FIRST_QUOTE_WAIT_S = 5.0
"""How long `start()` waits for the first quote of each instrument once the node runs."""

# 2.0's log spec spells two of the level names our configs accept differently.
_LOG_LEVELS = {"WARNING": "WARN", "CRITICAL": "ERROR"}


def build_live_node_config(config: LiveNodeConfig) -> NativeLiveNodeConfig:
    """Build 2.0's `LiveNodeConfig` of a `LiveNodeConfig` (MT5 data + execution clients).

    Actors and strategies are not part of 2.0's node config: `LiveNode` adds them.
    """
    if config.cache_database is not None:
        raise ConfigError(
            "`cache_database` is not available on NautilusTrader 2.0: a node with Python "
            "clients refuses a cache database; remove it (a restarted node recovers from the "
            "terminal through `reconciliation`)",
        )
    notionals, submit_rate = live_risk_limits(config)
    data_client, exec_client = client_configs(config)
    level = config.log_level.upper()
    return NativeLiveNodeConfig(
        environment=Environment.LIVE,
        trader_id=TraderId(config.trader_id),
        logging=LoggerConfig.from_spec(f"stdout={_LOG_LEVELS.get(level, level)}"),
        data_engine=LiveDataEngineConfig(),
        risk_engine=LiveRiskEngineConfig(
            max_order_submit_rate=submit_rate,
            max_order_modify_rate=config.max_order_modify_rate,
            max_notional_per_order={k: str(v) for k, v in notionals.items()},
        ),
        exec_engine=LiveExecEngineConfig(
            reconciliation=config.reconciliation,
            reconciliation_lookback_mins=config.reconciliation_lookback_mins,
            inflight_check_interval_ms=config.inflight_check_interval_ms,
            inflight_check_threshold_ms=config.inflight_check_threshold_ms,
            inflight_check_retries=config.inflight_check_retries,
            open_check_interval_secs=config.open_check_interval_secs,
            reconciliation_startup_delay_secs=1.0,
        ),
        timeout_connection_secs=config.timeout_connection,
        timeout_reconciliation_secs=config.timeout_reconciliation,
        timeout_portfolio_secs=10.0,
        timeout_disconnection_secs=config.timeout_disconnection,
        delay_post_stop_secs=config.timeout_post_stop,
        data_clients={MT5: node_client_config(data_client)},
        exec_clients={MT5: node_client_config(exec_client)},
    )


class QuoteFeedConfig(ActorConfig, frozen=True, forbid_unknown_fields=True):
    """The instruments whose quotes the node subscribes."""

    instrument_ids: tuple[str, ...] = ()


class QuoteFeed(Actor):
    """The node's own actor. It subscribes the quotes of the node's instruments: 2.0's risk
    engine prices a market order from the last quote and denies it without one
    (``MARKET_PRICE_UNAVAILABLE``), even for a strategy that reads only bars. And it publishes
    the MT5 clients' messages (the venue time bar staleness is judged by), which 2.0 gives a
    Python client no bus for (`nt.topic_relay`)."""

    def on_start(self) -> None:
        topic_relay.set_relay(self.publish_message)
        for instrument_id in self.config.instrument_ids:
            self.subscribe_quotes(InstrumentId.from_str(instrument_id))

    def on_stop(self) -> None:
        topic_relay.set_relay(None)


class _Trader:
    """The part of 1.221's `Trader` our callers use: the components (as views, usable from any
    thread) and whether it runs."""

    def __init__(self, node: LiveNode) -> None:
        self._node = node

    def strategies(self) -> list[Any]:
        return self._node._views("_strategies")

    def actors(self) -> list[Any]:
        return self._node._views("_actors")

    @property
    def is_running(self) -> bool:
        return self._node.is_running()


def _kept(factory: type, clients: dict[str, Any], key: str) -> type:
    """`factory`, keeping the client it builds in `clients[key]` (2.0's node exposes none)."""

    class Keeping(factory):
        @classmethod
        def build(cls, name: str, config: Any, context: Any) -> Any:
            clients[key] = super().build(name, config, context)
            return clients[key]

    return Keeping


class LiveNode(BackgroundRun):
    """2.0's `LiveNode` on an MT5 terminal, on a thread of its own, with non-blocking start/stop.

    Parameters
    ----------
    config : LiveNodeConfig
        The session.
    on_error : str
        ``"cancel"``, ``"keep"`` or ``"flatten"``: what a halt on error does to orders/positions.
    """

    def __init__(self, config: LiveNodeConfig, on_error: str = "flatten") -> None:
        check_choice("on_error", on_error, ON_ERROR_MODES)
        self._config = config
        self._native_config = build_live_node_config(config)
        self._on_error = on_error
        self.failure: str | None = None
        self.on_failure: list[Callable[[str], None]] = []
        self._strategies: list[Any] = []
        self._actors: list[Any] = []
        self._clients: dict[str, Any] = {}  # "data"/"exec": the MT5 clients the node built
        self._run: concurrent.futures.Future[None] | None = None
        self._run_error: BaseException | None = None
        self._started = False  # ran: a run that ends by itself from now on is a failure
        self._stopping = False
        self._disposed = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="LiveNode", daemon=True)
        self._thread.start()
        try:
            self.call(self._build, timeout_secs=60.0)
        except BaseException:
            self._end_thread()
            raise
        self.cache = ThreadView(self.call, lambda: self._cache)
        self.portfolio = ThreadView(self.call, lambda: self._portfolio)
        self.trader = _Trader(self)

    def _build(self) -> None:
        """On the node's thread: build the node, add the components, keep cache and portfolio."""
        try:
            self._build_native()
        except BaseException as e:
            self._strategies.clear()  # thread-bound: they must not be dropped elsewhere
            self._actors.clear()
            self._clients.clear()
            self.__dict__.pop("_native", None)
            self.__dict__.pop("_quote_feed", None)
            gc.collect()
            raise e.with_traceback(None) from None

    def _build_native(self) -> None:
        builder = LiveNodeBuilder.from_config(
            "nautilus-rl-lab",
            self._native_config,
            data_factories={MT5: _kept(Mt5LiveDataClientFactory, self._clients, "data")},
            exec_factories={MT5: _kept(Mt5LiveExecClientFactory, self._clients, "exec")},
        )
        self._native: NativeLiveNode = builder.build()
        symbols = tuple(f"{symbol}.{MT5}" for symbol in self._config.symbols)
        self._quote_feed = QuoteFeed(QuoteFeedConfig(instrument_ids=symbols))
        self._native.add_actor(self._quote_feed)
        for actor in self._config.actors:
            self._actors.append(create_actor(actor))
            add_actor(self._native, self._actors[-1])
        for index, strategy in enumerate(self._config.strategies):
            self._strategies.append(create_strategy(_indexed(strategy, index)))
            self._native.add_strategy(self._strategies[-1])
        self._handle = self._native.handle()
        self._cache = self._native.cache  # refused by the node while it runs
        self._portfolio = self._native.portfolio

    def _views(self, components: str) -> list[Any]:
        """Views of the node's `components` (``"_strategies"`` / ``"_actors"``)."""
        count = self.call(lambda: len(getattr(self, components)))
        return [
            # the default binds each index (mypy cannot infer a lambda with a default)
            ThreadView(self.call, lambda i=i: getattr(self, components)[i])  # type: ignore[misc]
            for i in range(count)
        ]

    def data_client(self) -> Any:
        """The MT5 data client (a view: each use runs on the node's thread)."""
        return ThreadView(self.call, lambda: self._clients["data"])

    def exec_client(self) -> Any:
        """The MT5 execution client (a view: each use runs on the node's thread)."""
        return ThreadView(self.call, lambda: self._clients["exec"])

    # -- lifecycle -----------------------------------------------------------------------

    async def _run_native(self) -> None:
        watch = self._loop.create_task(self._watch_handler_errors())
        try:
            await self._native.run_async()
        except BaseException as e:  # reported by `start()`, or as the failure
            self._run_error = e.with_traceback(None)  # its frames hold thread-bound objects
        watch.cancel()
        if self._started and not self._stopping and self.failure is None:
            self._fail(f"{type(self._run_error).__name__}: {self._run_error}" if self._run_error
                       else "the node stopped by itself (a component's shutdown_system?)")  # fmt: skip

    async def _watch_handler_errors(self) -> None:
        """Halt on the first error a component's handler recorded (2.0 swallows it)."""
        components = [c for c in (*self._actors, *self._strategies) if hasattr(c, "handler_error")]
        while True:
            await asyncio.sleep(0.05)
            error = next((c.handler_error for c in components if c.handler_error), None)
            if error is not None:
                await self._halt(f"{type(error).__name__}: {error}")
                return

    async def _halt(self, reason: str) -> None:
        """Tell the callbacks, withdraw per `on_error`, stop once settled (1.221's halt)."""
        self._fail(reason)
        if self._on_error != "keep":
            withdraw(self._strategies, self._cache, flatten=self._on_error == "flatten")
        deadline = time.monotonic() + HALT_TIMEOUT_S
        while not settled(self._cache, self._on_error) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if not settled(self._cache, self._on_error):
            logger.error("halt: orders/positions not settled after %.0fs; stopping", HALT_TIMEOUT_S)
        self._handle.stop()

    def _fail(self, reason: str) -> None:
        self.failure = reason
        logger.error("LiveNode halting on error (%s): %s", self._on_error, reason)
        for callback in self.on_failure:
            try:
                callback(reason)
            except Exception as e:  # a broken callback must not hide the others
                logger.error("on_failure callback %r failed: %r", callback, e)

    def is_running(self) -> bool:
        """Whether the node runs (connected, reconciled, components started)."""
        return bool(self._handle.is_running)

    def get_event_loop(self) -> asyncio.AbstractEventLoop:
        """The loop of the node's thread."""
        return self._loop

    def start(self, timeout_secs: float | None = None) -> None:
        """Run the node on its thread; wait until it runs and its instruments are quoted
        (`_await_quotes`).

        An error that ended the start is raised as it is if it is ours (`NautilusRLLabError`) or
        an `OSError`; `EnvironmentStateError` if the node is still not running after
        `timeout_secs` (default: the connection + reconciliation timeouts) or stopped.
        """
        if self._disposed:
            raise EnvironmentStateError("this LiveNode was disposed; build a new one")
        if self._run is not None:
            raise EnvironmentStateError(
                "the LiveNode was already started: a NautilusTrader 2.0 node runs once; "
                "build a new one"
            )
        self._run = asyncio.run_coroutine_threadsafe(self._run_native(), self._loop)
        timeout = timeout_secs or (
            self._config.timeout_connection + self._config.timeout_reconciliation + 10
        )
        started = time.monotonic()
        if self.wait_until(self.is_running, timeout_secs=timeout):
            self._started = True
            self._await_quotes()
            return
        error = self._run_error
        self.dispose()  # a 2.0 node runs once: release it on its thread now
        if isinstance(error, NautilusRLLabError | OSError):
            raise error
        raise EnvironmentStateError(
            f"the LiveNode did not run {time.monotonic() - started:.0f}s into its start: "
            f"{type(error).__name__ if error else 'no error'}: {error} (see the Nautilus log: "
            "terminal unreachable, reconciliation failed or an instrument is missing)",
        ) from error

    def _quoted(self) -> bool:
        """Whether the cache holds a quote of each of the node's instruments."""
        ids = [InstrumentId.from_str(f"{symbol}.{MT5}") for symbol in self._config.symbols]
        return bool(self.call(lambda: all(self._cache.has_quote_ticks(i) for i in ids)))

    def _await_quotes(self) -> None:
        """Wait up to `FIRST_QUOTE_WAIT_S` for a quote of each instrument: 2.0's risk engine
        denies a market order until its instrument has one (``MARKET_PRICE_UNAVAILABLE``), so
        the node is ready to trade only then. A closed market may send none: a warning."""
        if not self.wait_until(self._quoted, timeout_secs=FIRST_QUOTE_WAIT_S):
            logger.warning(
                "LiveNode: no quote of every instrument %.0fs after the start; market orders "
                "are denied until one arrives",
                FIRST_QUOTE_WAIT_S,
            )

    def _run_ended(self) -> bool:
        return self._run is not None and self._run.done()

    def call(self, fn: Callable[[], Any], timeout_secs: float = 10.0) -> Any:
        """Run `fn()` on the node's thread and return its result (at once if already there).

        Every touch of a Nautilus object of the node (strategies, cache) must go through it.
        """
        if threading.current_thread() is self._thread:
            return fn()
        if not self._thread.is_alive():
            raise EnvironmentStateError("this LiveNode was disposed; build a new one")

        async def _call() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(_call(), self._loop).result(timeout_secs)

    def stop(self, timeout_secs: float = 30.0) -> None:
        """Stop the node and wait until its run ended (idempotent)."""
        run = self._run
        if run is None or run.done():
            return
        self._stopping = True
        self._handle.stop()
        try:
            run.result(timeout_secs)
        except Exception as e:
            logger.warning("LiveNode stop: %r", e)

    def _release(self) -> None:
        """On the node's thread: dispose the node and drop every thread-bound object there."""
        self._native.dispose()
        del self._native, self._cache, self._portfolio, self._quote_feed
        self._strategies.clear()
        self._actors.clear()
        self._clients.clear()
        gc.collect()  # the run's coroutine holds the node: free it on this thread

    def _end_thread(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)

    def dispose(self) -> None:
        """Stop if needed and release the node and its thread (idempotent)."""
        if self._disposed:
            return
        self.stop()
        self._disposed = True
        self.call(self._release)
        self._end_thread()


def _indexed(strategy: Any, index: int) -> Any:
    """`strategy` tagged by its place in the node, as 1.221's trader tags an untagged strategy
    (`<class>-<index>`): 2.0 fixes a strategy's id when it is built, so two untagged strategies
    would both be `<class>-000` and the node refuses the second (order-id tag conflict)."""
    fields = strategy.config
    if index == 0 or fields.get("order_id_tag") is not None:
        return strategy
    if fields.get("strategy_id") is not None:
        raise ConfigError(
            f"strategy {index} ({strategy.strategy_path}) has a `strategy_id` but no "
            "`order_id_tag`: give every strategy after the first an `order_id_tag`"
        )
    return msgspec.structs.replace(strategy, config={**fields, "order_id_tag": f"{index:03d}"})
