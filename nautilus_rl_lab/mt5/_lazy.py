"""Lazy package attributes: a package `__init__` names its public API without importing it."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(
    package: str,
    names: Mapping[str, str],
    fallback: Callable[[str], Any] | None = None,
) -> Callable[[str], Any]:
    """Return a module `__getattr__` importing ``names[name]`` (a module path) on first use.

    Other names go to `fallback` (which raises AttributeError for names it does not know).
    """

    def __getattr__(name: str) -> Any:
        if name in names:
            return getattr(importlib.import_module(names[name]), name)
        if fallback is not None and not name.startswith("__"):
            try:
                return fallback(name)
            except AttributeError:
                pass
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
