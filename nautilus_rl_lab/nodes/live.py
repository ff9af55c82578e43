"""`LiveNode`: a Nautilus `TradingNode` wired to a MetaTrader 5 terminal, and its config.

`LiveNodeConfig` is a small, frozen, JSON/YAML-loadable description of a paper/live
session (terminal backend, symbols, the MT5 `data_client` and `exec_client` configs, actors
and strategies as Nautilus `ImportableActorConfig` / `ImportableStrategyConfig`, risk limits,
reconciliation checks); `build_live_node_config` turns it into the full `TradingNodeConfig`.
The client configs are nested, not copied: every client setting can be set from a live config
(the node fills in their `backend` and symbols). The old flat client fields (`magic`,
`poll_interval_secs`, ...) are still read, with a `LabDeprecationWarning`, into the nested ones.
`LiveNode` registers the MT5 client factories, builds, and offers start/stop helpers
that never block forever: `start()` runs the node's own event loop on a background
thread (so it works inside Jupyter, whose loop is already running), `stop()` stops it
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
flattens), tells its `on_failure` callbacks, and stops once settled. Config validation
refuses, before anything connects, a component whose `bar_type` is for another instrument
than its `instrument_id`, and MT5 instruments or bars of a symbol the node does not load.

Venue-side stop-loss/take-profit become the MT5 position's sl/tp (see
`adapters.metatrader5.execution`); a strategy `risk` section with `trailing_stop` is refused,
since MT5 has no server-side trailing stop.
"""

from __future__ import annotations

import asyncio
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec
from nautilus_trader.common.config import DatabaseConfig
from nautilus_trader.common.messages import ShutdownSystem
from nautilus_trader.config import (
    CacheConfig,
    ImportableActorConfig,
    ImportableStrategyConfig,
    LiveDataEngineConfig,
    LiveExecEngineConfig,
    LiveRiskEngineConfig,
    LoggingConfig,
    TradingNodeConfig,
)
from nautilus_trader.live.node import TradingNode

from nautilus_rl_lab.adapters.metatrader5.config import (
    Mt5DataClientConfig,
    Mt5ExecClientConfig,
    Mt5InstrumentProviderConfig,
)
from nautilus_rl_lab.adapters.metatrader5.core import MT5
from nautilus_rl_lab.adapters.metatrader5.factories import (
    Mt5LiveDataClientFactory,
    Mt5LiveExecClientFactory,
)
from nautilus_rl_lab.config import FileConfig
from nautilus_rl_lab.deprecation import LabDeprecationWarning
from nautilus_rl_lab.errors import ConfigError, EnvironmentStateError, NautilusRLLabError
from nautilus_rl_lab.mt5.backends import Mt5BackendConfig
from nautilus_rl_lab.nodes.redis_repair import repair_flipped_positions
from nautilus_rl_lab.nt.model import BarType, InstrumentId, TraderId, TradingState
from nautilus_rl_lab.strategies.risk import RiskLimits, risk_engine_config
from nautilus_rl_lab.validation import (
    check_choice,
    check_component_config,
    check_log_level,
    check_notional_map,
    check_positive,
    check_rate_limit,
    check_symbol,
    check_trader_id,
)

__all__ = ["ON_ERROR_MODES", "LiveNode", "LiveNodeConfig", "build_live_node_config"]

ON_ERROR_MODES = ("cancel", "keep", "flatten")
SHUTDOWN_TOPIC = "commands.system.shutdown"
HALT_TIMEOUT_S = 10.0
SECONDS_FIELDS = (
    "poll_interval_secs", "reconnect_backoff_s", "reconnect_backoff_max_s",
    "open_check_interval_secs", "timeout_connection", "timeout_reconciliation",
    "timeout_disconnection", "timeout_post_stop",
)  # fmt: skip
# The deprecated flat form of the client settings (now `data_client` / `exec_client`).
FLAT_CLIENT_FIELDS = (
    "magic", "oms_type", "server_offset_s", "server_timezone", "poll_interval_secs",
    "reconnect_backoff_s", "reconnect_backoff_max_s",
)  # fmt: skip
EXEC_ONLY_FIELDS = ("magic", "oms_type")
_Client = TypeVar("_Client", Mt5DataClientConfig, Mt5ExecClientConfig)


class LiveNodeConfig(FileConfig, frozen=True, forbid_unknown_fields=True):
    """A paper/live trading session on an MT5 terminal.

    Parameters
    ----------
    backend : Mt5BackendConfig
        The terminal (simulator in-process, RPyC bridge, native module).
    symbols : tuple[str, ...]
        MT5 symbols to load as instruments (``EURUSD`` → ``EURUSD.MT5``).
    trader_id : str
        Nautilus trader id (``NAME-TAG``).
    actors, strategies : list
        `ImportableActorConfig` / `ImportableStrategyConfig` of the components to run
        (e.g. the RL agent and its strategy); any importable Nautilus component works.
    data_client : Mt5DataClientConfig
        The MT5 data client (server clock, poll period, reconnect schedule); its `backend`
        and `instrument_provider` are the node's `backend` and `symbols` (leave them unset).
    exec_client : Mt5ExecClientConfig
        The MT5 execution client (`magic`, `oms_type`, `deviation_points`,
        `max_price_retries`, `unknown_outcome_checks`, server clock, poll period, reconnect
        schedule); `backend` and `instrument_provider` as for `data_client`. Both clients
        must read the same server clock.
    magic, oms_type, server_offset_s, server_timezone, poll_interval_secs,
    reconnect_backoff_s, reconnect_backoff_max_s
        Deprecated flat form: set into `exec_client` (and, but `magic`/`oms_type`,
        `data_client`) with a `DeprecationWarning`; None when unset.
    max_order_submit_rate, max_order_modify_rate : str
        Risk engine throttles (``"<count>/HH:MM:SS"``).
    max_notional_per_order : dict[str, int]
        Risk engine notional caps per instrument id (``{"EURUSD.MT5": 1_000_000}``).
    reconciliation : bool
        Rebuild state from the terminal at start (keep True).
    reconciliation_lookback_mins : int, optional
        Limit the history read at start (None: all of it).
    inflight_check_interval_ms, inflight_check_threshold_ms, inflight_check_retries
        In-flight order checks; threshold x retries must exceed a terminal reconnect.
    open_check_interval_secs : float, optional
        Period of the open-order consistency check (None: off).
    cache_database : DatabaseConfig, optional
        Redis cache persistence (the only backend of Nautilus 1.221).
    log_level : str
        Nautilus log level (``"INFO"``, ``"WARNING"``...).
    timeout_connection, timeout_reconciliation, timeout_disconnection, timeout_post_stop
        Kernel timeouts in seconds (short post-stop wait: the terminal pushes nothing).
    """

    backend: Mt5BackendConfig = Mt5BackendConfig()
    symbols: tuple[str, ...] = ("EURUSD",)
    trader_id: str = "TRADER-001"
    actors: list[ImportableActorConfig] = []
    strategies: list[ImportableStrategyConfig] = []
    data_client: Mt5DataClientConfig = Mt5DataClientConfig()
    exec_client: Mt5ExecClientConfig = Mt5ExecClientConfig()
    max_order_submit_rate: str = "100/00:00:01"
    max_order_modify_rate: str = "100/00:00:01"
    max_notional_per_order: dict[str, int] = {}
    reconciliation: bool = True
    reconciliation_lookback_mins: int | None = None
    inflight_check_interval_ms: int = 1_000
    inflight_check_threshold_ms: int = 5_000
    inflight_check_retries: int = 5
    open_check_interval_secs: float | None = 5.0
    cache_database: DatabaseConfig | None = None
    log_level: str = "INFO"
    timeout_connection: float = 30.0
    timeout_reconciliation: float = 30.0
    timeout_disconnection: float = 5.0
    timeout_post_stop: float = 0.5
    magic: int | None = None
    oms_type: str | None = None
    server_offset_s: int | None = None
    server_timezone: str | None = None
    poll_interval_secs: float | None = None
    reconnect_backoff_s: float | None = None
    reconnect_backoff_max_s: float | None = None

    def __post_init__(self) -> None:
        if not self.symbols:
            raise ConfigError("`symbols` must name at least one MT5 symbol, e.g. ('EURUSD',)")
        for i, symbol in enumerate(self.symbols):
            check_symbol(f"symbols[{i}]", symbol)
        check_trader_id("trader_id", self.trader_id)
        check_log_level("log_level", self.log_level)
        check_rate_limit("max_order_submit_rate", self.max_order_submit_rate)
        check_rate_limit("max_order_modify_rate", self.max_order_modify_rate)
        check_notional_map("max_notional_per_order", self.max_notional_per_order)
        for i, actor in enumerate(self.actors):
            check_component_config(f"actors[{i}]", actor)
            _check_market(f"actors[{i}]", actor, self.symbols)
        for i, strategy in enumerate(self.strategies):
            check_component_config(f"strategies[{i}]", strategy)
            _check_protection(f"strategies[{i}]", strategy)
            _check_market(f"strategies[{i}]", strategy, self.symbols)
        for field in SECONDS_FIELDS:
            value = getattr(self, field)
            if value is not None:
                check_positive(field, value, finite=True, what=" (finite seconds)")
        self._nest_flat_client_fields()
        _check_clients(self.data_client, self.exec_client)

    def _nest_flat_client_fields(self) -> None:
        """Move the deprecated flat client fields into `data_client` / `exec_client`."""
        flat = {f: getattr(self, f) for f in FLAT_CLIENT_FIELDS if getattr(self, f) is not None}
        if not flat:
            return
        warnings.warn(
            f"LiveNodeConfig's flat client fields {sorted(flat)} are deprecated: set them in "
            "`exec_client` (and `data_client`)",
            LabDeprecationWarning,
            stacklevel=3,
        )
        common = {k: v for k, v in flat.items() if k not in EXEC_ONLY_FIELDS}
        msgspec.structs.force_setattr(self, "data_client", _replaced(self.data_client, common))
        msgspec.structs.force_setattr(self, "exec_client", _replaced(self.exec_client, flat))
        for field in flat:
            msgspec.structs.force_setattr(self, field, None)


def _replaced(config: _Client, changes: dict[str, Any]) -> _Client:
    """`config` with `changes`, validated again (its `__post_init__` runs)."""
    return type(config)(**{**msgspec.structs.asdict(config), **changes})


def _check_clients(data: Mt5DataClientConfig, execution: Mt5ExecClientConfig) -> None:
    """Refuse nested client configs that name their own terminal or symbols, or two clocks."""
    for name, client in (("data_client", data), ("exec_client", execution)):
        for field, default in (
            ("backend", Mt5BackendConfig()),
            ("instrument_provider", Mt5InstrumentProviderConfig()),
        ):
            if getattr(client, field) != default:
                raise ConfigError(
                    f"`{name}.{field}` is set by the node: use the node's `backend` and "
                    "`symbols` instead",
                )
    clocks = [(c.server_offset_s, c.server_timezone) for c in (data, execution)]
    if clocks[0] != clocks[1]:
        raise ConfigError(
            f"`data_client` and `exec_client` read different server clocks ({clocks[0]} and "
            f"{clocks[1]} as (server_offset_s, server_timezone)): bars and deals would be "
            "stamped differently; set the same in both",
        )


def _strategy_limits(strategy: ImportableStrategyConfig) -> RiskLimits | None:
    """The `risk` section of a strategy config (an `AgentStrategyConfig`'s), if any."""
    section = strategy.config.get("risk")
    return RiskLimits.parse(msgspec.json.encode(section)) if section else None


def _check_protection(field: str, strategy: ImportableStrategyConfig) -> None:
    """Refuse what MT5 cannot protect: its sl/tp do not trail (no server-side trailing)."""
    limits = _strategy_limits(strategy)
    if limits is not None and limits.trailing_stop:
        raise ConfigError(
            f"`{field}.config.risk.trailing_stop` is not available on MT5: the terminal has no "
            "server-side trailing stop over its API; set it to false (the stop-loss is then "
            "the position's fixed sl)",
        )


def _check_market(
    field: str,
    component: ImportableActorConfig | ImportableStrategyConfig,
    symbols: tuple[str, ...],
) -> None:
    """Refuse bars of another instrument than the component's, and MT5 symbols not loaded.

    A component reading one symbol's bars while trading another would decide on the wrong
    prices; one subscribing to a symbol the node does not load would sit idle.
    """
    config = component.config
    instrument = config.get("instrument_id")
    bar_type = config.get("bar_type")
    ids: dict[str, InstrumentId] = {}
    try:
        if instrument is not None:
            ids["instrument_id"] = InstrumentId.from_str(str(instrument))
        if bar_type is not None:
            ids["bar_type"] = BarType.from_str(str(bar_type)).instrument_id
    except ValueError as e:
        key = "bar_type" if "instrument_id" in ids or instrument is None else "instrument_id"
        raise ConfigError(f"`{field}.config.{key}` is not a Nautilus identifier: {e}") from e
    if len(ids) == 2 and ids["bar_type"] != ids["instrument_id"]:
        raise ConfigError(
            f"`{field}.config.bar_type` {bar_type!r} is for {ids['bar_type']} but "
            f"`{field}.config.instrument_id` is {instrument!r}: the component would decide on "
            "one instrument's bars and trade another; use the bars of the traded instrument",
        )
    for key, instrument_id in ids.items():
        if instrument_id.venue.value == MT5 and instrument_id.symbol.value not in symbols:
            raise ConfigError(
                f"`{field}.config.{key}` names {instrument_id} but the node loads only "
                f"`symbols` {list(symbols)}: add {instrument_id.symbol.value!r} to `symbols`",
            )


def live_risk_engine_config(config: LiveNodeConfig) -> LiveRiskEngineConfig:
    """The node's `RiskEngine` limits plus those of every strategy's `risk` section.

    A strategy config with `instrument_id` and `risk` (an `AgentStrategyConfig`, the same
    section as training's) sets `max_notional_per_order` for its instrument and, if given,
    the node's `max_order_submit_rate`, so the Nautilus limits are the same in every mode.
    """
    notionals = dict(config.max_notional_per_order)
    submit_rate = config.max_order_submit_rate
    for strategy in config.strategies:
        limits, instrument = _strategy_limits(strategy), strategy.config.get("instrument_id")
        if limits is None or instrument is None:
            continue
        engine = risk_engine_config(limits, InstrumentId.from_str(str(instrument)))
        notionals.update(engine.max_notional_per_order)
        submit_rate = limits.max_order_submit_rate or submit_rate
    return LiveRiskEngineConfig(
        graceful_shutdown_on_exception=True,
        max_order_submit_rate=submit_rate,
        max_order_modify_rate=config.max_order_modify_rate,
        max_notional_per_order=notionals,
    )


def build_live_node_config(config: LiveNodeConfig) -> TradingNodeConfig:
    """Build the Nautilus `TradingNodeConfig` of a `LiveNodeConfig` (MT5 data + execution)."""
    provider = Mt5InstrumentProviderConfig(symbols=tuple(config.symbols))
    node: dict[str, Any] = {"backend": config.backend, "instrument_provider": provider}
    return TradingNodeConfig(
        trader_id=TraderId(config.trader_id),
        logging=LoggingConfig(log_level=config.log_level, bypass_logging=False),
        cache=CacheConfig(database=config.cache_database) if config.cache_database else None,
        data_engine=LiveDataEngineConfig(graceful_shutdown_on_exception=True),
        risk_engine=live_risk_engine_config(config),
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
        data_clients={MT5: _replaced(config.data_client, node)},
        exec_clients={MT5: _replaced(config.exec_client, node)},
        actors=list(config.actors),
        strategies=list(config.strategies),
        timeout_connection=config.timeout_connection,
        timeout_reconciliation=config.timeout_reconciliation,
        timeout_portfolio=10.0,
        timeout_disconnection=config.timeout_disconnection,
        timeout_post_stop=config.timeout_post_stop,
    )


class LiveNode(TradingNode):
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
        cache = self.kernel.cache
        for strategy in self.trader.strategies():
            orders = {o.instrument_id for o in cache.orders_open(strategy_id=strategy.id)}
            positions = {p.instrument_id for p in cache.positions_open(strategy_id=strategy.id)}
            for instrument_id in orders | (positions if flatten else set()):
                strategy.cancel_all_orders(instrument_id)
                if flatten:
                    strategy.close_all_positions(instrument_id)

    def _settled(self) -> bool:
        """No order in flight; no working order unless kept; no position when flattening."""
        cache = self.kernel.cache
        working = self._on_error != "keep" and bool(cache.orders_open())
        positions = self._on_error == "flatten" and bool(cache.positions_open())
        return not cache.orders_inflight() and not working and not positions

    async def _stop_when_settled(self, command: ShutdownSystem) -> None:
        deadline = time.monotonic() + HALT_TIMEOUT_S
        while not self._settled() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if not self._settled():
            self.kernel.logger.error(
                f"halt: orders/positions not settled after {HALT_TIMEOUT_S:.0f}s; stopping anyway"
            )
        self.kernel._on_shutdown_system(command)

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

    def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout_secs: float,
        poll_secs: float = 0.02,
    ) -> bool:
        """Poll `predicate` until true or `timeout_secs` passed; return the last value."""
        deadline = time.monotonic() + timeout_secs
        while True:
            if predicate():
                return True
            if time.monotonic() >= deadline or (
                self._thread is not None and not self._thread.is_alive()
            ):
                return bool(predicate())
            time.sleep(poll_secs)

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

    def run_for(
        self,
        seconds: float,
        until: Callable[[LiveNode], bool] | None = None,
    ) -> None:
        """Start, run for `seconds` (or until `until(node)` is true), then stop."""
        self.start()
        try:
            self.wait_until(lambda: until is not None and until(self), timeout_secs=seconds)
        finally:
            self.stop()

    def dispose(self) -> None:
        """Stop if needed and release the node's resources (idempotent)."""
        if self._disposed:
            return
        self.stop()
        self._disposed = True
        super().dispose()
