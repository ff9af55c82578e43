"""`Mt5SimulatorConfig`: the frozen options of the MT5 terminal simulator.

It rejects unknown fields, validates its values on construction and round-trips through
`.json()` / `.parse()` like every Nautilus config.
"""

from __future__ import annotations

import math

from nautilus_rl_lab.config import LabConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5.server_time import ServerTime
from nautilus_rl_lab.validation import check_choice, check_currency, check_minimum, check_positive

MARGIN_MODES = ("netting", "hedging")


class Mt5SimulatorConfig(LabConfig, frozen=True, forbid_unknown_fields=True):
    """Options of the MT5 terminal simulator (account, symbols, data, replay).

    Parameters
    ----------
    symbols : tuple[str, ...]
        Symbols the terminal knows (specs from `symbols.DEFAULT_SYMBOL_SPECS`).
        Every symbol replays the same bars unless data are given per symbol in code.
    data_path : str, optional
        CSV (the bundled ``Time,Open,High,Low,Close,Volume`` format or lower-case
        ``open,high,low,close,volume`` with a time column/index) or Parquet file of bars
        with bar OPEN times (``"sample"``: the bundled EUR/USD hours), loaded by the
        simulator's constructor; when None, a synthetic random walk is generated.
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
    server_offset_s : int
        Offset of the server clock from UTC (many brokers run UTC+2/+3): every time the
        terminal reports (ticks, rates, orders, deals) and every date it receives is in
        server time = UTC + offset.
    server_timezone : str, optional
        IANA time zone whose rules the server clock follows instead of the fixed
        `server_offset_s` (e.g. ``"Europe/Athens"``: UTC+2 in winter, UTC+3 in summer).
    shift_to_now : bool
        Shift the data by whole weeks so that the replay starts in the current week
        (weekday structure kept), which makes live sessions look live.
    faults : dict[str, int], optional
        Faults armed at start, ``{fault: count}`` (see `simulator.faults`).
    fault_rates : dict[str, float], optional
        Trade faults drawn at random per `order_send`, ``{fault: probability}`` (seeded).
    pending_fill_lots : float
        Liquidity a triggered pending order with RETURN filling finds per tick, in lots
        (0: unlimited). A bigger order fills in parts on successive ticks (state
        ORDER_STATE_PARTIAL, one deal per part) — a simulator choice that lets tests
        exercise partial fills; market orders are not affected.
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
    server_offset_s: int = 0
    server_timezone: str | None = None
    shift_to_now: bool = False
    faults: dict[str, int] | None = None
    fault_rates: dict[str, float] | None = None
    pending_fill_lots: float = 0.0
    replay_speed: float = 0.0
    gap_pause_s: float = 0.5

    def __hash__(self) -> int:  # the fault dicts are unhashable; the JSON form is not
        return hash(self.json())

    def __post_init__(self) -> None:
        check_choice("margin_mode", self.margin_mode, MARGIN_MODES)
        if not self.symbols:
            raise ConfigError("`symbols` must name at least one symbol, e.g. ('EURUSD',)")
        value: float  # the counts below, then the amounts
        for field, value in (
            ("balance", self.balance),
            ("commission_per_lot", self.commission_per_lot),
            ("pending_fill_lots", self.pending_fill_lots),
            ("replay_speed", self.replay_speed),
            ("gap_pause_s", self.gap_pause_s),
        ):
            if not math.isfinite(value):
                raise ConfigError(f"`{field}` must be a finite number, was {value}")
        for field, value in (
            ("synthetic_bars", self.synthetic_bars),
            ("bar_seconds", self.bar_seconds),
            ("leverage", self.leverage),
        ):
            check_positive(field, value)
        for field, value in (
            ("spread_points", self.spread_points),
            ("warmup_bars", self.warmup_bars),
            ("stops_level", self.stops_level),
            ("replay_speed", self.replay_speed),
            ("gap_pause_s", self.gap_pause_s),
            ("commission_per_lot", self.commission_per_lot),
            ("pending_fill_lots", self.pending_fill_lots),
        ):
            check_minimum(field, value, 0)
        ServerTime(self.server_offset_s, self.server_timezone)  # raises naming the field
        check_minimum("balance", self.balance, 0)
        check_currency("currency", self.currency)
