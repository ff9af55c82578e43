"""Config plumbing shared by the frozen configs: YAML/JSON files and `module:Class` names.

`FileConfig` is a `NautilusConfig` that reads and writes itself as YAML or JSON (atomically),
rejecting unknown fields with a `ConfigError`; `resolve_class` turns a registry alias or a
`package.module:Class` path into a class and checks its base, naming the config field on error.
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from typing import Any, Self, TypeVar, cast

import msgspec
import yaml
from nautilus_trader.config import NautilusConfig

from nautilus_rl_lab.errors import ConfigError

T = TypeVar("T")
YAML_SUFFIXES = (".yaml", ".yml")


def read_mapping(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The mapping of fields in a YAML or JSON config file."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"config file {str(file)!r} does not exist")
    text = file.read_text(encoding="utf-8")
    data = yaml.safe_load(text) if file.suffix in YAML_SUFFIXES else json.loads(text)
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"config file {str(file)!r} must hold a mapping of fields")
    return data or {}


class FileConfig(NautilusConfig, frozen=True):
    """A frozen config that loads from and saves to `.yaml`/`.yml`/`.json` files."""

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Self:
        """Load a config file; unknown fields are rejected."""
        return cls.from_dict(read_mapping(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Build a config from plain data (as read from YAML/JSON)."""
        try:
            return cls.parse(json.dumps(data))
        except msgspec.ValidationError as e:
            raise ConfigError(f"invalid {cls.__name__}: {e}") from e

    def to_file(self, path: str | os.PathLike[str]) -> Path:
        """Write the config as YAML (`.yaml`/`.yml`) or JSON, atomically."""
        from nautilus_rl_lab.agents.files import atomic_write_text

        data = json.loads(self.json())
        text = (
            yaml.safe_dump(data, sort_keys=False)
            if str(path).endswith(YAML_SUFFIXES)
            else json.dumps(data, indent=2)
        )
        return atomic_write_text(path, text)


def resolve_class(field: str, name: str, registry: dict[str, type[T]], base: type) -> type[T]:
    """The class `name` stands for: a key of `registry` or a `package.module:Class` path."""
    if name in registry:
        return registry[name]
    module_name, _, class_name = name.partition(":")
    if not class_name:
        raise ConfigError(
            f"`{field}` {name!r} is unknown: use one of {sorted(registry)} "
            f"or a 'package.module:Class' path",
        )
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as e:
        raise ConfigError(f"`{field}` {name!r} cannot be imported: {e}") from e
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise ConfigError(f"`{field}` {name!r} is not a subclass of {base.__name__}")
    return cast("type[T]", cls)
