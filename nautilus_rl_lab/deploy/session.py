"""Unattended live sessions: `LiveRunConfig` (one YAML file) -> a monitored `LiveNode` with a bundled agent.

`nautilus-rl-lab live --config live.yaml` calls `run_live`: the config is read and validated,
the bundle (or a model registry's current champion) is loaded and checked against the bar
type, the `RLAgent`, `AgentStrategy` and `MonitorActor` configs are built, the run store is
opened (a file there that is not one is named), and only then does anything connect. A node
that cannot start reports why (e.g. the monitor's busy `metrics_port`). SIGINT/SIGTERM end the session cleanly: working orders are cancelled unless
`on_shutdown="keep"` (`"flatten"` also closes positions), the node stops, the run store is
flushed and the command exits 0 (1 if the cancel/flatten could not be confirmed in time). The
monitor does its I/O off the event loop, so a slow webhook or store cannot delay the shutdown.

Secrets: the MT5 login, password and server come from the environment only
(`NRL_MT5_LOGIN`, `NRL_MT5_PASSWORD`, `NRL_MT5_SERVER`); a config file that sets
`node.backend.login/password/server` is refused. The credentials are merged into the backend
config in memory, never written to the run directory (the stored `live_config.json` is the
file's content).
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from nautilus_rl_lab.config import FileConfig, decode_config
from nautilus_rl_lab.data.wrangling import parse_bar_type
from nautilus_rl_lab.deploy.bundle import bundle_configs
from nautilus_rl_lab.deploy.registry import resolve_bundle
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.files import atomic_write_text
from nautilus_rl_lab.nodes.live import ON_ERROR_MODES, LiveNodeConfig
from nautilus_rl_lab.nt.importable import ImportableActorConfig
from nautilus_rl_lab.strategies.risk import RiskLimits
from nautilus_rl_lab.strategies.staleness import DEFAULT_MAX_BAR_AGE_SECS, check_max_bar_age
from nautilus_rl_lab.validation import check_choice, check_instrument_id

logger = logging.getLogger(__name__)

SECRET_ENV = {"login": "NRL_MT5_LOGIN", "password": "NRL_MT5_PASSWORD", "server": "NRL_MT5_SERVER"}
MONITOR_PATH = "nautilus_rl_lab.monitoring:MonitorActor"
MONITOR_CONFIG_PATH = "nautilus_rl_lab.monitoring:MonitorConfig"
SHUTDOWN_TIMEOUT_S = 10.0


class LiveRunConfig(FileConfig, frozen=True, forbid_unknown_fields=True):
    """One unattended live session.

    Parameters
    ----------
    run_dir : str
        Run store, alerts and the copy of this config.
    bundle : str
        An agent bundle directory, or a model registry folder (its promoted champion).
    instrument_id, bar_type : str
        The venue's instrument and the decision bars (must fit the bundle).
    node : LiveNodeConfig
        Terminal backend and node settings; its actors/strategies are added to the agent's.
    risk : RiskLimits, optional
        Risk limits of the strategy (None: those the agent was trained under).
    monitor : dict
        `MonitorConfig` fields other than run_dir/instrument/bar type/bundle
        (`metrics_port`, `rules`, `webhook_url`, `sample_interval_secs`, `halt_on_critical`).
    on_shutdown : str
        ``"cancel"`` working orders (default), ``"keep"`` them, or ``"flatten"`` (also close);
        on a stop and on an error while running (which also raises a critical alert).
    max_bar_age_secs : float, optional
        A decision on a bar that closed longer ago than this (on the terminal's clock) is not
        traded and raises the `stale_bar` alert (default 60; None: no check).
    """

    run_dir: str
    bundle: str
    instrument_id: str = "EURUSD.MT5"
    bar_type: str = "EURUSD.MT5-1-HOUR-BID-EXTERNAL"
    node: LiveNodeConfig = LiveNodeConfig()
    risk: RiskLimits | None = None
    monitor: dict[str, Any] = {}
    on_shutdown: str = "cancel"
    max_bar_age_secs: float | None = DEFAULT_MAX_BAR_AGE_SECS

    def __post_init__(self) -> None:
        check_max_bar_age("max_bar_age_secs", self.max_bar_age_secs)
        check_instrument_id("instrument_id", self.instrument_id)
        parse_bar_type(self.bar_type, "bar_type")  # else it fails once the terminal is connected
        check_choice("on_shutdown", self.on_shutdown, ON_ERROR_MODES)
        backend = self.node.backend
        for field, env in SECRET_ENV.items():
            if getattr(backend, field) is not None:
                raise ConfigError(
                    f"`node.backend.{field}` must not be in a config file: set the "
                    f"environment variable {env} instead",
                )
        reserved = {"run_dir", "instrument_id", "bar_type", "bundle_path"} & set(self.monitor)
        if reserved:
            raise ConfigError(f"`monitor` must not set {sorted(reserved)}: they come from the run")


def backend_secrets(environ: Mapping[str, str]) -> dict[str, Any]:
    """The MT5 credentials found in `environ` (login as int)."""
    found: dict[str, Any] = {}
    for field, env in SECRET_ENV.items():
        value = environ.get(env)
        if value:
            if field == "login":
                try:
                    found[field] = int(value)
                except ValueError:
                    raise ConfigError(f"`{env}` must be an integer account number") from None
            else:
                found[field] = value
    return found


def monitor_config(config: LiveRunConfig, bundle_path: str) -> dict[str, Any]:
    """The `MonitorConfig` fields of the session (validated by building one)."""
    from nautilus_rl_lab.monitoring import MonitorConfig

    fields = {
        "run_dir": config.run_dir,
        "instrument_id": config.instrument_id,
        "bar_type": config.bar_type,
        "bundle_path": bundle_path,
        **config.monitor,
    }
    try:
        decode_config(MonitorConfig, fields)
    except ConfigError as e:
        raise ConfigError(f"invalid `monitor` section: {e}") from e
    return fields


def build_node_config(
    config: LiveRunConfig, environ: Mapping[str, str] | None = None
) -> LiveNodeConfig:
    """The full `LiveNodeConfig`: agent, strategy and monitor from the bundle, secrets from env."""
    bundle_path = str(resolve_bundle(config.bundle))
    actor, strategy = bundle_configs(
        bundle_path,
        config.instrument_id,
        config.bar_type,
        risk=config.risk,
        max_bar_age_secs=config.max_bar_age_secs,
    )
    monitor = ImportableActorConfig(
        actor_path=MONITOR_PATH,
        config_path=MONITOR_CONFIG_PATH,
        config=monitor_config(config, bundle_path),
    )
    secrets = backend_secrets(os.environ if environ is None else environ)
    backend = msgspec.structs.replace(config.node.backend, **secrets)
    return msgspec.structs.replace(
        config.node,
        backend=backend,
        actors=[actor, monitor, *config.node.actors],
        strategies=[strategy, *config.node.strategies],
    )


def run_live(
    config: LiveRunConfig,
    stop: threading.Event | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Run the session until SIGINT/SIGTERM (or `stop`); shut down cleanly and return 0 (1
    when the node stopped by itself or the shutdown's cancel/flatten was not confirmed)."""
    from nautilus_rl_lab.monitoring import attach_monitor
    from nautilus_rl_lab.monitoring.store import open_store
    from nautilus_rl_lab.nodes.live import LiveNode

    node_config = build_node_config(config, environ)
    run_dir = Path(config.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    open_store(run_dir).close()  # a store it cannot use is named before anything connects
    atomic_write_text(run_dir / "live_config.json", config.json().decode())
    stop = stop or threading.Event()
    node = LiveNode(node_config, on_error=config.on_shutdown)
    if threading.current_thread() is threading.main_thread():
        # after the node: Nautilus' kernel installs loop handlers that would not stop it
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    # no reference to the monitor here: on 2.0 it is thread-bound and must be dropped by the node
    alerts = attach_monitor(node, node_config.backend).alerts
    code = 0
    node.on_failure.append(functools.partial(_alert_node_error, node))
    try:
        node.start()
        logger.info("live session running; run store %s", run_dir)
        while not stop.wait(0.2):
            if not node.is_running():
                logger.error("the node stopped: %s", node.failure or "by itself")
                return 1
        if config.on_shutdown != "keep" and not _shut_down_orders(node, config):
            code = 1
    finally:
        node.stop()
        node.dispose()
    logger.info("live session stopped (%d alerts)", len(alerts))
    return code


def _shut_down_orders(node: Any, config: LiveRunConfig) -> bool:
    """Cancel (with `flatten` also close) on the node's loop and wait until it is done; False
    (logged) when the loop did not run it or orders/positions remain after the wait."""
    try:
        node.call(lambda: _shutdown_orders(node, config), timeout_secs=SHUTDOWN_TIMEOUT_S)
    except TimeoutError:
        logger.error(
            "the node's event loop did not run the shutdown `%s` within %.0fs",
            config.on_shutdown,
            SHUTDOWN_TIMEOUT_S,
        )
        return False

    def done() -> bool:
        flat = config.on_shutdown != "flatten" or node.portfolio.is_completely_net_flat()
        return flat and not node.cache.orders_open()

    if not node.wait_until(done, timeout_secs=SHUTDOWN_TIMEOUT_S):
        logger.error("shutdown `%s`: orders or positions remain at the venue", config.on_shutdown)
        return False
    return True


def _alert_node_error(node: Any, reason: str) -> None:
    """The node's monitor raises the critical alert of the error that halts the node."""
    from nautilus_rl_lab.monitoring import MonitorActor

    for actor in node.trader.actors():
        if isinstance(actor, MonitorActor):
            actor.raise_alert(node_error_alert(reason))


def node_error_alert(reason: str) -> Any:
    """The critical alert of an error that halts the node, stamped now (a live node's clock is
    the wall clock)."""
    from nautilus_rl_lab.monitoring.alerts import Alert

    ts_ns = time.time_ns()
    return Alert("node_error", "critical", f"node halted on error: {reason}", 1.0, 0.0, ts_ns)


def _shutdown_orders(node: Any, config: LiveRunConfig) -> None:
    from nautilus_rl_lab.nt.model import InstrumentId

    instrument = InstrumentId.from_str(config.instrument_id)
    for strategy in node.trader.strategies():
        strategy.cancel_all_orders(instrument)
        if config.on_shutdown == "flatten":
            strategy.close_all_positions(instrument)
