"""Refuse to start worker processes from a script's unguarded top-level code.

`forkserver` and `spawn` workers (the default of `SharedMemoryVecEnv` and SB3's
`SubprocVecEnv`) import the main script again before they run; without an
`if __name__ == "__main__":` guard that re-runs the training code in every worker, which then
dies ("the worker process died") after a long wait. `check_main_guard` finds the script's line
that is starting the workers and, when no guard encloses it, raises a `ConfigError` saying what
to add, before any process starts. Notebooks, `python -c` and interactive sessions have no
script to re-import and pass.
"""

from __future__ import annotations

import ast
import inspect
import sys
from types import FrameType, ModuleType

from nautilus_rl_lab.errors import ConfigError

_GUARD = 'if __name__ == "__main__":'


def _is_main_test(test: ast.expr) -> bool:
    """Whether `test` is `__name__ == "__main__"` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    constants = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and constants == ["__main__"]


def _guarded_lines(source: str) -> list[tuple[int, int]]:
    """The line ranges of the bodies of `if __name__ == "__main__":` blocks in `source`."""
    return [
        (node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.If) and _is_main_test(node.test)
    ]


def _script_frame(main: ModuleType) -> FrameType | None:
    """The frame running `main`'s top-level code, if it is on the call stack."""
    frame = inspect.currentframe()
    while frame is not None:
        if frame.f_globals is vars(main) and frame.f_code.co_name == "<module>":
            return frame
        frame = frame.f_back
    return None


def unguarded_line(start_method: str) -> tuple[str, int] | None:
    """`(script, line)` of the main script's top-level code that is starting workers with
    `start_method` outside `if __name__ == "__main__":`; `None` when that is safe."""
    if start_method == "fork":  # forked workers do not re-import the script
        return None
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not path or not str(path).endswith(".py"):
        return None
    frame = _script_frame(main)
    if frame is None:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            guarded = _guarded_lines(handle.read())
    except (OSError, SyntaxError, ValueError):  # no readable source: nothing to point at
        return None
    line = frame.f_lineno
    if any(first <= line <= last for first, last in guarded):
        return None
    return str(path), line


def check_main_guard(what: str, start_method: str) -> None:
    """Raise `ConfigError` if `what` is about to start `start_method` workers from a script's
    unguarded top-level code (see the module docstring)."""
    found = unguarded_line(start_method)
    if found is None:
        return
    path, line = found
    raise ConfigError(
        f"{path}, line {line}: {what} starts worker processes ({start_method}), which import "
        f"this script again and would re-run its top-level code and die; put the code that "
        f"trains under `{_GUARD}` (indented below it), or use `vec_env: dummy` (one process)",
    )
