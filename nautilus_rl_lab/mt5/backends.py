"""Backend selection: `Mt5BackendConfig`, `create_client`, `register_backend`.

`Mt5BackendConfig.backend` is one of:

- ``"simulator"`` (default): the project's in-process `Mt5TerminalSimulator`, built from
  `Mt5BackendConfig.simulator` (or `Mt5SimulatorConfig()` defaults);
- ``"rpyc"``: `RpycMt5Client` talking to an `Mt5RpycService` at `host:port` (a simulator
  served by ``nautilus-rl-lab mt5-sim serve`` or a native terminal on Windows/Wine);
- ``"native"``: the `MetaTrader5` package itself (Windows only, extra ``mt5``).

`register_backend(name, factory)` adds a backend (e.g. a recording client in tests). The
backend modules are imported only when their backend is built, so choosing the simulator
never imports RPyC or the `MetaTrader5` package. `login`/`password`/`server`/`path`/
`timeout_s` are passed to `initialize()` by `initialize_from_config`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from nautilus_rl_lab.config import LabConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5.protocol import Mt5Client
from nautilus_rl_lab.mt5.rpyc.codec import DEFAULT_HOST, DEFAULT_PORT
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig
from nautilus_rl_lab.validation import check_choice, check_positive

logger = logging.getLogger(__name__)

#: Backend names a config accepts; `register_backend` adds to it.
BACKENDS: list[str] = ["simulator", "rpyc", "native"]


class Mt5BackendConfig(LabConfig, frozen=True, forbid_unknown_fields=True):
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
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    timeout_s: float = 10.0
    login: int | None = None
    password: str | None = None
    server: str | None = None
    path: str | None = None
    reconnect_backoff_s: float = 0.2
    reconnect_backoff_max_s: float = 5.0
    simulator: Mt5SimulatorConfig | None = None

    def __post_init__(self) -> None:
        check_choice("backend", self.backend, BACKENDS, note=" (`register_backend` adds names)")
        if not 0 < self.port < 65536:
            raise ConfigError(f"`port` must be in 1..65535, was {self.port}")
        check_positive("timeout_s", self.timeout_s)
        if self.reconnect_backoff_s < 0 or self.reconnect_backoff_max_s < self.reconnect_backoff_s:
            raise ConfigError(
                "`reconnect_backoff_s` must be >= 0 and <= `reconnect_backoff_max_s`, were "
                f"{self.reconnect_backoff_s} and {self.reconnect_backoff_max_s}",
            )

    def __repr__(self) -> str:
        """The fields, with the password masked: a repr ends up in logs and tracebacks."""
        fields = {name: getattr(self, name) for name in self.__struct_fields__}
        if fields["password"] is not None:
            fields["password"] = "***"
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in fields.items())})"


def initialize_from_config(client: Mt5Client, config: Mt5BackendConfig) -> bool:
    """Call `client.initialize` with the config's path and credentials (None ones omitted)."""
    kwargs: dict[str, Any] = {}
    if config.login is not None:
        kwargs["login"] = config.login
    if config.password is not None:
        kwargs["password"] = config.password
    if config.server is not None:
        kwargs["server"] = config.server
    kwargs["timeout"] = int(config.timeout_s * 1000)
    if config.path is not None:
        return client.initialize(config.path, **kwargs)
    return client.initialize(**kwargs)


BackendFactory = Callable[[Mt5BackendConfig], Mt5Client]
_BACKENDS: dict[str, BackendFactory] = {}


def register_backend(name: str, factory: BackendFactory) -> None:
    """Register (or replace) the factory building backend `name` from a config."""
    _BACKENDS[name] = factory
    if name not in BACKENDS:
        BACKENDS.append(name)


def available_backends() -> tuple[str, ...]:
    """Return the registered backend names."""
    return tuple(_BACKENDS)


def create_client(config: Mt5BackendConfig | None = None) -> Mt5Client:
    """Build the `Mt5Client` chosen by `config.backend` (not yet initialised).

    Call `initialize_from_config(client, config)` (or `client.initialize(...)`) next.
    """
    config = config or Mt5BackendConfig()
    try:
        factory = _BACKENDS[config.backend]
    except KeyError:
        raise ConfigError(
            f"`backend` {config.backend!r} is not registered; choose one of "
            f"{available_backends()} or call `register_backend` first",
        ) from None
    logger.debug("Creating MT5 client with backend %r", config.backend)
    return factory(config)


def _create_simulator(config: Mt5BackendConfig) -> Mt5Client:
    from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator

    return Mt5TerminalSimulator.from_config(config.simulator)


def _create_rpyc(config: Mt5BackendConfig) -> Mt5Client:
    from nautilus_rl_lab.mt5.rpyc.client import RpycMt5Client

    client = RpycMt5Client(
        host=config.host,
        port=config.port,
        timeout_s=config.timeout_s,
        backoff_s=config.reconnect_backoff_s,
        backoff_max_s=config.reconnect_backoff_max_s,
    )
    # The pass-through methods are generated from the protocol (see `rpyc.client`).
    return cast(Mt5Client, client)


def _create_native(config: Mt5BackendConfig) -> Mt5Client:
    from nautilus_rl_lab.mt5.native import NativeMt5Client

    # `NativeMt5Client` sets the `Mt5Client` functions as attributes in its constructor.
    return cast(Mt5Client, NativeMt5Client())


register_backend("simulator", _create_simulator)
register_backend("rpyc", _create_rpyc)
register_backend("native", _create_native)
