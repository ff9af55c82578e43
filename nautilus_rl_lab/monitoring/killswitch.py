"""The kill switch: request a halt or resume a run, from any process or thread, and its acknowledgement.

The flag is a small file next to the store, `halt.json` (`{reason, source, ts_ns}`), written
atomically; the running `MonitorActor` polls it off the event loop every tick and applies it
on the node's thread, and reads it at start, so a halted run stays halted across restarts
until `resume` deletes it. It does not depend on the store: a deleted or locked `run.sqlite`
cannot hide it. The flag is mirrored into the store's `state` table when the store can be
written (a record for readers of the store; an older run's store row is still honoured).

The node acknowledges through `node.json`, which the monitor rewrites every tick: its pid,
session, heartbeat time, trading state (`trading_switch`) and the halt flag it is applying.
`wait_for_ack` waits until that file names the requested flag. A directory with neither a
store nor a `node.json` holds no session and is refused, so a typo never creates one.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.files import atomic_write_text
from nautilus_rl_lab.monitoring.store import HALT_KEY, STORE_FILE, get_state, set_state, store_path

__all__ = [
    "HALT_FILE",
    "HALT_KEY",
    "NODE_FILE",
    "halt_reason",
    "node_state",
    "persist_halt",
    "read_halt_file",
    "request_halt",
    "resume",
    "wait_for_ack",
    "write_halt_file",
    "write_node_state",
]

HALT_FILE = "halt.json"
NODE_FILE = "node.json"


def _require_session(run_dir: str | os.PathLike[str]) -> Path:
    """`run_dir` if it holds a session (a store or a node's `node.json`), else a `ConfigError`."""
    path = Path(run_dir)
    if not (store_path(path).is_file() or (path / NODE_FILE).is_file()):
        raise ConfigError(
            f"`run_dir` {str(run_dir)!r} holds no live session (no {STORE_FILE} or {NODE_FILE}): "
            "pass the run_dir of the session's config",
        )
    return path


def read_halt_file(run_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The flag in `halt.json` (`None` if there is none)."""
    try:
        text = (Path(run_dir) / HALT_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return dict(json.loads(text))


def write_halt_file(run_dir: str | os.PathLike[str], flag: dict[str, Any]) -> None:
    """Write `halt.json` atomically."""
    atomic_write_text(Path(run_dir) / HALT_FILE, json.dumps(flag))


def _mirror(run_dir: Path, value: dict[str, Any] | None, timeout_s: float = 1.0) -> None:
    """Copy the flag into the store's `state` table if the store can take it now."""
    if not store_path(run_dir).is_file():
        return
    try:
        set_state(run_dir, HALT_KEY, value, timeout_s=timeout_s)
    except sqlite3.OperationalError as e:  # locked or unwritable: the file is the flag
        if value is None:
            raise ConfigError(
                f"the run store {store_path(run_dir)} still holds the halt flag and cannot be "
                f"written ({e}): retry `resume` when it is free",
            ) from e


def request_halt(
    run_dir: str | os.PathLike[str], reason: str, source: str = "python"
) -> dict[str, Any]:
    """Set the halt flag of the session in `run_dir` (kept if already set) and return it."""
    path = _require_session(run_dir)
    existing = halt_reason(path)
    if existing is not None:
        return existing
    flag = {"reason": reason, "source": source, "ts_ns": time.time_ns()}
    persist_halt(path, flag)
    return flag


def persist_halt(
    run_dir: str | os.PathLike[str], flag: dict[str, Any], timeout_s: float = 1.0
) -> None:
    """Write `halt.json`, then mirror the flag into the store if it can take it now."""
    write_halt_file(run_dir, flag)
    _mirror(Path(run_dir), flag, timeout_s)


def resume(run_dir: str | os.PathLike[str]) -> None:
    """Clear the halt flag: a running monitor sets trading ACTIVE; a restart starts trading."""
    path = _require_session(run_dir)
    _mirror(path, None)
    with contextlib.suppress(FileNotFoundError):
        (path / HALT_FILE).unlink()


def halt_reason(run_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The halt flag of `run_dir` (`None` when trading may run)."""
    return read_halt_file(run_dir) or get_state(run_dir, HALT_KEY)


def write_node_state(run_dir: str | os.PathLike[str], state: dict[str, Any]) -> None:
    """The node's side: rewrite `node.json` (pid, session, heartbeat, trading state, halt)."""
    atomic_write_text(Path(run_dir) / NODE_FILE, json.dumps(state))


def node_state(run_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """What the node last wrote to `node.json` (`None` before any node ran there)."""
    try:
        return dict(json.loads((Path(run_dir) / NODE_FILE).read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None


def wait_for_ack(
    run_dir: str | os.PathLike[str], flag: dict[str, Any], timeout_s: float
) -> dict[str, Any] | None:
    """Wait until the node reports it applies `flag`; its `node.json` state, or `None`."""
    deadline = time.monotonic() + timeout_s
    while True:
        state = node_state(run_dir)
        halt = state.get("halt") if state else None
        if state is not None and halt is not None and halt.get("ts_ns") == flag["ts_ns"]:
            return state
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.05)
