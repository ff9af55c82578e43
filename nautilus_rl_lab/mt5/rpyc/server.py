"""RPyC bridge server: serve an `Mt5Client` (simulator or native terminal) to `RpycMt5Client`s.

`Mt5RpycService` exposes one named ``exposed_<function>`` per `MT5_FUNCTIONS` entry and
nothing else — no classic mode, no code evaluation, no attribute access. It binds
127.0.0.1 by default. Sessions are per connection, as the module's are per process: a
(re)connected client calls `initialize()` first; its `shutdown()` leaves the terminal
running for the other clients. Arguments and results travel as plain data (`codec`); a
netref argument, a wrong argument (a trade request the module would refuse:
`trade_request.check_request`) or a failing backend becomes ``(None, (code,
description))`` — no exposed call ever raises a Python exception to the client. A
simulator behind the service also gets a few ``exposed_sim_*`` controls (advance the
clock, inject faults) for initialised sessions.

`serve(client, host, port)` returns a `ServerHandle` (ThreadedServer on a thread;
``port=0`` picks a free port). Client and server must use the same rpyc major version.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import rpyc
from rpyc.utils.helpers import classpartial
from rpyc.utils.server import ThreadedServer

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.protocol import MT5_FUNCTIONS, Mt5Client
from nautilus_rl_lab.mt5.rpyc.codec import (
    BOOL_FUNCTIONS,
    DEFAULT_HOST,
    DEFAULT_PORT,
    REQUEST_FUNCTIONS,
    encode_result,
    error_pair,
    is_plain,
)
from nautilus_rl_lab.mt5.trade_request import InvalidRequestError, check_request

logger = logging.getLogger(__name__)

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


#: The simulator methods behind the ``exposed_sim_*`` controls.
_SIM_CONTROLS = frozenset({"advance", "advance_bars", "inject", "clear_faults", "time_msc"})


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
        failure = False if name in BOOL_FUNCTIONS else None
        if not is_plain(args) or not all(is_plain(v) for v in kwargs.values()):
            return failure, error_pair(
                mt5c.RES_E_INVALID_PARAMS, "arguments must be plain data (numbers, strings, tuples)"
            )
        if name in REQUEST_FUNCTIONS and args and isinstance(args[0], tuple):
            try:
                args = (dict(args[0]), *args[1:])
            except (TypeError, ValueError):
                return failure, error_pair(
                    mt5c.RES_E_INVALID_PARAMS, "request must be (key, value) pairs"
                )
        if name in REQUEST_FUNCTIONS and args:
            try:  # refused here as the module would, whatever the backend
                check_request(args[0])
            except InvalidRequestError as exc:
                return failure, (mt5c.RES_E_INVALID_PARAMS, str(exc))
        with self._lock:
            if name == "shutdown":
                self._session = False
                return None, error_pair(mt5c.RES_S_OK)
            if name != "initialize" and not self._session:
                return failure, error_pair(mt5c.RES_E_INTERNAL_FAIL_CONNECT)
            try:
                result = getattr(self._client, name)(*args, **kwargs)
                payload = encode_result(name, result)
            except Exception as exc:  # e.g. a wrong argument count: never raise to the client
                logger.debug("MT5 bridge call %s failed", name, exc_info=True)
                return failure, error_pair(mt5c.RES_E_INVALID_PARAMS, f"{name}: {exc}")
            error = self._client.last_error()
            if name == "initialize":
                self._session = bool(result)
        return payload, (int(error[0]), str(error[1]))

    def _control(self, name: str, *args: Any) -> tuple[Any, tuple[int, str]]:
        """Run simulator control `name` for an initialised session; return (result, error).

        The served client has the control if it is a simulator (checked by name, so that this
        backend does not import the simulator backend).
        """
        if not set(dir(type(self._client))) >= _SIM_CONTROLS:
            return None, error_pair(
                mt5c.RES_E_NOT_FOUND, "only served simulators have sim controls"
            )
        if not is_plain(args):
            return None, error_pair(mt5c.RES_E_INVALID_PARAMS, "arguments must be plain data")
        with self._lock:
            if not self._session:
                return None, error_pair(mt5c.RES_E_INTERNAL_FAIL_CONNECT, "call initialize() first")
            try:
                control = getattr(self._client, name)  # a method, or the `time_msc` property
                return (control(*args) if callable(control) else control), error_pair(mt5c.RES_S_OK)
            except Exception as exc:  # a bad count or fault name: report, never raise
                return None, error_pair(mt5c.RES_E_INVALID_PARAMS, str(exc))

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
