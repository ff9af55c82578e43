"""Fast mode: every budget shrunk to CI size, switchable in a running kernel.

`NRL_FAST` (`1`/`true`/`yes` or `0`/`false`/`no`, unset = off) is read at every call, never at
import, so `fast_mode(True)` in a notebook's first cell switches the library without
restarting JupyterLab. The setter writes the variable, so worker processes started later
(parallel seeds, env processes) see the same mode.
"""

from __future__ import annotations

import os

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.validation import check_instance

VARIABLE = "NRL_FAST"
ON = ("1", "true", "yes")
OFF = ("", "0", "false", "no")


def fast_mode(on: bool | None = None) -> bool:
    """Whether fast mode is on; `fast_mode(True)` / `fast_mode(False)` switches it first."""
    if on is not None:
        check_instance("on", on, bool, "True or False")
        os.environ[VARIABLE] = "1" if on else "0"
        return on
    value = os.environ.get(VARIABLE, "").strip().lower()
    if value not in ON + OFF:
        raise ConfigError(
            f"`{VARIABLE}` must be one of {', '.join(ON)} (on) or {', '.join(OFF[1:])} or unset "
            f"(off), was {os.environ[VARIABLE]!r}"
        )
    return value in ON
