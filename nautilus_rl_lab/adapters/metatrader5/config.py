"""Frozen configs of the MT5 data client, execution client and instrument provider.

Every config names the terminal through `backend` (`Mt5BackendConfig`: simulator, RPyC
bridge or the native module); clients whose backend configs are equal share one terminal
connection (`connection.Mt5Connection`). Like every Nautilus config they are frozen, reject
unknown fields and round-trip through ``.json()`` / ``.parse()``.
"""

from __future__ import annotations

from nautilus_rl_lab.adapters.metatrader5.core import DEFAULT_MAGIC
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5.backends import Mt5BackendConfig
from nautilus_rl_lab.mt5.server_time import ServerTime
from nautilus_rl_lab.nt.live_config import (
    InstrumentProviderConfig,
    LiveDataClientConfig,
    LiveExecClientConfig,
)
from nautilus_rl_lab.validation import check_minimum, check_positive, check_symbol

OMS_TYPES = ("NETTING", "HEDGING")


class Mt5InstrumentProviderConfig(
    InstrumentProviderConfig, frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """Which MT5 symbols become Nautilus instruments.

    Parameters
    ----------
    symbols : tuple[str, ...]
        MT5 symbol names to load (e.g. ``("EURUSD",)``); each is `symbol_select`-ed.
        Empty with ``load_all=True`` loads every symbol of `group`.
    group : str, optional
        `symbols_get(group)` filter when loading all symbols (``"*USD*"``).
    load_all : bool
        Inherited from Nautilus; ``True`` by default here so connecting loads `symbols`.
    """

    symbols: tuple[str, ...] = ()
    group: str | None = None
    load_all: bool = True

    def __post_init__(self) -> None:
        for i, symbol in enumerate(self.symbols):
            check_symbol(f"symbols[{i}]", symbol)


def _check_common(config: Mt5DataClientConfig | Mt5ExecClientConfig) -> None:
    check_positive(
        "poll_interval_secs",
        config.poll_interval_secs,
        finite=True,
        what=" (finite seconds)",
        note="; 0.05-1.0 s suits a terminal on this machine",
    )
    check_minimum("reconnect_max_attempts", config.reconnect_max_attempts, 1)
    check_minimum("reconnect_backoff_s", config.reconnect_backoff_s, 0)
    ServerTime(config.server_offset_s, config.server_timezone)  # raises naming the field


class Mt5DataClientConfig(
    LiveDataClientConfig, frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """Configuration of `Mt5DataClient`.

    Parameters
    ----------
    backend : Mt5BackendConfig
        The terminal to talk to.
    instrument_provider : Mt5InstrumentProviderConfig
        Symbols to load on connect.
    server_offset_s : int
        Trade server time minus UTC, in seconds (``7200`` for a UTC+2 server).
    server_timezone : str, optional
        IANA time zone whose rules (DST included) the server clock follows, instead of
        the fixed `server_offset_s` (``"Europe/Athens"``: UTC+2 in winter, UTC+3 in summer).
    poll_interval_secs : float
        How often subscribed ticks and bars are polled.
    reconnect_backoff_s, reconnect_backoff_max_s, reconnect_max_attempts
        Reconnect schedule after the terminal link drops (doubling pauses).
    """

    backend: Mt5BackendConfig = Mt5BackendConfig()
    instrument_provider: Mt5InstrumentProviderConfig = Mt5InstrumentProviderConfig()
    server_offset_s: int = 0
    server_timezone: str | None = None
    poll_interval_secs: float = 0.1
    reconnect_backoff_s: float = 0.1
    reconnect_backoff_max_s: float = 5.0
    reconnect_max_attempts: int = 50

    def __post_init__(self) -> None:
        _check_common(self)


class Mt5ExecClientConfig(
    LiveExecClientConfig, frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """Configuration of `Mt5ExecutionClient`.

    Parameters
    ----------
    backend : Mt5BackendConfig
        The terminal to talk to.
    instrument_provider : Mt5InstrumentProviderConfig
        Symbols to load on connect (orders for other symbols are rejected).
    magic : int
        Expert id written on every request; orders with another magic are foreign
        (reported without a client order id).
    oms_type : str, optional
        ``"NETTING"`` or ``"HEDGING"``; None (default) reads the account's `margin_mode`
        when the client is built. A value that contradicts the account is an error.
    server_offset_s, server_timezone
        The trade server's clock, as for `Mt5DataClientConfig`.
    poll_interval_secs : float
        How often pending orders, positions and the account are polled for changes the
        terminal does not push (pending fills, SL/TP closes, margin).
    deviation_points : int
        Maximum slippage of market orders, in points.
    max_price_retries : int
        Resends with a fresh price after a requote / price changed / off quotes.
    unknown_outcome_checks : int
        How many times the terminal is searched (with backoff) for an order whose
        `order_send` outcome is unknown (timeout, lost connection) before resending it.
    reconnect_backoff_s, reconnect_backoff_max_s, reconnect_max_attempts
        Reconnect schedule after the terminal link drops (doubling pauses).
    """

    backend: Mt5BackendConfig = Mt5BackendConfig()
    instrument_provider: Mt5InstrumentProviderConfig = Mt5InstrumentProviderConfig()
    magic: int = DEFAULT_MAGIC
    oms_type: str | None = None
    server_offset_s: int = 0
    server_timezone: str | None = None
    poll_interval_secs: float = 0.1
    deviation_points: int = 20
    max_price_retries: int = 3
    unknown_outcome_checks: int = 3
    reconnect_backoff_s: float = 0.1
    reconnect_backoff_max_s: float = 5.0
    reconnect_max_attempts: int = 50

    def __post_init__(self) -> None:
        _check_common(self)
        if self.oms_type is not None and self.oms_type not in OMS_TYPES:
            raise ConfigError(
                f"`oms_type` must be None (read from the account) or one of {OMS_TYPES}, "
                f"was {self.oms_type!r}",
            )
        if not 0 <= self.magic < 2**63:
            raise ConfigError(f"`magic` must be a non-negative 64-bit integer, was {self.magic}")
        for field in ("deviation_points", "max_price_retries", "unknown_outcome_checks"):
            check_minimum(field, getattr(self, field), 0)
