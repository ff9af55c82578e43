"""Frozen configs choosing the MetaTrader 5 backend under `Mt5Client` and tuning the simulator.

`Mt5BackendConfig.backend` is one of:

- ``"simulator"`` (default): the project's in-process `Mt5TerminalSimulator`, built from
  `Mt5BackendConfig.simulator` (or `Mt5SimulatorConfig()` defaults);
- ``"rpyc"``: `RpycMt5Client` talking to an `Mt5RpycService` at `host:port` (a simulator
  served by ``nautilus-rl-lab mt5-sim serve`` or a native terminal on Windows/Wine);
- ``"native"``: the `MetaTrader5` package itself (Windows only, extra ``mt5``).

`login`/`password`/`server`/`path`/`timeout_s` are passed to `initialize()` by
`client.initialize_from_config`. Both configs reject unknown fields, validate their values
on construction and round-trip through `.json()` / `.parse()` like every Nautilus config.
"""

from __future__ import annotations

from nautilus_trader.common.config import NautilusConfig

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.validation import check_currency

#: Backend names a config accepts; `client.register_backend` adds to it.
BACKENDS: list[str] = ["simulator", "rpyc", "native"]
MARGIN_MODES = ("netting", "hedging")


class Mt5SimulatorConfig(NautilusConfig, frozen=True, forbid_unknown_fields=True):
    """Options of the MT5 terminal simulator (account, symbols, data, replay).

    Parameters
    ----------
    symbols : tuple[str, ...]
        Symbols the terminal knows (specs from `simulator.symbols.DEFAULT_SYMBOL_SPECS`).
        Every symbol replays the same bars unless data are given per symbol in code.
    data_path : str, optional
        CSV (the bundled ``Time,Open,High,Low,Close,Volume`` format or lower-case
        ``open,high,low,close,volume`` with a time column/index) or Parquet file of bars
        with bar OPEN times; when None, a synthetic random walk is generated.
    synthetic_bars : int
        Number of synthetic bars when `data_path` is None.
    bar_seconds : int
        Bar length of the synthetic data (and of the data file, checked on load).
    seed : int
        Seed of the synthetic data.
    spread_points : int
        Spread added to the bid to make the ask, in points.
    warmup_bars : int
        Bars already completed when the terminal starts (history for `copy_rates_*`).
    margin_mode : str
        ``"netting"`` or ``"hedging"``.
    balance, leverage, currency, login, password, server, company, name
        The account.
    stops_level : int
        `trade_stops_level` of every symbol, in points.
    commission_per_lot : float
        Commission charged per lot and per deal, in account currency (negative in deals).
    server_utc_offset_s : int
        Offset of the server clock from UTC (many brokers run UTC+2/+3): every time the
        terminal reports (ticks, rates, orders, deals) and every date it receives is in
        server time = UTC + offset.
    shift_to_now : bool
        Shift the data by whole weeks so that the replay starts in the current week
        (weekday structure kept), which makes live sessions look live.
    faults : dict[str, int], optional
        Faults armed at start, ``{fault: count}`` (see `simulator.faults`).
    fault_rates : dict[str, float], optional
        Trade faults drawn at random per `order_send`, ``{fault: probability}`` (seeded).
    replay_speed : float
        Speed-up factor of the real-time replay started by the serve command (0: the
        clock only moves when advanced explicitly).
    gap_pause_s : float
        Real-time replay: wall seconds the market stays closed in a data gap (weekend)
        before the clock jumps to the next tick.
    """

    symbols: tuple[str, ...] = ("EURUSD",)
    data_path: str | None = None
    synthetic_bars: int = 2_000
    bar_seconds: int = 3_600
    seed: int = 42
    spread_points: int = 10
    warmup_bars: int = 50
    margin_mode: str = "netting"
    balance: float = 10_000.0
    leverage: int = 100
    currency: str = "USD"
    login: int = 5_000_000
    password: str = ""
    server: str = "NautilusRLLab-Simulator"
    company: str = "nautilus_rl_lab"
    name: str = "Simulated account"
    stops_level: int = 0
    commission_per_lot: float = 0.0
    server_utc_offset_s: int = 0
    shift_to_now: bool = False
    faults: dict[str, int] | None = None
    fault_rates: dict[str, float] | None = None
    replay_speed: float = 0.0
    gap_pause_s: float = 0.5

    def __hash__(self) -> int:  # the fault dicts are unhashable; the JSON form is not
        return hash(self.json())

    def __post_init__(self) -> None:
        if self.margin_mode not in MARGIN_MODES:
            raise ConfigError(
                f"`margin_mode` must be one of {MARGIN_MODES}, was {self.margin_mode!r}",
            )
        if not self.symbols:
            raise ConfigError("`symbols` must name at least one symbol, e.g. ('EURUSD',)")
        value: float  # the counts below, then the amounts
        for field, value in (
            ("synthetic_bars", self.synthetic_bars),
            ("bar_seconds", self.bar_seconds),
            ("leverage", self.leverage),
        ):
            if value <= 0:
                raise ConfigError(f"`{field}` must be positive, was {value}")
        for field, value in (
            ("spread_points", self.spread_points),
            ("warmup_bars", self.warmup_bars),
            ("stops_level", self.stops_level),
            ("replay_speed", self.replay_speed),
            ("gap_pause_s", self.gap_pause_s),
            ("commission_per_lot", self.commission_per_lot),
        ):
            if value < 0:
                raise ConfigError(f"`{field}` must be >= 0, was {value}")
        if self.balance < 0:
            raise ConfigError(f"`balance` must be >= 0, was {self.balance}")
        check_currency("currency", self.currency)


class Mt5BackendConfig(NautilusConfig, frozen=True, forbid_unknown_fields=True):
    """Which terminal `create_client` talks to, and how to log in.

    Parameters
    ----------
    backend : str
        ``"simulator"``, ``"rpyc"`` or ``"native"``.
    host, port : str, int
        RPyC bridge address (``"rpyc"`` only). Binds/connects to 127.0.0.1 by default.
    timeout_s : float
        RPyC sync-request timeout, and the `initialize(timeout=...)` in milliseconds.
    login, password, server, path : optional
        Credentials and terminal path passed to `initialize()`; None leaves them out.
    reconnect_backoff_s, reconnect_backoff_max_s : float
        First and largest pause between reconnect attempts of the RPyC client.
    simulator : Mt5SimulatorConfig, optional
        Simulator options (``"simulator"`` backend); defaults when None.
    """

    backend: str = "simulator"
    host: str = "127.0.0.1"
    port: int = 18812
    timeout_s: float = 10.0
    login: int | None = None
    password: str | None = None
    server: str | None = None
    path: str | None = None
    reconnect_backoff_s: float = 0.2
    reconnect_backoff_max_s: float = 5.0
    simulator: Mt5SimulatorConfig | None = None

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigError(
                f"`backend` must be one of {tuple(BACKENDS)}, was {self.backend!r} "
                "(`client.register_backend` adds names)",
            )
        if not 0 < self.port < 65536:
            raise ConfigError(f"`port` must be in 1..65535, was {self.port}")
        if self.timeout_s <= 0:
            raise ConfigError(f"`timeout_s` must be positive, was {self.timeout_s}")
        if self.reconnect_backoff_s < 0 or self.reconnect_backoff_max_s < self.reconnect_backoff_s:
            raise ConfigError(
                "`reconnect_backoff_s` must be >= 0 and <= `reconnect_backoff_max_s`, were "
                f"{self.reconnect_backoff_s} and {self.reconnect_backoff_max_s}",
            )
