"""Model registry: every trained version of an agent, and which bundle is the champion.

A registry is a folder holding `registry.json`: `{"champion": <version id or null>,
"versions": [...]}`; each version records the bundle path and content hash, its training
and evaluation data ranges, its metrics and the promotion decision. `resolve_bundle` turns a
registry folder into its champion's bundle path, so a live config naming the registry picks
up a newly promoted bundle at its next restart.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from nautilus_rl_lab.agents.files import atomic_write_text
from nautilus_rl_lab.errors import ConfigError

REGISTRY_FILE = "registry.json"


def read_registry(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The registry in folder `path` (an empty one if it has none yet)."""
    file = Path(path) / REGISTRY_FILE
    if not file.is_file():
        return {"champion": None, "versions": []}
    return dict(json.loads(file.read_text(encoding="utf-8")))


def write_registry(path: str | os.PathLike[str], registry: dict[str, Any]) -> Path:
    """Write the registry atomically."""
    return atomic_write_text(Path(path) / REGISTRY_FILE, json.dumps(registry, indent=2))


def champion(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The champion's version record (`None` if nothing was promoted yet)."""
    registry = read_registry(path)
    for version in registry["versions"]:
        if version["version"] == registry["champion"]:
            return dict(version)
    return None


def resolve_bundle(path: str | os.PathLike[str]) -> Path:
    """A bundle directory as is; a registry folder -> its champion's bundle."""
    folder = Path(path)
    if not (folder / REGISTRY_FILE).is_file():
        return folder
    record = champion(folder)
    if record is None:
        raise ConfigError(f"`bundle` registry {str(folder)!r} has no champion yet: promote one")
    return Path(record["bundle"])
