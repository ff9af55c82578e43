"""The kill switch's persistent flag: request a halt or resume a run, from any process or thread.

The flag is the `halt` row of the run store's `state` table (`{reason, source, ts_ns}`); the
running `MonitorActor` polls it every tick and applies it on the node's thread, and reads it
at start, so a halted run stays halted across restarts until `resume` deletes it.
"""

from __future__ import annotations

import os
import time
from typing import Any

from nautilus_rl_lab.monitoring.store import HALT_KEY, RunStore, get_state, set_state

__all__ = ["HALT_KEY", "halt_reason", "request_halt", "resume"]


def request_halt(
    run_dir: str | os.PathLike[str], reason: str, source: str = "python"
) -> dict[str, Any]:
    """Set the halt flag of `run_dir` (kept if already set) and return it."""
    existing = get_state(run_dir, HALT_KEY)
    if existing is not None:
        return existing
    RunStore(run_dir).close()  # creates the store if the run never started
    flag = {"reason": reason, "source": source, "ts_ns": time.time_ns()}
    set_state(run_dir, HALT_KEY, flag)
    return flag


def resume(run_dir: str | os.PathLike[str]) -> None:
    """Clear the halt flag: a running monitor sets trading ACTIVE; a restart starts trading."""
    set_state(run_dir, HALT_KEY, None)


def halt_reason(run_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The halt flag of `run_dir` (`None` when trading may run)."""
    return get_state(run_dir, HALT_KEY)
