"""Aliases for names that moved: the old import path keeps working and warns where it is used.

An alias module sets `__getattr__ = moved(__name__, "new.module")`; each name read from it
(`from old import name` included) is looked up in the new module and raises a
`DeprecationWarning` naming the new home. The new module is imported only then, so an alias
adds no import edge: the import-cycle check (`tests/test_imports.py`) lists the aliases.

Every deprecation of the library warns with `LabDeprecationWarning` (a `DeprecationWarning`),
so the test suite can turn exactly these into errors (pyproject's `filterwarnings`): nothing
in the library or its tests uses a deprecated form except the tests that check it warns.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from typing import Any


class LabDeprecationWarning(DeprecationWarning):
    """Warned when a moved name or a deprecated config form of this library is used."""


def moved(old: str, new: str) -> Callable[[str], Any]:
    """A module `__getattr__` for `old`, whose names now live in `new`."""

    def __getattr__(name: str) -> Any:
        target = importlib.import_module(new)
        if name.startswith("__") or not hasattr(target, name):
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        warnings.warn(
            f"{old}.{name} moved to {new}.{name}; import it from there",
            LabDeprecationWarning,
            stacklevel=2,
        )
        return getattr(target, name)

    return __getattr__
