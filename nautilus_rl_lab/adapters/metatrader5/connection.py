"""The shared, serialised terminal connection of the MT5 adapter.

The `MetaTrader5` module is process-global and its thread safety is undocumented, so
every call to one terminal goes through ONE worker thread (`Mt5Connection`): the event
loop never blocks on the terminal, and calls never interleave. Clients whose
`Mt5BackendConfig`s are equal share one `Mt5Connection` (reference counted by
`acquire_connection` / `release_connection`); the last release shuts the terminal link.

Failures follow the module's convention: a call that fails returns None (or False) and
`Mt5Connection.call_ex` returns the `last_error()` read in the same worker job. A link
failure — an IPC `last_error` code (-10000…-10005) or a transport exception of the RPyC
bridge — raises `Mt5ConnectionLost`; `Mt5Connection.reconnect` then re-initialises the
terminal with doubling pauses.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from nautilus_rl_lab.errors import Mt5Error
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.backends import Mt5BackendConfig, create_client, initialize_from_config
from nautilus_rl_lab.mt5.protocol import Mt5Client, RemoteMt5Client

logger = logging.getLogger(__name__)

__all__ = [
    "Mt5Connection",
    "Mt5ConnectionLost",
    "acquire_connection",
    "release_connection",
]

_PROGRAMMING_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, NameError)


class Mt5ConnectionLost(Mt5Error):
    """Raised when the link to the terminal is down (IPC error or transport failure)."""


class Mt5Connection:
    """One terminal (one `Mt5Client`) behind a single worker thread.

    Parameters
    ----------
    config : Mt5BackendConfig
        Which backend to build (`backends.create_client`) and how to initialise it.
    client : Mt5Client, optional
        An already built client to use instead (tests, notebooks).
    """

    def __init__(self, config: Mt5BackendConfig, client: Mt5Client | None = None) -> None:
        self.config = config
        self._client: Mt5Client | None = client
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mt5-terminal")
        self._initialized = False
        self._refs = 0
        self._reconnect_lock: asyncio.Lock | None = None
        self._reconnect_loop: asyncio.AbstractEventLoop | None = None
        self.reconnect_count = 0

    # -- calls ---------------------------------------------------------------------------

    @property
    def is_initialized(self) -> bool:
        """Whether `initialize()` succeeded and no link failure was seen since."""
        return self._initialized

    def _run(self, name: str, args: tuple, kwargs: dict) -> tuple[Any, tuple[int, str] | None]:
        client = self._client_or_create()
        try:
            value = getattr(client, name)(*args, **kwargs)
        except _PROGRAMMING_ERRORS:
            raise
        except Exception as e:  # transport failure (RPyC EOF, socket, timeout)
            self._initialized = False
            raise Mt5ConnectionLost(f"MT5 `{name}` failed: {type(e).__name__}: {e}") from e
        error = None
        if value is None or value is False:
            try:
                code, description = client.last_error()
            except _PROGRAMMING_ERRORS:
                raise
            except Exception as e:
                self._initialized = False
                raise Mt5ConnectionLost(f"MT5 `last_error` failed after `{name}`: {e}") from e
            error = (int(code), str(description))
            if mt5c.is_connection_error(code):
                self._initialized = False
                raise Mt5ConnectionLost(f"MT5 `{name}` failed: {description}", code=code)
        return value, error

    def _client_or_create(self) -> Mt5Client:
        if self._client is None:
            self._client = create_client(self.config)
        return self._client

    def call_ex_sync(
        self, name: str, *args: Any, **kwargs: Any
    ) -> tuple[Any, tuple[int, str] | None]:
        """Call `name` on the worker thread and wait; return ``(value, last_error or None)``."""
        future = self._executor.submit(self._run, name, args, kwargs)
        return future.result(timeout=self.config.timeout_s * 3)

    def call_sync(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call `name` on the worker thread and wait for its value (blocking)."""
        return self.call_ex_sync(name, *args, **kwargs)[0]

    async def call_ex(
        self, name: str, *args: Any, **kwargs: Any
    ) -> tuple[Any, tuple[int, str] | None]:
        """Call `name` on the worker thread; return ``(value, last_error or None)``."""
        loop = asyncio.get_running_loop()
        job = functools.partial(self._run, name, args, kwargs)
        return await loop.run_in_executor(self._executor, job)

    async def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call `name` on the worker thread; return its value (None/False on MT5 failure)."""
        return (await self.call_ex(name, *args, **kwargs))[0]

    # -- session -------------------------------------------------------------------------

    def _initialize(self) -> tuple[bool, tuple[int, str] | None]:
        client = self._client_or_create()
        try:
            ok = bool(initialize_from_config(client, self.config))
            error = None if ok else tuple(client.last_error())
        except _PROGRAMMING_ERRORS:
            raise
        except Exception as e:
            ok, error = False, (mt5c.RES_E_INTERNAL_FAIL_CONNECT, f"{type(e).__name__}: {e}")
        if ok and client.account_info() is None:
            ok, error = False, tuple(client.last_error())
        self._initialized = ok
        return ok, error  # type: ignore[return-value]

    def connect_sync(self) -> None:
        """Initialise the terminal now (blocking); raise `Mt5Error` saying why it failed."""
        if self._initialized:
            return
        ok, error = self._executor.submit(self._initialize).result(
            timeout=self.config.timeout_s * 3
        )
        if not ok:
            self._raise_init_error(error)

    async def connect(self) -> None:
        """Initialise the terminal if needed; raise `Mt5Error` saying why it failed."""
        if self._initialized:
            return
        loop = asyncio.get_running_loop()
        ok, error = await loop.run_in_executor(self._executor, self._initialize)
        if not ok:
            self._raise_init_error(error)

    def _raise_init_error(self, error: tuple[int, str] | None) -> None:
        code, description = error or (mt5c.RES_E_FAIL, "unknown")
        raise Mt5Error(
            f"cannot initialise the MT5 terminal ({self.config.backend} backend): "
            f"{description}; check the terminal is running and the backend config",
            code=code,
        )

    async def reconnect(
        self,
        backoff_s: float = 0.1,
        backoff_max_s: float = 5.0,
        max_attempts: int = 50,
        log: Any = None,
    ) -> bool:
        """Re-initialise the terminal with doubling pauses; return whether it is back.

        Concurrent callers (data and execution clients) share one reconnect attempt.
        """
        loop = asyncio.get_running_loop()
        if self._reconnect_lock is None or self._reconnect_loop is not loop:
            self._reconnect_lock = asyncio.Lock()
            self._reconnect_loop = loop
        async with self._reconnect_lock:
            if self._initialized:
                return True
            pause = backoff_s
            for attempt in range(1, max_attempts + 1):
                ok, error = await loop.run_in_executor(self._executor, self._initialize)
                if ok:
                    self.reconnect_count += 1
                    if log is not None:
                        log.info(f"Reconnected to the MT5 terminal (attempt {attempt})")
                    return True
                if log is not None:
                    log.warning(
                        f"MT5 reconnect attempt {attempt}/{max_attempts} failed: {error}; "
                        f"retrying in {pause:.2f}s",
                    )
                await asyncio.sleep(pause)
                pause = min(max(pause * 2, 0.01), backoff_max_s)
            return False

    def shutdown(self) -> None:
        """Close the terminal link and stop the worker thread."""
        client = self._client
        if client is not None:
            try:
                self._executor.submit(client.shutdown).result(timeout=self.config.timeout_s)
                if isinstance(client, RemoteMt5Client):
                    client.close()  # drop the socket too; the bridge keeps serving others
            except Exception as e:
                logger.debug("MT5 shutdown failed: %s", e)
        self._initialized = False
        self._executor.shutdown(wait=False, cancel_futures=True)


_LOCK = threading.Lock()
_CONNECTIONS: dict[bytes, Mt5Connection] = {}


def acquire_connection(config: Mt5BackendConfig, client: Mt5Client | None = None) -> Mt5Connection:
    """Return the shared connection for `config` (created on first use) and count a user.

    `client` injects an already built `Mt5Client` for a config not yet connected.
    """
    key = config.json()
    with _LOCK:
        connection = _CONNECTIONS.get(key)
        if connection is None:
            connection = Mt5Connection(config, client=client)
            _CONNECTIONS[key] = connection
        elif client is not None and connection._client is not client:
            raise Mt5Error(
                "a connection for this backend config is already open with another client; "
                "release it (`release_connection`) or use a different config",
            )
        connection._refs += 1
        return connection


def release_connection(connection: Mt5Connection) -> None:
    """Drop one user of `connection`; the last one shuts the terminal link down."""
    with _LOCK:
        connection._refs -= 1
        if connection._refs > 0:
            return
        key = connection.config.json()
        if _CONNECTIONS.get(key) is connection:
            del _CONNECTIONS[key]
    connection.shutdown()
