"""Drop-in `MetaTrader5` modules: the module's functions over a default client, and its constants.

A script written for ``import MetaTrader5 as mt5`` runs unchanged against the simulator by
changing only that import — ``from nautilus_rl_lab.mt5 import simulator as mt5`` (an
in-process `Mt5TerminalSimulator`) or ``from nautilus_rl_lab.mt5 import rpyc as mt5`` (an
`RpycMt5Client` to a bridge). Those packages resolve every `MT5_FUNCTIONS` name to the
bound method of their default client (built on first use; `use(client)` replaces it) and
every integer constant to `constants`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.protocol import MT5_FUNCTIONS, Mt5Client

#: Every integer constant of `constants` (the real module's exports and a few documented extras).
CONSTANTS: dict[str, int] = {
    name: value
    for name, value in vars(mt5c).items()
    if name.isupper() and isinstance(value, int) and not isinstance(value, bool)
}


class DropIn:
    """The module-level functions and constants of a drop-in `MetaTrader5` module."""

    def __init__(self, factory: Callable[[], Mt5Client]) -> None:
        self._factory = factory
        self._client: Mt5Client | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Mt5Client:
        """The client the module functions call (built by the factory on first use)."""
        with self._lock:
            if self._client is None:
                self._client = self._factory()
            return self._client

    def use(self, client: Mt5Client) -> None:
        """Make the module functions call `client` from now on."""
        with self._lock:
            self._client = client

    def attribute(self, name: str) -> Any:
        """An MT5 function bound to the client or a constant; AttributeError for other names."""
        if name in MT5_FUNCTIONS:
            return getattr(self.client, name)
        if name in CONSTANTS:
            return CONSTANTS[name]
        raise AttributeError(name)
