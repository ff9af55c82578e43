"""Model registry: every trained version of an agent, and which bundle is the champion.

A registry is a folder holding `registry.json`: `{"champion": <version id or null>,
"versions": [...]}`; each version records the bundle path and content hash, its training
and evaluation data ranges, its metrics and the promotion decision. `resolve_bundle` turns a
registry folder into its champion's bundle path, so a live config naming the registry picks
up a newly promoted bundle at its next restart; the champion's files must still have the
content hash recorded when it was evaluated (a directory rewritten since, e.g. by a resumed
training run, holds an agent that was never evaluated and is refused).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.files import atomic_write_text
from nautilus_rl_lab.training.bundle import BUNDLE_FILE, load_bundle

REGISTRY_FILE = "registry.json"


def agent_hash(path: str | os.PathLike[str]) -> str:
    """The content hash of a saved agent: its verified bundle's, else SHA-256 of its files."""
    directory = Path(path)
    if (directory / BUNDLE_FILE).is_file():
        return load_bundle(directory).content_hash
    digest = hashlib.sha256()
    for file in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(file.name.encode() + file.read_bytes())
    return digest.hexdigest()


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
    bundle = Path(record["bundle"])
    current = agent_hash(bundle)
    if current != record["content_hash"]:
        raise ConfigError(
            f"`bundle` registry {str(folder)!r}: the champion {str(bundle)!r} (version "
            f"{record['version']}) was evaluated with content hash {record['content_hash']} but "
            f"its files now hash to {current}: it was rewritten since and never evaluated; "
            "restore the evaluated files, or save new agents elsewhere and start a new registry",
        )
    return bundle
