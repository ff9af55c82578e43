"""`RpycMt5Client`: the `Mt5Client` protocol over an RPyC connection to an `Mt5RpycService`.

Every protocol function except `last_error` is a pass-through generated from the
protocol's signature (`_pass_through`), as the server's ``exposed_*`` functions are: the
arguments given are sent as plain data (`codec`) — positionally up to the first one left
out, by keyword after it; None filters are left out — and the named tuples and numpy
arrays are rebuilt from the reply. The server's `last_error` is kept locally.

When the link fails (server down, connection lost) a call returns None/False with
``last_error() == (-10004, "No IPC connection ...")``; a sync timeout returns None with
``-10005`` — for `order_send` the outcome is then unknown: reconcile (`orders_get`,
`positions_get`, `history_deals_get`), never resend blindly. The next call reconnects, at
most once per backoff interval (doubling from `backoff_s` to `backoff_max_s`). The
``sim_*`` controls of a served simulator raise `Mt5Error` when they fail.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import rpyc

from nautilus_rl_lab.errors import Mt5Error
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.protocol import MT5_FUNCTIONS, Mt5Client
from nautilus_rl_lab.mt5.rpyc.codec import (
    BOOL_FUNCTIONS,
    DEFAULT_HOST,
    DEFAULT_PORT,
    decode_result,
    plain_arg,
)

logger = logging.getLogger(__name__)


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
        self._last_error: tuple[int, str] = (
            mt5c.RES_S_OK,
            mt5c.last_error_description(mt5c.RES_S_OK),
        )

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
        failure = False if name in BOOL_FUNCTIONS else None
        plain_args = tuple(plain_arg(a) for a in args)
        plain_kwargs = {k: plain_arg(v) for k, v in kwargs.items()}
        with self._lock:
            try:
                payload, error = self._remote(f"exposed_{name}", *plain_args, **plain_kwargs)
            except _LinkDownError as exc:
                self._last_error = (
                    mt5c.RES_E_INTERNAL_FAIL_CONNECT,
                    f"No IPC connection (RPyC bridge {self.host}:{self.port}: {exc})",
                )
                return failure
            except TimeoutError:
                self._drop()  # a late reply must not be read as the next call's answer
                self._last_error = (
                    mt5c.RES_E_INTERNAL_FAIL_TIMEOUT,
                    f"IPC timeout (no reply from {self.host}:{self.port} within "
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
                raise Mt5Error(f"sim_{name}: {exc}", code=mt5c.RES_E_INTERNAL_FAIL_CONNECT) from exc
        if code != mt5c.RES_S_OK:
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

    def last_error(self) -> tuple[int, str]:
        with self._lock:
            return self._last_error


def _pass_through(name: str) -> Callable[..., Any]:
    """The `RpycMt5Client` method calling `name` remotely with the protocol's signature."""
    protocol_method = getattr(Mt5Client, name)
    signature = inspect.signature(protocol_method)
    parameters = list(signature.parameters.values())[1:]  # without `self`

    @functools.wraps(protocol_method)
    def method(self: RpycMt5Client, *args: Any, **kwargs: Any) -> Any:
        given = signature.bind(self, *args, **kwargs).arguments
        positional: list[Any] = []
        keywords: dict[str, Any] = {}
        by_keyword = False
        for parameter in parameters:
            value = given.get(parameter.name, parameter.default)
            if parameter.name not in given or (value is None and parameter.default is None):
                by_keyword = True  # left out: the server's default applies
                continue
            if by_keyword or parameter.kind is parameter.KEYWORD_ONLY:
                keywords[parameter.name] = value
            else:
                positional.append(value)
        return self._call(name, *positional, **keywords)

    return method


for _name in MT5_FUNCTIONS:
    if _name != "last_error":
        setattr(RpycMt5Client, _name, _pass_through(_name))
