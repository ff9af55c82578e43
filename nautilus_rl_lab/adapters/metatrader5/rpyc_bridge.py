"""RPyC bridge: serve an `Mt5Client` (simulator or native terminal) and call it remotely.

Server: `Mt5RpycService` exposes one named ``exposed_<function>`` per `MT5_FUNCTIONS`
entry and nothing else — no classic mode, no code evaluation, no attribute access. It
binds 127.0.0.1 by default. Sessions are per connection, as the module's are per
process: a (re)connected client calls `initialize()` first; its `shutdown()` leaves the
terminal running for the other clients. Arguments must be plain data (None, bool, int, float, str,
bytes, tuples of those); anything else (a netref) is refused. Each call returns
``(result, last_error)`` with `result` as plain data: named tuples as tuples (nested
`request` too), numpy arrays as ``(dtype descr, bytes)``. A simulator behind the service
also gets a few ``exposed_sim_*`` controls (advance the clock, inject faults).

Client: `RpycMt5Client` implements `Mt5Client`: it sends dates as POSIX seconds and
request dicts as ``(key, value)`` pairs, rebuilds the named tuples and numpy arrays, and
keeps the server's `last_error` locally. When the link fails (server down, connection
lost) the call returns None/False with ``last_error() == (-10004, "No IPC connection ...")``;
a sync timeout returns None with ``-10005`` — for `order_send` the outcome is then
unknown: reconcile (`orders_get`, `positions_get`, `history_deals_get`), never resend
blindly. The next call reconnects, at most once per backoff interval (doubling from
`backoff_s` to `backoff_max_s`).

Entry points: `serve(client, host, port)` returns a `ServerHandle` (ThreadedServer on a
thread; ``port=0`` picks a free port); ``nautilus-rl-lab mt5-sim serve --port ... --data
... --speed ...`` is `add_serve_arguments` + `run_serve`, also runnable as `main(argv)`.
Client and server must use the same rpyc major version.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import rpyc
from rpyc.utils.helpers import classpartial
from rpyc.utils.server import ThreadedServer

from nautilus_rl_lab.adapters.metatrader5 import constants as c
from nautilus_rl_lab.adapters.metatrader5.backend_config import Mt5SimulatorConfig
from nautilus_rl_lab.adapters.metatrader5.client import MT5_FUNCTIONS, Mt5Client, to_timestamp
from nautilus_rl_lab.adapters.metatrader5.structures import (
    structure_from_plain,
    structure_to_plain,
)
from nautilus_rl_lab.errors import ConfigError, Mt5Error

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 18812

#: How each function's result travels: ("struct", name), ("structs", name), ("array",) or ().
RESULT_KINDS: dict[str, tuple[str, ...]] = {
    "account_info": ("struct", "AccountInfo"),
    "terminal_info": ("struct", "TerminalInfo"),
    "symbols_get": ("structs", "SymbolInfo"),
    "symbol_info": ("struct", "SymbolInfo"),
    "symbol_info_tick": ("struct", "Tick"),
    "copy_rates_from": ("array",),
    "copy_rates_from_pos": ("array",),
    "copy_rates_range": ("array",),
    "copy_ticks_from": ("array",),
    "copy_ticks_range": ("array",),
    "order_check": ("struct", "OrderCheckResult"),
    "order_send": ("struct", "OrderSendResult"),
    "orders_get": ("structs", "TradeOrder"),
    "positions_get": ("structs", "TradePosition"),
    "history_orders_get": ("structs", "TradeOrder"),
    "history_deals_get": ("structs", "TradeDeal"),
}
_BOOL_FUNCTIONS = frozenset({"initialize", "login", "symbol_select"})
_REQUEST_FUNCTIONS = frozenset({"order_send", "order_check"})
_PLAIN_TYPES = (type(None), bool, int, float, str, bytes)

_SERVER_CONFIG = {
    "allow_public_attrs": False,
    "allow_all_attrs": False,
    "allow_setattr": False,
    "allow_delattr": False,
    "allow_pickle": False,
    "import_custom_exceptions": False,
    "instantiate_custom_exceptions": False,
    "include_local_traceback": False,
}


def _error(code: int, detail: str = "") -> tuple[int, str]:
    """A `last_error()` pair for `code`, with `detail` appended to the description."""
    description = c.last_error_description(code)
    return code, f"{description}: {detail}" if detail else description


def _is_plain(value: Any) -> bool:
    if type(value) is tuple:
        return all(_is_plain(item) for item in value)
    return type(value) in _PLAIN_TYPES


def encode_result(name: str, result: Any) -> Any:
    """Turn a module result into plain data for the wire."""
    if result is None:
        return None
    kind = RESULT_KINDS.get(name, ())
    if kind and kind[0] == "array":
        array = np.ascontiguousarray(result)
        descr = tuple(tuple(str(part) for part in item) for item in array.dtype.descr)
        return (descr, array.tobytes())
    if kind and kind[0] == "structs":
        return tuple(structure_to_plain(item) for item in result)
    if isinstance(result, tuple):
        return structure_to_plain(result)
    if isinstance(result, np.generic):
        return result.item()
    return result


def decode_result(name: str, payload: Any) -> Any:
    """Rebuild the module's types from `encode_result`'s plain data."""
    if payload is None:
        return None
    kind = RESULT_KINDS.get(name, ())
    if not kind:
        return tuple(payload) if isinstance(payload, tuple | list) else payload
    if kind[0] == "array":
        descr, raw = payload
        dtype = np.dtype([tuple(item) for item in descr])
        return np.frombuffer(bytes(raw), dtype=dtype).copy()
    if kind[0] == "structs":
        return tuple(structure_from_plain(kind[1], item) for item in payload)
    return structure_from_plain(kind[1], payload)


def _plain_arg(value: Any) -> Any:
    """Client side: make an argument plain data (dates -> seconds, dicts -> pairs)."""
    if isinstance(value, datetime):
        return to_timestamp(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return tuple((str(k), _plain_arg(v)) for k, v in value.items())
    if isinstance(value, tuple | list):
        return tuple(_plain_arg(v) for v in value)
    return value


class Mt5RpycService(rpyc.Service):
    """A fixed RPyC service of the `Mt5Client` functions over one wrapped client.

    `serve` creates one service per connection (like one Python process per IPC link to a
    real terminal): each connection must call `initialize()` before anything else works,
    and its `shutdown()` closes only its own session — the wrapped terminal, and every
    other connection, keep running. All connections share one lock, so that a result and
    its `last_error` belong together.
    """

    def __init__(self, client: Mt5Client, lock: threading.RLock | None = None) -> None:
        super().__init__()
        self._client = client
        self._lock = lock or threading.RLock()
        self._session = False

    def _call(self, name: str, args: tuple, kwargs: dict[str, Any]) -> tuple[Any, tuple[int, str]]:
        failure = False if name in _BOOL_FUNCTIONS else None
        if not _is_plain(args) or not all(_is_plain(v) for v in kwargs.values()):
            return failure, _error(
                c.RES_E_INVALID_PARAMS, "arguments must be plain data (numbers, strings, tuples)"
            )
        if name in _REQUEST_FUNCTIONS and args and isinstance(args[0], tuple):
            try:
                args = (dict(args[0]), *args[1:])
            except (TypeError, ValueError):
                return failure, _error(c.RES_E_INVALID_PARAMS, "request must be (key, value) pairs")
        with self._lock:
            if name == "shutdown":
                self._session = False
                return None, _error(c.RES_S_OK)
            if name != "initialize" and not self._session:
                return failure, _error(c.RES_E_INTERNAL_FAIL_CONNECT)
            try:
                result = getattr(self._client, name)(*args, **kwargs)
                payload = encode_result(name, result)
            except Exception as exc:  # e.g. a wrong argument count: never raise to the client
                logger.debug("MT5 bridge call %s failed", name, exc_info=True)
                return failure, _error(c.RES_E_INVALID_PARAMS, f"{name}: {exc}")
            error = self._client.last_error()
            if name == "initialize":
                self._session = bool(result)
        return payload, (int(error[0]), str(error[1]))

    def _control(self, name: str, *args: Any) -> tuple[Any, tuple[int, str]]:
        """Run simulator control `name` for an initialised session; return (result, error)."""
        from nautilus_rl_lab.adapters.metatrader5.simulator import Mt5TerminalSimulator

        if not isinstance(self._client, Mt5TerminalSimulator):
            return None, _error(c.RES_E_NOT_FOUND, "only served simulators have sim controls")
        if not _is_plain(args):
            return None, _error(c.RES_E_INVALID_PARAMS, "arguments must be plain data")
        with self._lock:
            if not self._session:
                return None, _error(c.RES_E_INTERNAL_FAIL_CONNECT, "call initialize() first")
            try:
                control = getattr(self._client, name)  # a method, or the `time_msc` property
                return (control(*args) if callable(control) else control), _error(c.RES_S_OK)
            except Exception as exc:  # a bad count or fault name: report, never raise
                return None, _error(c.RES_E_INVALID_PARAMS, str(exc))

    def exposed_sim_advance(self, n_ticks: int = 1) -> tuple[Any, tuple[int, str]]:
        return self._control("advance", n_ticks)

    def exposed_sim_advance_bars(self, n: int = 1) -> tuple[Any, tuple[int, str]]:
        return self._control("advance_bars", n)

    def exposed_sim_inject(self, fault: str, count: int | None = 1) -> tuple[Any, tuple[int, str]]:
        return self._control("inject", fault, count)

    def exposed_sim_clear_faults(self, fault: str | None = None) -> tuple[Any, tuple[int, str]]:
        return self._control("clear_faults", fault)

    def exposed_sim_time_msc(self) -> tuple[Any, tuple[int, str]]:
        return self._control("time_msc")


def _make_exposed(name: str) -> Callable[..., Any]:
    def exposed(self: Mt5RpycService, *args: Any, **kwargs: Any) -> Any:
        return self._call(name, args, kwargs)

    exposed.__name__ = f"exposed_{name}"
    exposed.__doc__ = f"Call `{name}` on the served terminal; return (result, last_error)."
    return exposed


for _name in MT5_FUNCTIONS:
    setattr(Mt5RpycService, f"exposed_{_name}", _make_exposed(_name))


class _BridgeServer(ThreadedServer):
    """ThreadedServer whose connection threads end quietly when the server closes them."""

    def _handle_connection(self, conn: Any) -> None:
        try:
            conn.serve_all()
        except (ValueError, OSError, EOFError):  # socket closed under the poll by `close()`
            logger.debug("RPyC connection ended while closing", exc_info=True)


@dataclass
class ServerHandle:
    """A running `Mt5RpycService` (ThreadedServer on a daemon thread)."""

    server: ThreadedServer
    thread: threading.Thread
    host: str
    port: int
    client: Mt5Client
    _stopped: bool = field(default=False, repr=False)

    @property
    def alive(self) -> bool:
        return self.thread.is_alive() and not self._stopped

    def stop(self, timeout: float = 5.0) -> None:
        """Close the server and every connection; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self.server.close()
        self.thread.join(timeout)
        logger.info("MT5 RPyC bridge on %s:%d stopped", self.host, self.port)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_port(port: Any) -> int:
    """Return `port` if it is a TCP port (1..65535, or 0 for a free one), else `ConfigError`.

    rpyc would silently wrap a bigger number (70000 serves on 4464).
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ConfigError(f"`port` must be in 1..65535 (0: a free port), was {port!r}")
    return port


def serve(client: Mt5Client, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> ServerHandle:
    """Serve `client` over RPyC on `host:port` (0 = a free port) and return the handle."""
    check_port(port)
    if not _is_loopback(host):
        logger.warning(
            "MT5 RPyC bridge binds %s: anyone reaching this address can trade the account",
            host,
        )
    server = _BridgeServer(
        classpartial(Mt5RpycService, client, threading.RLock()),
        hostname=host,
        port=port,
        protocol_config=dict(_SERVER_CONFIG),
        auto_register=False,
        logger=logging.getLogger(f"{__name__}.server"),
    )
    # Listen before returning so that clients can connect at once (`start` skips it then).
    server._listen()
    thread = threading.Thread(target=server.start, name="mt5-rpyc-bridge", daemon=True)
    thread.start()
    actual_port = int(server.port)
    logger.info("MT5 RPyC bridge serving on %s:%d", host, actual_port)
    return ServerHandle(server=server, thread=thread, host=host, port=actual_port, client=client)


class _LinkDownError(Exception):
    pass


class RpycMt5Client:
    """`Mt5Client` over an RPyC connection to an `Mt5RpycService`."""

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        timeout_s: float = 10.0,
        backoff_s: float = 0.2,
        backoff_max_s: float = 5.0,
    ) -> None:
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self._backoff_initial = backoff_s
        self._backoff_max = backoff_max_s
        self._backoff = backoff_s
        self._next_attempt = 0.0
        self._conn: Any = None
        self._lock = threading.RLock()
        self._last_error: tuple[int, str] = (c.RES_S_OK, c.last_error_description(c.RES_S_OK))

    # --- connection ------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.closed

    def _connection(self) -> Any:
        if self.connected:
            return self._conn
        now = time.monotonic()
        if now < self._next_attempt:
            raise _LinkDownError(
                f"reconnect backoff, next attempt in {self._next_attempt - now:.2f}s"
            )
        try:
            self._conn = rpyc.connect(
                self.host,
                self.port,
                config={
                    "allow_pickle": False,
                    "allow_public_attrs": False,
                    "import_custom_exceptions": False,
                    "sync_request_timeout": self.timeout_s,
                },
            )
        except OSError as exc:
            self._next_attempt = time.monotonic() + self._backoff
            self._backoff = min(self._backoff * 2, self._backoff_max)
            raise _LinkDownError(str(exc)) from exc
        self._backoff = self._backoff_initial
        self._next_attempt = 0.0
        logger.info("Connected to the MT5 RPyC bridge at %s:%d", self.host, self.port)
        return self._conn

    def close(self) -> None:
        """Close the connection (the next call reconnects)."""
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # closing a broken link must not raise
                logger.debug("Error closing the RPyC connection", exc_info=True)

    def _remote(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call an exposed function, mapping link failures to `_LinkDownError`/timeouts."""
        conn = self._connection()
        try:
            return getattr(conn.root, name)(*args, **kwargs)
        except TimeoutError:
            raise
        except (EOFError, OSError) as exc:
            self._drop()
            raise _LinkDownError(f"connection lost: {exc or type(exc).__name__}") from exc

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        failure = False if name in _BOOL_FUNCTIONS else None
        plain_args = tuple(_plain_arg(a) for a in args)
        plain_kwargs = {k: _plain_arg(v) for k, v in kwargs.items()}
        with self._lock:
            try:
                payload, error = self._remote(f"exposed_{name}", *plain_args, **plain_kwargs)
            except _LinkDownError as exc:
                self._last_error = (
                    c.RES_E_INTERNAL_FAIL_CONNECT,
                    f"No IPC connection (RPyC bridge {self.host}:{self.port}: {exc})",
                )
                return failure
            except TimeoutError:
                self._drop()  # a late reply must not be read as the next call's answer
                self._last_error = (
                    c.RES_E_INTERNAL_FAIL_TIMEOUT,
                    f"Internal timeout (no reply from {self.host}:{self.port} within "
                    f"{self.timeout_s}s; the outcome is unknown)",
                )
                return failure
            self._last_error = (int(error[0]), str(error[1]))
            return decode_result(name, payload)

    # --- simulator controls (served simulator only) ----------------------------------
    def _sim(self, name: str, *args: Any) -> Any:
        """Call the served simulator's ``exposed_sim_<name>``; raise `Mt5Error` if it failed."""
        with self._lock:
            try:
                result, (code, description) = self._remote(f"exposed_sim_{name}", *args)
            except _LinkDownError as exc:
                raise Mt5Error(f"sim_{name}: {exc}", code=c.RES_E_INTERNAL_FAIL_CONNECT) from exc
        if code != c.RES_S_OK:
            raise Mt5Error(f"sim_{name} failed: {description}", code=code)
        return result

    def sim_advance(self, n_ticks: int = 1) -> int:
        return int(self._sim("advance", n_ticks))

    def sim_advance_bars(self, n: int = 1) -> int:
        return int(self._sim("advance_bars", n))

    def sim_inject(self, fault: str, count: int | None = 1) -> None:
        self._sim("inject", fault, count)

    def sim_clear_faults(self, fault: str | None = None) -> None:
        self._sim("clear_faults", fault)

    def sim_time_msc(self) -> int:
        return int(self._sim("time_msc"))

    # --- Mt5Client -------------------------------------------------------------------
    @staticmethod
    def _filters(**filters: Any) -> dict[str, Any]:
        """The keyword arguments that are not None (None ones are left out of the call)."""
        return {k: v for k, v in filters.items() if v is not None}

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
        kwargs = self._filters(login=login, password=password, server=server, timeout=timeout)
        if portable:
            kwargs["portable"] = True
        args = (path,) if path is not None else ()
        return self._call("initialize", *args, **kwargs)

    def login(
        self,
        login: int,
        *,
        password: str | None = None,
        server: str | None = None,
        timeout: int | None = None,
    ) -> bool:
        kwargs = self._filters(password=password, server=server, timeout=timeout)
        return self._call("login", login, **kwargs)

    def shutdown(self) -> None:
        self._call("shutdown")

    def version(self) -> tuple[int, int, str] | None:
        return self._call("version")

    def last_error(self) -> tuple[int, str]:
        with self._lock:
            return self._last_error

    def account_info(self) -> Any:
        return self._call("account_info")

    def terminal_info(self) -> Any:
        return self._call("terminal_info")

    def symbols_total(self) -> Any:
        return self._call("symbols_total")

    def symbols_get(self, group: str | None = None) -> Any:
        return (
            self._call("symbols_get", group=group)
            if group is not None
            else self._call("symbols_get")
        )

    def symbol_info(self, symbol: str) -> Any:
        return self._call("symbol_info", symbol)

    def symbol_info_tick(self, symbol: str) -> Any:
        return self._call("symbol_info_tick", symbol)

    def symbol_select(self, symbol: str, enable: bool = True) -> bool:
        return self._call("symbol_select", symbol, enable)

    def copy_rates_from(self, symbol: str, timeframe: int, date_from: Any, count: int) -> Any:
        return self._call("copy_rates_from", symbol, timeframe, date_from, count)

    def copy_rates_from_pos(self, symbol: str, timeframe: int, start_pos: int, count: int) -> Any:
        return self._call("copy_rates_from_pos", symbol, timeframe, start_pos, count)

    def copy_rates_range(self, symbol: str, timeframe: int, date_from: Any, date_to: Any) -> Any:
        return self._call("copy_rates_range", symbol, timeframe, date_from, date_to)

    def copy_ticks_from(self, symbol: str, date_from: Any, count: int, flags: int) -> Any:
        return self._call("copy_ticks_from", symbol, date_from, count, flags)

    def copy_ticks_range(self, symbol: str, date_from: Any, date_to: Any, flags: int) -> Any:
        return self._call("copy_ticks_range", symbol, date_from, date_to, flags)

    def order_calc_margin(self, action: int, symbol: str, volume: float, price: float) -> Any:
        return self._call("order_calc_margin", action, symbol, volume, price)

    def order_calc_profit(
        self,
        action: int,
        symbol: str,
        volume: float,
        price_open: float,
        price_close: float,
    ) -> Any:
        return self._call("order_calc_profit", action, symbol, volume, price_open, price_close)

    def order_check(self, request: Mapping[str, Any]) -> Any:
        return self._call("order_check", request)

    def order_send(self, request: Mapping[str, Any]) -> Any:
        return self._call("order_send", request)

    def orders_total(self) -> Any:
        return self._call("orders_total")

    def orders_get(
        self,
        symbol: str | None = None,
        group: str | None = None,
        ticket: int | None = None,
    ) -> Any:
        return self._call("orders_get", **self._filters(symbol=symbol, group=group, ticket=ticket))

    def positions_total(self) -> Any:
        return self._call("positions_total")

    def positions_get(
        self,
        symbol: str | None = None,
        group: str | None = None,
        ticket: int | None = None,
    ) -> Any:
        return self._call(
            "positions_get", **self._filters(symbol=symbol, group=group, ticket=ticket)
        )

    def history_orders_total(self, date_from: Any, date_to: Any) -> Any:
        return self._call("history_orders_total", date_from, date_to)

    def history_orders_get(
        self,
        date_from: Any = None,
        date_to: Any = None,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> Any:
        return self._history("history_orders_get", date_from, date_to, group, ticket, position)

    def history_deals_total(self, date_from: Any, date_to: Any) -> Any:
        return self._call("history_deals_total", date_from, date_to)

    def history_deals_get(
        self,
        date_from: Any = None,
        date_to: Any = None,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> Any:
        return self._history("history_deals_get", date_from, date_to, group, ticket, position)

    def _history(
        self,
        name: str,
        date_from: Any,
        date_to: Any,
        group: str | None,
        ticket: int | None,
        position: int | None,
    ) -> Any:
        args = () if date_from is None and date_to is None else (date_from, date_to)
        return self._call(
            name, *args, **self._filters(group=group, ticket=ticket, position=position)
        )


# --- command line ------------------------------------------------------------------------


def add_serve_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``mt5-sim serve`` options to `parser` (flags override `--config`)."""
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port (0: a free one)")
    parser.add_argument(
        "--backend",
        choices=("simulator", "native"),
        default="simulator",
        help="serve the simulator, or the MetaTrader5 package of this (Windows) machine",
    )
    parser.add_argument("--config", type=Path, help="JSON file of Mt5SimulatorConfig fields")
    parser.add_argument("--data", help="bars to replay: a CSV/Parquet file or 'sample'")
    parser.add_argument(
        "--speed", type=float, help="replay speed-up factor (0: clock stands still)"
    )
    parser.add_argument("--symbols", help="comma-separated symbols, e.g. EURUSD,USDJPY")
    parser.add_argument("--margin-mode", choices=("netting", "hedging"))
    parser.add_argument("--balance", type=float)
    parser.add_argument("--leverage", type=int)
    parser.add_argument("--spread-points", type=int)
    parser.add_argument("--warmup-bars", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--server-utc-offset", type=int, help="server clock offset in seconds")
    parser.add_argument("--shift-to-now", action="store_true", default=None)
    return parser


def simulator_config_from_args(args: argparse.Namespace) -> Mt5SimulatorConfig:
    """Build the `Mt5SimulatorConfig` from `--config` and the individual flags."""
    values: dict[str, Any] = {}
    if args.config is not None:
        values.update(json.loads(Path(args.config).read_text()))
    overrides = {
        "data_path": args.data,
        "replay_speed": args.speed,
        "symbols": tuple(s.strip() for s in args.symbols.split(",")) if args.symbols else None,
        "margin_mode": args.margin_mode,
        "balance": args.balance,
        "leverage": args.leverage,
        "spread_points": args.spread_points,
        "warmup_bars": args.warmup_bars,
        "seed": args.seed,
        "server_utc_offset_s": args.server_utc_offset,
        "shift_to_now": args.shift_to_now,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Mt5SimulatorConfig.parse(json.dumps(values))
    except Exception as exc:
        raise ConfigError(f"invalid simulator options: {exc}") from exc


def run_serve(
    args: argparse.Namespace,
    *,
    ready: Callable[[ServerHandle], None] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Serve until interrupted (Ctrl-C / SIGTERM, or `stop` set); return the exit code.

    `ready` is called with the running server's handle (e.g. to learn the port when
    ``--port 0``). Prints the address it listens on (this is the command's output).
    """
    check_port(args.port)
    if args.backend == "native":
        from nautilus_rl_lab.adapters.metatrader5.native import NativeMt5Client

        # `NativeMt5Client` sets the `Mt5Client` functions as attributes in its constructor.
        client = cast(Mt5Client, NativeMt5Client())
        simulator = None
    else:
        from nautilus_rl_lab.adapters.metatrader5.simulator import Mt5TerminalSimulator

        config = simulator_config_from_args(args)
        simulator = Mt5TerminalSimulator.from_config(config)
        client = simulator
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    handle = serve(client, args.host, args.port)
    print(f"MT5 {args.backend} serving on {handle.host}:{handle.port} (RPyC)", flush=True)
    try:
        if simulator is not None and simulator.config.replay_speed > 0:
            simulator.start_replay(simulator.config.replay_speed)
        if ready is not None:
            ready(handle)
        while not stop.wait(0.5):
            if not handle.alive:
                return 1
    except KeyboardInterrupt:
        pass
    finally:
        if simulator is not None:
            simulator.stop_replay()
        handle.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m nautilus_rl_lab.adapters.metatrader5.rpyc_bridge --port ...``."""
    parser = add_serve_arguments(
        argparse.ArgumentParser(
            prog="nautilus-rl-lab mt5-sim serve",
            description="Serve the MT5 terminal simulator (or a native terminal) over RPyC.",
        ),
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return run_serve(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
