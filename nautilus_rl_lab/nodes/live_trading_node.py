"""`LiveNode` on NautilusTrader 1.221: a `TradingNode` subclass wired to a MetaTrader 5 terminal.

One of the two implementations `nodes.live` selects (2.0's is `nodes.live_nt2`: 2.0's node cannot
be subclassed); both offer the same API. `build_live_node_config` turns a `LiveNodeConfig` into the
full `TradingNodeConfig`. `LiveNode` registers the MT5 client factories, builds, and offers
start/stop helpers that never block forever: `start()` runs the node's own event loop on a
background thread (so it works inside Jupyter, whose loop is already running), `stop()` stops it
gracefully, `run_for(seconds, until=...)` does both.

State recovery: NautilusTrader 1.221 persists its cache only to Redis
(`DatabaseConfig(type="redis")`, optional here through `cache_database`); before the kernel
loads it, `LiveNode` repairs the positions Nautilus 1.221 stored wrongly after a NETTING flip
(`nodes.redis_repair`: otherwise the load aborts with a duplicate trade id). Without it,
a restarted node recovers from the terminal: startup reconciliation
(`LiveExecEngineConfig(reconciliation=True)`) rebuilds orders, fills and positions from
`orders_get` / `history_orders_get` / `history_deals_get` / `positions_get`. Orders of a
previous session come back as EXTERNAL unless a strategy claims the instrument
(`external_order_claims`). During the session, in-flight and open-order checks keep
Nautilus in step with the terminal, which pushes no events.

Errors while running: the live engines run with `graceful_shutdown_on_exception` (Nautilus'
default exits the process at once, positions left open at the terminal), and `LiveNode`
takes the resulting `ShutdownSystem` command: it halts trading, cancels (and per `on_error`
flattens), tells its `on_failure` callbacks, and stops once settled.

Venue-side stop-loss/take-profit become the MT5 position's sl/tp (see
`adapters.metatrader5.execution`).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from nautilus_trader.common.messages import ShutdownSystem
from nautilus_trader.config import CacheConfig, LoggingConfig, TradingNodeConfig
from nautilus_trader.live.node import TradingNode

from nautilus_rl_lab.adapters.metatrader5.core import MT5
from nautilus_rl_lab.adapters.metatrader5.factories import (
    Mt5LiveDataClientFactory,
    Mt5LiveExecClientFactory,
)
from nautilus_rl_lab.errors import EnvironmentStateError, NautilusRLLabError
from nautilus_rl_lab.nodes.live_config import (
    ON_ERROR_MODES,
    LiveNodeConfig,
    client_configs,
    live_risk_limits,
)
from nautilus_rl_lab.nodes.live_halt import HALT_TIMEOUT_S, settled, withdraw
from nautilus_rl_lab.nodes.live_waiting import BackgroundRun
from nautilus_rl_lab.nodes.redis_repair import repair_flipped_positions
from nautilus_rl_lab.nt.live_node import (
    LiveDataEngineConfig,
    LiveExecEngineConfig,
    LiveRiskEngineConfig,
)
from nautilus_rl_lab.nt.model import ClientId, TraderId, TradingState
from nautilus_rl_lab.validation import check_choice

__all__ = ["LiveNode", "build_live_node_config"]

SHUTDOWN_TOPIC = "commands.system.shutdown"


def build_live_node_config(config: LiveNodeConfig) -> TradingNodeConfig:
    """Build the Nautilus `TradingNodeConfig` of a `LiveNodeConfig` (MT5 data + execution)."""
    notionals, submit_rate = live_risk_limits(config)
    data_client, exec_client = client_configs(config)
    return TradingNodeConfig(
        trader_id=TraderId(config.trader_id),
        logging=LoggingConfig(log_level=config.log_level, bypass_logging=False),
        cache=CacheConfig(database=config.cache_database) if config.cache_database else None,
        data_engine=LiveDataEngineConfig(graceful_shutdown_on_exception=True),
        risk_engine=LiveRiskEngineConfig(
            graceful_shutdown_on_exception=True,
            max_order_submit_rate=submit_rate,
            max_order_modify_rate=config.max_order_modify_rate,
            max_notional_per_order=notionals,
        ),
        exec_engine=LiveExecEngineConfig(
            graceful_shutdown_on_exception=True,
            reconciliation=config.reconciliation,
            reconciliation_lookback_mins=config.reconciliation_lookback_mins,
            inflight_check_interval_ms=config.inflight_check_interval_ms,
            inflight_check_threshold_ms=config.inflight_check_threshold_ms,
            inflight_check_retries=config.inflight_check_retries,
            open_check_interval_secs=config.open_check_interval_secs,
            reconciliation_startup_delay_secs=1.0,
        ),
        data_clients={MT5: data_client},
        exec_clients={MT5: exec_client},
        actors=list(config.actors),
        strategies=list(config.strategies),
        timeout_connection=config.timeout_connection,
        timeout_reconciliation=config.timeout_reconciliation,
        timeout_portfolio=10.0,
        timeout_disconnection=config.timeout_disconnection,
        timeout_post_stop=config.timeout_post_stop,
    )


class LiveNode(BackgroundRun, TradingNode):
    """A `TradingNode` on an MT5 terminal with non-blocking start/stop helpers.

    An error while running (an exception in a strategy, actor or engine queue, which Nautilus
    turns into a `ShutdownSystem` command instead of exiting the process) halts the node: the
    `on_failure` callbacks get the reason (e.g. a critical alert); unless that already halted
    trading (a kill switch), the `RiskEngine` stops new exposure and every strategy cancels its
    working orders (`on_error` ``"cancel"``) and also closes its positions (``"flatten"``), or
    leaves both (``"keep"``); once the orders and positions are settled (or after
    `HALT_TIMEOUT_S`) the node stops. `failure` holds the reason.

    Parameters
    ----------
    config : LiveNodeConfig or TradingNodeConfig
        The session (a `TradingNodeConfig` must already name the MT5 clients as ``"MT5"``).
    on_error : str
        ``"cancel"``, ``"keep"`` or ``"flatten"``: what a halt on error does to orders/positions.
    """

    def __init__(
        self, config: LiveNodeConfig | TradingNodeConfig, on_error: str = "flatten"
    ) -> None:
        check_choice("on_error", on_error, ON_ERROR_MODES)
        node_config = (
            build_live_node_config(config) if isinstance(config, LiveNodeConfig) else config
        )
        cache = node_config.cache
        redis = cache is not None and cache.database is not None and cache.database.type == "redis"
        if cache is not None and redis and not cache.flush_on_start:  # before the kernel loads it
            repair_flipped_positions(node_config.trader_id.value, cache)
        self._loop = asyncio.new_event_loop()
        super().__init__(config=node_config, loop=self._loop)
        self.add_data_client_factory(MT5, Mt5LiveDataClientFactory)
        self.add_exec_client_factory(MT5, Mt5LiveExecClientFactory)
        self.build()
        self._thread: threading.Thread | None = None
        self._run_error: BaseException | None = None
        self._disposed = False
        self._on_error = on_error
        self.failure: str | None = None
        self.on_failure: list[Callable[[str], None]] = []
        bus = self.kernel.msgbus  # the kernel would stop at once, positions still open
        bus.unsubscribe(SHUTDOWN_TOPIC, self.kernel._on_shutdown_system)
        bus.subscribe(SHUTDOWN_TOPIC, self._on_shutdown_system)

    # -- halt on error ---------------------------------------------------------------------

    def _on_shutdown_system(self, command: ShutdownSystem) -> None:
        if command.trader_id != self.kernel.trader_id:
            self.kernel._on_shutdown_system(command)  # logs the mismatch
            return
        if self.failure is not None:  # already halting
            return
        self.failure = command.reason or f"shutdown requested by {command.component_id}"
        self.kernel.logger.error(f"HALTING on error ({self._on_error}): {self.failure}")
        for callback in self.on_failure:
            try:
                callback(self.failure)
            except Exception as e:  # a broken callback must not keep the node from halting
                self.kernel.logger.error(f"on_failure callback {callback!r} failed: {e!r}")
        risk_engine = self.kernel.risk_engine
        if risk_engine.trading_state != TradingState.ACTIVE:
            # a kill switch (e.g. raised by a callback's critical alert) already halts the node
            self.kernel.logger.warning(f"halt: trading already {risk_engine.trading_state.name}")
        elif self._on_error != "keep":
            self._withdraw(flatten=self._on_error == "flatten")
        self._loop.create_task(self._stop_when_settled(command))

    def _withdraw(self, flatten: bool) -> None:
        """Stop new exposure; every strategy cancels its working orders (and closes positions)."""
        self.kernel.risk_engine.set_trading_state(
            TradingState.REDUCING if flatten else TradingState.HALTED
        )
        withdraw(self.trader.strategies(), self.kernel.cache, flatten)

    def _settled(self) -> bool:
        return settled(self.kernel.cache, self._on_error)

    async def _stop_when_settled(self, command: ShutdownSystem) -> None:
        deadline = time.monotonic() + HALT_TIMEOUT_S
        while not self._settled() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if not self._settled():
            self.kernel.logger.error(
                f"halt: orders/positions not settled after {HALT_TIMEOUT_S:.0f}s; stopping anyway"
            )
        self.kernel._on_shutdown_system(command)

    def data_client(self) -> Any:
        """The MT5 data client (touch it from another thread through `call`)."""
        return self.kernel.data_engine._clients[ClientId(MT5)]

    def exec_client(self) -> Any:
        """The MT5 execution client (touch it from another thread through `call`)."""
        return self.kernel.exec_engine._clients[ClientId(MT5)]

    # -- lifecycle -----------------------------------------------------------------------

    def _run_in_thread(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self.run_async())
        except BaseException as e:  # reported by `stop()` / `wait_until_running()`
            self._run_error = e

    def start(self, timeout_secs: float | None = None) -> None:
        """Start the node on a background thread; wait until the trader runs.

        An error that ended the start (e.g. the monitor's `ConfigError` for a busy metrics port
        or a store that is not SQLite) is raised as it is; `EnvironmentStateError` if the node
        is still not running after `timeout_secs` (default: the connection + reconciliation
        timeouts) or stopped without an error.
        """
        if self._disposed:
            raise EnvironmentStateError("this LiveNode was disposed; build a new one")
        if self._thread is not None:
            raise EnvironmentStateError("the LiveNode is already started; call `stop()` first")
        self._thread = threading.Thread(target=self._run_in_thread, name="LiveNode", daemon=True)
        self._thread.start()
        timeout = timeout_secs or (
            self._config.timeout_connection + self._config.timeout_reconciliation + 10
        )
        started = time.monotonic()
        if not self.wait_until(lambda: self.trader.is_running, timeout_secs=timeout):
            error, ended = self._run_error, not self._thread.is_alive()
            self.stop()
            if isinstance(error, NautilusRLLabError | OSError):  # the real cause, named
                raise error
            if ended:
                raise EnvironmentStateError(
                    f"the LiveNode stopped {time.monotonic() - started:.0f}s into its start: "
                    f"{type(error).__name__ if error else 'no error'}: {error} (see the "
                    "Nautilus log above)",
                ) from error
            raise EnvironmentStateError(
                f"the LiveNode did not start within {timeout:.0f}s (see the Nautilus log: "
                "terminal unreachable, reconciliation failed or an instrument is missing)",
            ) from error

    def _run_ended(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()

    def call(self, fn: Callable[[], Any], timeout_secs: float = 10.0) -> Any:
        """Run `fn()` on the node's event loop thread and return its result.

        Use it to touch Nautilus objects (strategies, cache) from another thread safely.
        """
        if self._thread is None or not self._loop.is_running():
            return fn()

        async def _call() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(_call(), self._loop).result(timeout_secs)

    def stop(self, timeout_secs: float = 30.0) -> None:
        """Stop the trader, disconnect the clients and end the loop thread (idempotent)."""
        thread = self._thread
        if thread is None:
            return
        if self._loop.is_running() and thread.is_alive():
            future = asyncio.run_coroutine_threadsafe(self.stop_async(), self._loop)
            try:
                future.result(timeout_secs)
            except Exception as e:
                self.kernel.logger.warning(f"LiveNode stop: {e!r}")
        thread.join(timeout_secs)
        self._thread = None

    def dispose(self) -> None:
        """Stop if needed and release the node's resources (idempotent)."""
        if self._disposed:
            return
        self.stop()
        self._disposed = True
        super().dispose()
