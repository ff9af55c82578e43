"""The RPyC bridge: `codec` (plain data on the wire), `server` (`serve`), `client` (`RpycMt5Client`).

Classic-mode RPyC evaluates code strings on the terminal host; this bridge exposes a fixed
service of named functions only, binds 127.0.0.1 by default and returns plain data.
Names are imported on first use.

Drop-in module: ``from nautilus_rl_lab.mt5 import rpyc as mt5`` gives the `MetaTrader5`
module's functions over a default `RpycMt5Client` — to ``NRL_MT5_RPYC_HOST`` :
``NRL_MT5_RPYC_PORT`` (environment; 127.0.0.1:18812 by default), built on first use;
`use(client)` replaces it — its constants and helpers, as `dropin` describes.
"""

from __future__ import annotations

import importlib
import os
from typing import cast

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5._lazy import lazy_getattr
from nautilus_rl_lab.mt5.dropin import MODULE_AUTHOR, MODULE_VERSION, DropIn
from nautilus_rl_lab.mt5.protocol import Mt5Client
from nautilus_rl_lab.mt5.rpyc.codec import DEFAULT_HOST, DEFAULT_PORT

_LAZY = {
    "Mt5RpycService": "nautilus_rl_lab.mt5.rpyc.server",
    "ServerHandle": "nautilus_rl_lab.mt5.rpyc.server",
    "serve": "nautilus_rl_lab.mt5.rpyc.server",
    "RpycMt5Client": "nautilus_rl_lab.mt5.rpyc.client",
}


def _default_client() -> Mt5Client:
    client = importlib.import_module("nautilus_rl_lab.mt5.rpyc.client")
    host = os.environ.get("NRL_MT5_RPYC_HOST", DEFAULT_HOST)
    port = os.environ.get("NRL_MT5_RPYC_PORT", str(DEFAULT_PORT))
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"`NRL_MT5_RPYC_PORT` must be a TCP port in 1..65535, was {port!r}")
    return cast(Mt5Client, client.RpycMt5Client(host, int(port)))


__version__ = MODULE_VERSION
__author__ = MODULE_AUTHOR
_DROP_IN = DropIn(_default_client)


def use(client: Mt5Client) -> None:
    """Make the module-level MT5 functions call `client`."""
    _DROP_IN.use(client)


__all__ = sorted([*_LAZY, "use"])
__getattr__ = lazy_getattr(__name__, _LAZY, fallback=_DROP_IN.attribute)
