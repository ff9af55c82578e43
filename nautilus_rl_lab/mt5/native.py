"""`NativeMt5Client`: the `MetaTrader5` package behind one lock (Windows, extra ``mt5``).

The package is process-global and its thread safety is undocumented, so every call goes
through one lock. Results are the package's own named tuples and numpy arrays, which have
the same fields as `structures` (the contract test documents them against the simulator).
The import happens in the constructor, so choosing another backend never needs the package.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from nautilus_rl_lab.errors import MissingExtraError
from nautilus_rl_lab.mt5.protocol import MT5_FUNCTIONS


def import_metatrader5() -> ModuleType:
    """Import the `MetaTrader5` package or raise `MissingExtraError` naming the extra."""
    try:
        return importlib.import_module("MetaTrader5")
    except ImportError as exc:
        raise MissingExtraError("MetaTrader5", "mt5") from exc


class NativeMt5Client:
    """Delegate every `Mt5Client` function to the `MetaTrader5` module under a lock."""

    def __init__(self, module: ModuleType | Any = None) -> None:
        """Wrap `module` (default: ``import MetaTrader5``); anything with the module's
        functions works, e.g. the simulator, which is how the tests exercise this path."""
        self._mt5 = module if module is not None else import_metatrader5()
        self._lock = threading.RLock()
        for name in MT5_FUNCTIONS:
            setattr(self, name, self._locked(getattr(self._mt5, name)))

    @property
    def module(self) -> ModuleType:
        """The wrapped `MetaTrader5` module (for its constants)."""
        return self._mt5

    def _locked(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return function(*args, **kwargs)

        return call
