"""`LiveNodeConfig`: a paper/live session on a MetaTrader 5 terminal, checked before anything connects.

A small, frozen, JSON/YAML-loadable description of a session (terminal backend, symbols, the MT5
`data_client` and `exec_client` configs, actors and strategies as Nautilus `ImportableActorConfig`
/ `ImportableStrategyConfig`, risk limits, reconciliation checks); each NautilusTrader line's node
(`nodes.live`) turns it into its own node config. The client configs are nested, not copied:
every client setting can be set from a live config (the node fills in their `backend` and
symbols). The old flat client fields (`magic`, `poll_interval_secs`, ...) are still read, with a
`LabDeprecationWarning`, into the nested ones. Validation refuses, before anything connects, a
component whose `bar_type` is for another instrument than its `instrument_id`, MT5 instruments or
bars of a symbol the node does not load, and a `trailing_stop` (MT5 has no server-side trailing
stop). A portfolio's components (`PortfolioRLAgentConfig`, `PortfolioAgentStrategyConfig`) are
checked the same way per instrument: `instrument_ids[i]` against `bar_types[i]` and `risks[i]`
(one each, in the same order).
"""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

import msgspec

from nautilus_rl_lab.adapters.metatrader5.config import (
    Mt5DataClientConfig,
    Mt5ExecClientConfig,
    Mt5InstrumentProviderConfig,
)
from nautilus_rl_lab.adapters.metatrader5.core import MT5
from nautilus_rl_lab.config import FileConfig
from nautilus_rl_lab.deprecation import LabDeprecationWarning
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5.backends import Mt5BackendConfig
from nautilus_rl_lab.nt.importable import ImportableActorConfig, ImportableStrategyConfig
from nautilus_rl_lab.nt.live_node import DatabaseConfig
from nautilus_rl_lab.nt.model import BarType, InstrumentId
from nautilus_rl_lab.strategies.risk import RiskLimits, risk_engine_config
from nautilus_rl_lab.validation import (
    check_component_config,
    check_log_level,
    check_notional_map,
    check_positive,
    check_rate_limit,
    check_symbol,
    check_trader_id,
)

__all__ = [
    "ON_ERROR_MODES",
    "LiveNodeConfig",
    "client_configs",
    "live_risk_limits",
]

ON_ERROR_MODES = ("cancel", "keep", "flatten")
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
_Risk = tuple[str, Any, RiskLimits]  # a risk section's key, its instrument id, its limits


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
        Redis cache persistence (the only backend of Nautilus 1.221); NautilusTrader 2.0 has
        none for a node with Python clients, its node refuses it.
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


def _strategy_risks(field: str, strategy: ImportableStrategyConfig) -> list[_Risk]:
    """The risk sections of a strategy config with their key and instrument: its `risk` (an
    `AgentStrategyConfig`'s) or each `risks[i]` for `instrument_ids[i]` (a
    `PortfolioAgentStrategyConfig`'s)."""
    config = strategy.config
    if config.get("risks") is None:
        section = config.get("risk")
        return [("risk", config.get("instrument_id"), _limits(section))] if section else []
    risks, instruments = list(config["risks"]), list(config.get("instrument_ids") or [])
    if len(risks) != len(instruments):
        raise ConfigError(
            f"`{field}.config.risks` has {len(risks)} entries for {len(instruments)} "
            "`instrument_ids`: give one risk section per instrument, in the same order",
        )
    return [
        (f"risks[{i}]", instrument, _limits(section))
        for i, (section, instrument) in enumerate(zip(risks, instruments, strict=True))
    ]


def _limits(section: Any) -> RiskLimits:
    return RiskLimits.parse(msgspec.json.encode(section))


def _check_protection(field: str, strategy: ImportableStrategyConfig) -> None:
    """Refuse what MT5 cannot protect: its sl/tp do not trail (no server-side trailing)."""
    for key, _, limits in _strategy_risks(field, strategy):
        if limits.trailing_stop:
            raise ConfigError(
                f"`{field}.config.{key}.trailing_stop` is not available on MT5: the terminal has "
                "no server-side trailing stop over its API; set it to false (the stop-loss is "
                "then the position's fixed sl)",
            )


def _markets(field: str, config: dict[str, Any]) -> list[tuple[str, Any, str, Any]]:
    """The (key, instrument id, key, bar type) pairs a component config names: its
    `instrument_id` and `bar_type`, or each `instrument_ids[i]` and `bar_types[i]` (a
    portfolio's, in the same order; a portfolio strategy has no bars)."""
    if config.get("instrument_ids") is None and config.get("bar_types") is None:
        return [("instrument_id", config.get("instrument_id"), "bar_type", config.get("bar_type"))]
    instruments, bar_types = list(config.get("instrument_ids") or []), config.get("bar_types")
    if bar_types is not None and len(bar_types) != len(instruments):
        raise ConfigError(
            f"`{field}.config.bar_types` has {len(bar_types)} entries for {len(instruments)} "
            "`instrument_ids`: give each instrument its bars, in the same order",
        )
    return [
        (f"instrument_ids[{i}]", instrument, f"bar_types[{i}]", bar_types and bar_types[i])
        for i, instrument in enumerate(instruments)
    ]


def _check_market(
    field: str,
    component: ImportableActorConfig | ImportableStrategyConfig,
    symbols: tuple[str, ...],
) -> None:
    """Refuse bars of another instrument than the component's, and MT5 symbols not loaded
    (a portfolio's: each instrument against its own bars).

    A component reading one symbol's bars while trading another would decide on the wrong
    prices; one subscribing to a symbol the node does not load would sit idle.
    """
    for instrument_key, instrument, bar_key, bar_type in _markets(field, component.config):
        ids: dict[str, InstrumentId] = {}
        try:
            if instrument is not None:
                ids[instrument_key] = InstrumentId.from_str(str(instrument))
            if bar_type is not None:
                ids[bar_key] = BarType.from_str(str(bar_type)).instrument_id
        except ValueError as e:
            key = bar_key if instrument_key in ids or instrument is None else instrument_key
            raise ConfigError(f"`{field}.config.{key}` is not a Nautilus identifier: {e}") from e
        if len(ids) == 2 and ids[bar_key] != ids[instrument_key]:
            raise ConfigError(
                f"`{field}.config.{bar_key}` {bar_type!r} is for {ids[bar_key]} but "
                f"`{field}.config.{instrument_key}` is {instrument!r}: the component would "
                "decide on one instrument's bars and trade another; use the bars of the traded "
                "instrument",
            )
        for key, instrument_id in ids.items():
            if instrument_id.venue.value == MT5 and instrument_id.symbol.value not in symbols:
                raise ConfigError(
                    f"`{field}.config.{key}` names {instrument_id} but the node loads only "
                    f"`symbols` {list(symbols)}: add {instrument_id.symbol.value!r} to `symbols`",
                )


def live_risk_limits(config: LiveNodeConfig) -> tuple[dict[str, int], str]:
    """The node's `RiskEngine` notional caps and submit rate, plus those of every strategy's risk.

    A strategy config with `instrument_id` and `risk` (an `AgentStrategyConfig`, the same
    section as training's), or `instrument_ids` and `risks` (a portfolio's), sets
    `max_notional_per_order` for each instrument and, if given, the node's
    `max_order_submit_rate` (the last one given: the engine has one), so the Nautilus limits
    are the same in every mode.
    """
    notionals = dict(config.max_notional_per_order)
    submit_rate = config.max_order_submit_rate
    for i, strategy in enumerate(config.strategies):
        for _, instrument, limits in _strategy_risks(f"strategies[{i}]", strategy):
            if instrument is None:
                continue
            engine = risk_engine_config(limits, InstrumentId.from_str(str(instrument)))
            # 2.0's `RiskEngineConfig` holds the caps as strings, 1.221's as given (ints)
            notionals.update({k: int(v) for k, v in engine.max_notional_per_order.items()})
            submit_rate = limits.max_order_submit_rate or submit_rate
    return notionals, submit_rate


def client_configs(config: LiveNodeConfig) -> tuple[Mt5DataClientConfig, Mt5ExecClientConfig]:
    """The MT5 data and execution client configs, given the node's `backend` and `symbols`."""
    provider = Mt5InstrumentProviderConfig(symbols=tuple(config.symbols))
    node: dict[str, Any] = {"backend": config.backend, "instrument_provider": provider}
    return _replaced(config.data_client, node), _replaced(config.exec_client, node)
