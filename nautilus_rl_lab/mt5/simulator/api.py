"""`TerminalApi`: the `MetaTrader5` module's session, info, symbol and market-data functions.

The trading functions build on it in `trading_api`. Every API method runs under the
terminal's lock with the module's failure convention (`mt5_api`): before `initialize()` and after `shutdown()` (or an injected disconnect) it fails
with ``(-10004, "No IPC connection")``; a failing call returns None (False for the boolean
calls) and sets `last_error()`, a successful one resets it to ``(1, "Success")``. Dates
given to the API are server time (`server_time.ServerTime`).
"""

from __future__ import annotations

import fnmatch
import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.protocol import DateLike, to_timestamp
from nautilus_rl_lab.mt5.server_time import ServerTime
from nautilus_rl_lab.mt5.simulator.account import Account
from nautilus_rl_lab.mt5.simulator.clock import ReplayClock
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.faults import FaultInjector
from nautilus_rl_lab.mt5.simulator.market import MarketData, SymbolFeed
from nautilus_rl_lab.mt5.simulator.matching import TradeEngine
from nautilus_rl_lab.mt5.simulator.requests import InvalidRequestError
from nautilus_rl_lab.mt5.simulator.symbols import DEFAULT_SYMBOL_SPECS, SymbolSpec, symbol_info
from nautilus_rl_lab.mt5.structures import (
    TICKS_DTYPE,
    AccountInfo,
    BookInfo,
    SymbolInfo,
    TerminalInfo,
    Tick,
)

VERSION = (500, 4755, "13 Feb 2025")
#: Levels per side of the synthetic market depth (`market_book_get`).
BOOK_LEVELS = 5
_T = TypeVar("_T")


class ApiFailure(Exception):
    """An API call that fails with MT5 error `code` (and `detail` for `last_error()`)."""

    def __init__(self, code: int, detail: str = "") -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def mt5_api(failure: Any = None) -> Callable[[Callable[..., _T]], Callable[..., _T]]:
    """Run an MT5 API method under the lock with the module's failure convention."""

    def decorate(method: Callable[..., _T]) -> Callable[..., _T]:
        @functools.wraps(method)
        def wrapper(self: TerminalApi, *args: Any, **kwargs: Any) -> Any:
            with self._lock:
                if self._faults.take_disconnect():
                    self._initialized = False
                    return self._fail(mt5c.RES_E_INTERNAL_FAIL_CONNECT, failure)
                if not self._initialized:
                    return self._fail(mt5c.RES_E_INTERNAL_FAIL_CONNECT, failure)
                try:
                    result = method(self, *args, **kwargs)
                except ApiFailure as exc:
                    return self._fail(exc.code, failure, exc.detail)
                except InvalidRequestError as exc:  # the module's own wording, no "Terminal:"
                    self._last_error = (mt5c.RES_E_INVALID_PARAMS, str(exc))
                    return failure
                self._last_error = (mt5c.RES_S_OK, mt5c.last_error_description(mt5c.RES_S_OK))
                return result

        return wrapper

    return decorate


def _depth(level: int) -> tuple[int, float]:
    """`BookInfo` (volume, volume_dbl) of the synthetic book's `level` (0 = the quote)."""
    lots = 10 * (level + 1)
    return lots, float(lots)


def group_match(name: str, group: str | None) -> bool:
    """MT5 group filter: comma-separated masks with ``*``; ``!mask`` excludes."""
    if not group:
        return True
    masks = [m.strip() for m in group.split(",") if m.strip()]
    includes = [m for m in masks if not m.startswith("!")] or ["*"]
    excludes = [m[1:] for m in masks if m.startswith("!")]
    if any(fnmatch.fnmatchcase(name, mask) for mask in excludes):
        return False
    return any(fnmatch.fnmatchcase(name, mask) for mask in includes)


_TIMEFRAME_NAMES = {
    value: name.removeprefix("TIMEFRAME_")
    for name, value in vars(mt5c).items()
    if name.startswith("TIMEFRAME_") and isinstance(value, int)
}


def _finer_than_data(timeframe: int, feed: SymbolFeed) -> str:
    """Why `feed` cannot serve `timeframe`, and which data would."""
    wanted = _TIMEFRAME_NAMES.get(timeframe, str(timeframe))
    loaded = next(
        (
            _TIMEFRAME_NAMES[code]
            for code, seconds in mt5c.TIMEFRAME_SECONDS.items()
            if seconds == feed.bar_seconds
        ),
        f"{feed.bar_seconds}s",
    )
    seconds = mt5c.TIMEFRAME_SECONDS.get(timeframe, 60)
    return (
        f"timeframe {wanted} is finer than, or no multiple of, the {feed.spec.name} bars "
        f"loaded ({loaded}): load {wanted} or finer bars (Mt5SimulatorConfig.data_path with "
        f"bar_seconds={seconds}, or data=); minute bars serve every timeframe"
    )


class TerminalApi:
    """The MT5 API of `Mt5TerminalSimulator`, which sets the state it reads and changes."""

    config: Mt5SimulatorConfig
    account: Account
    _lock: threading.RLock
    _clock: ReplayClock
    _market: MarketData
    _faults: FaultInjector
    _engine: TradeEngine
    _time: ServerTime
    _specs: dict[str, SymbolSpec]
    _selected: set[str]
    _books: set[str]
    _initialized: bool
    _last_error: tuple[int, str]

    # --- internals -------------------------------------------------------------------
    def _fail(self, code: int, failure: Any, detail: str = "") -> Any:
        description = mt5c.last_error_description(code)
        if detail:
            description = f"{description}: {detail}"
        self._last_error = (code, description)
        return failure

    def _quote(self, symbol: str) -> tuple[float, float] | None:
        count = self._clock.tick_counts.get(symbol, 0)
        if not count:
            return None
        feed = self._market.feeds[symbol]
        return float(feed.tick_bid[count - 1]), float(feed.tick_ask[count - 1])

    def _spec(self, symbol: str, code: int = mt5c.RES_E_INVALID_PARAMS) -> SymbolSpec:
        spec = self._specs.get(symbol) if isinstance(symbol, str) else None
        if spec is None:
            raise ApiFailure(
                code,
                f"{symbol!r} is not a symbol of this simulated terminal ({', '.join(self._specs)});"
                " add it with Mt5SimulatorConfig(symbols=(...)) (and specs= unless it is one "
                f"of {', '.join(DEFAULT_SYMBOL_SPECS)})",
            )
        return spec

    def _utc_ms(self, value: DateLike) -> int:
        """Server-time date from the API -> UTC ms."""
        try:
            return self._time.utc_ms(round(to_timestamp(value) * 1000))
        except TypeError as exc:
            raise ApiFailure(mt5c.RES_E_INVALID_PARAMS, str(exc)) from None

    def _tick_value(self, spec: SymbolSpec) -> float:
        """Value of one tick on one lot in the account currency (unrounded, like MT5)."""
        quote = self._quote(spec.name)
        price = quote[0] if quote else spec.base_price
        return (
            spec.tick_size
            * spec.contract_size
            * self.account.rate(spec.currency_profit, spec, price)
        )

    def _rates(self, symbol: str, timeframe: int) -> np.ndarray:
        """Bars up to the clock (server time), oldest first: the completed ones, then the
        bar in progress (index 0 of `copy_rates_from_pos`, as in MT5) built from the ticks
        replayed so far."""
        self._spec(symbol)
        feed = self._market.feeds[symbol]
        try:
            rates = feed.rates(timeframe)
        except ValueError as exc:
            raise ApiFailure(mt5c.RES_E_INVALID_PARAMS, str(exc)) from None
        if rates is None:
            raise ApiFailure(mt5c.RES_E_INVALID_PARAMS, _finer_than_data(timeframe, feed))
        bars, ends = rates
        now_ms = self._clock.now_ms
        done = int(np.searchsorted(ends, now_ms, side="right"))
        forming = feed.forming_bar(timeframe, now_ms)
        out = bars[:done] if forming is None else np.concatenate([bars[:done], forming])
        out = out.copy()
        out["time"] = self._time.server_ms_array(out["time"] * 1000) // 1000
        return out

    def _ticks(self, symbol: str, flags: int) -> tuple[np.ndarray, SymbolFeed]:
        self._spec(symbol)
        if flags not in (mt5c.COPY_TICKS_ALL, mt5c.COPY_TICKS_INFO, mt5c.COPY_TICKS_TRADE):
            raise ApiFailure(mt5c.RES_E_INVALID_PARAMS, f"invalid flags {flags}")
        feed = self._market.feeds[symbol]
        return feed.tick_msc[: self._clock.tick_counts[symbol]], feed

    def _tick_array(self, feed: SymbolFeed, start: int, stop: int, flags: int) -> np.ndarray:
        if flags == mt5c.COPY_TICKS_TRADE:  # FX/CFD quotes carry no trades
            return np.zeros(0, dtype=TICKS_DTYPE)
        out = feed.ticks(start, stop)
        out["time_msc"] = self._time.server_ms_array(out["time_msc"])
        out["time"] = out["time_msc"] // 1000
        return out

    # --- session ---------------------------------------------------------------------
    def _check_credentials(
        self,
        login: int | None,
        password: str | None,
        server: str | None,
    ) -> bool:
        config = self.config
        wrong = (
            (login is not None and int(login) != config.login)
            or (password is not None and config.password != "" and password != config.password)
            or (server is not None and server != config.server)
        )
        if wrong:
            self._fail(mt5c.RES_E_AUTH_FAILED, None, "invalid account, password or server")
        return not wrong

    def initialize(
        self,
        path: str | None = None,
        *,
        login: int | None = None,
        password: str | None = None,
        server: str | None = None,
        timeout: int | None = None,
        portable: bool = False,
    ) -> bool:
        """Connect to the (simulated) terminal; credentials must match the config if given."""
        del path, timeout, portable
        with self._lock:
            if self._faults.take_disconnect():
                self._initialized = False
                return bool(self._fail(mt5c.RES_E_INTERNAL_FAIL_CONNECT, False))
            if not self._check_credentials(login, password, server):
                return False
            self._initialized = True
            self._last_error = (mt5c.RES_S_OK, mt5c.last_error_description(mt5c.RES_S_OK))
            return True

    @mt5_api(False)
    def login(
        self,
        login: int,
        password: str | None = None,
        server: str | None = None,
        timeout: int | None = None,
    ) -> bool:
        """Log in to the account (only the configured one exists)."""
        del timeout
        if not self._check_credentials(login, password, server):
            raise ApiFailure(mt5c.RES_E_AUTH_FAILED, "invalid account, password or server")
        return True

    def shutdown(self) -> None:
        """Close the session (the terminal keeps running and keeps its state)."""
        with self._lock:
            self._initialized = False

    @mt5_api(None)
    def version(self) -> tuple[int, int, str] | None:
        return VERSION

    def last_error(self) -> tuple[int, str]:
        with self._lock:
            return self._last_error

    # --- info ------------------------------------------------------------------------
    @mt5_api(None)
    def account_info(self) -> AccountInfo | None:
        return self.account.account_info()

    @mt5_api(None)
    def terminal_info(self) -> TerminalInfo | None:
        return TerminalInfo(
            connected=True,
            trade_allowed=True,
            build=VERSION[1],
            maxbars=100_000,
            codepage=1252,
            ping_last=1_000,
            company=self.config.company,
            name="MetaTrader 5 (nautilus_rl_lab simulator)",
            path="simulator",
            data_path="simulator",
            commondata_path="simulator",
        )

    # --- symbols ---------------------------------------------------------------------
    @mt5_api(None)
    def symbols_total(self) -> int | None:
        return len(self._specs)

    @mt5_api(None)
    def symbols_get(self, group: str | None = None) -> tuple[SymbolInfo, ...] | None:
        return tuple(self._symbol_info(name) for name in self._specs if group_match(name, group))

    def _symbol_info(self, name: str) -> SymbolInfo:
        spec = self._specs[name]
        quote = self._quote(name) or (0.0, 0.0)
        count = self._clock.tick_counts[name]
        feed = self._market.feeds[name]
        time_s = self._time.server_ms(int(feed.tick_msc[count - 1])) // 1000 if count else 0
        return symbol_info(
            spec,
            bid=quote[0],
            ask=quote[1],
            time_s=time_s,
            tick_value=self._tick_value(spec),
            selected=name in self._selected,
        )

    @mt5_api(None)
    def symbol_info(self, symbol: str) -> SymbolInfo | None:
        self._spec(symbol, mt5c.RES_E_NOT_FOUND)
        return self._symbol_info(symbol)

    @mt5_api(None)
    def symbol_info_tick(self, symbol: str) -> Tick | None:
        self._spec(symbol, mt5c.RES_E_NOT_FOUND)
        if symbol not in self._selected:
            raise ApiFailure(
                mt5c.RES_E_NOT_FOUND,
                f"{symbol} is not selected in Market Watch; call symbol_select({symbol!r}, True)",
            )
        count = self._clock.tick_counts[symbol]
        if not count:
            raise ApiFailure(mt5c.RES_E_NOT_FOUND, f"no tick for {symbol} yet")
        tick = self._tick_array(self._market.feeds[symbol], count - 1, count, mt5c.COPY_TICKS_ALL)[
            0
        ]
        return Tick(
            time=int(tick["time"]),
            bid=float(tick["bid"]),
            ask=float(tick["ask"]),
            last=0.0,
            volume=0,
            time_msc=int(tick["time_msc"]),
            flags=int(tick["flags"]),
            volume_real=0.0,
        )

    @mt5_api(False)
    def symbol_select(self, symbol: str, enable: bool = True) -> bool:
        self._spec(symbol, mt5c.RES_E_NOT_FOUND)
        if enable:
            self._selected.add(symbol)
            return True
        busy = any(p.symbol == symbol for p in self.account.positions.values()) or any(
            o.symbol == symbol for o in self.account.orders.values()
        )
        if busy:
            raise ApiFailure(mt5c.RES_E_FAIL, f"{symbol} has open positions or orders")
        self._selected.discard(symbol)
        return True

    # --- market depth (a synthetic book around the quote) -----------------------------
    @mt5_api(False)
    def market_book_add(self, symbol: str) -> bool:
        self._spec(symbol, mt5c.RES_E_NOT_FOUND)
        self._books.add(symbol)
        return True

    @mt5_api(None)
    def market_book_get(self, symbol: str) -> tuple[BookInfo, ...] | None:
        """`BOOK_LEVELS` sells above the ask and buys below the bid, one tick apart, 10, 20,
        ... lots deep, highest price first (the module's order); a simulator choice."""
        spec = self._spec(symbol, mt5c.RES_E_NOT_FOUND)
        if symbol not in self._books:
            raise ApiFailure(mt5c.RES_E_NOT_FOUND, f"call market_book_add({symbol!r}) first")
        quote = self._quote(symbol)
        if quote is None:
            raise ApiFailure(mt5c.RES_E_NOT_FOUND, f"no tick for {symbol} yet")
        bid, ask = quote
        levels = range(BOOK_LEVELS)
        sells = [
            BookInfo(mt5c.BOOK_TYPE_SELL, round(ask + k * spec.tick_size, spec.digits), *_depth(k))
            for k in reversed(levels)
        ]
        buys = [
            BookInfo(mt5c.BOOK_TYPE_BUY, round(bid - k * spec.tick_size, spec.digits), *_depth(k))
            for k in levels
        ]
        return (*sells, *buys)

    @mt5_api(False)
    def market_book_release(self, symbol: str) -> bool:
        self._spec(symbol, mt5c.RES_E_NOT_FOUND)
        if symbol not in self._books:
            raise ApiFailure(mt5c.RES_E_FAIL, f"{symbol} has no market book subscription")
        self._books.discard(symbol)
        return True

    # --- market data -----------------------------------------------------------------
    @staticmethod
    def _check_count(count: int) -> int:
        if not isinstance(count, int | np.integer) or count <= 0:
            raise ApiFailure(
                mt5c.RES_E_INVALID_PARAMS, f"count must be a positive int, was {count!r}"
            )
        return int(count)

    @mt5_api(None)
    def copy_rates_from(
        self,
        symbol: str,
        timeframe: int,
        date_from: DateLike,
        count: int,
    ) -> np.ndarray | None:
        count = self._check_count(count)
        bars = self._rates(symbol, timeframe)
        limit = self._time.server_ms(self._utc_ms(date_from)) // 1000
        stop = int(np.searchsorted(bars["time"], limit, side="right"))
        return bars[max(0, stop - count) : stop]

    @mt5_api(None)
    def copy_rates_from_pos(
        self,
        symbol: str,
        timeframe: int,
        start_pos: int,
        count: int,
    ) -> np.ndarray | None:
        count = self._check_count(count)
        if start_pos < 0:
            raise ApiFailure(mt5c.RES_E_INVALID_PARAMS, f"start_pos must be >= 0, was {start_pos}")
        bars = self._rates(symbol, timeframe)
        stop = len(bars) - int(start_pos)
        return bars[max(0, stop - count) : max(0, stop)]

    @mt5_api(None)
    def copy_rates_range(
        self,
        symbol: str,
        timeframe: int,
        date_from: DateLike,
        date_to: DateLike,
    ) -> np.ndarray | None:
        bars = self._rates(symbol, timeframe)
        lo = self._time.server_ms(self._utc_ms(date_from)) / 1000
        hi = self._time.server_ms(self._utc_ms(date_to)) / 1000
        return bars[(bars["time"] >= lo) & (bars["time"] <= hi)]

    @mt5_api(None)
    def copy_ticks_from(
        self,
        symbol: str,
        date_from: DateLike,
        count: int,
        flags: int,
    ) -> np.ndarray | None:
        count = self._check_count(count)
        times, feed = self._ticks(symbol, flags)
        start = int(np.searchsorted(times, self._utc_ms(date_from), side="left"))
        return self._tick_array(feed, start, min(len(times), start + count), flags)

    @mt5_api(None)
    def copy_ticks_range(
        self,
        symbol: str,
        date_from: DateLike,
        date_to: DateLike,
        flags: int,
    ) -> np.ndarray | None:
        times, feed = self._ticks(symbol, flags)
        start = int(np.searchsorted(times, self._utc_ms(date_from), side="left"))
        stop = int(np.searchsorted(times, self._utc_ms(date_to), side="right"))
        return self._tick_array(feed, start, max(start, stop), flags)
