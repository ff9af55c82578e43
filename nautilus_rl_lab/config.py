"""Config plumbing shared by the frozen configs: YAML/JSON files and `module:Class` names.

`LabConfig` is the frozen msgspec base of the project's own data configs (not Nautilus'
component configs): it serialises exactly as Nautilus 1.221's `NautilusConfig` did (Nautilus
values through `nt.codec`'s hooks, which write what 1.221's did), so stored JSON, bundle hashes
and study fingerprints keep their bytes, on NautilusTrader 1.221 and 2.0 (which has neither
`NautilusConfig` nor its hooks).
`FileConfig` is a `LabConfig` that reads and writes itself as YAML or JSON (atomically),
rejecting unknown fields with a `ConfigError`; `resolve_class` turns a registry alias or a
`package.module:Class` path into a class and checks its base, naming the config field on error.
`decode_config(cls, data)` is the one way plain data (a file, CLI flags) becomes any config:
NaN/inf, a wrong type or an unknown key is a `ConfigError` naming the field and the value.
"""

from __future__ import annotations

import datetime
import importlib
import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar, cast

import msgspec
import yaml

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.files import atomic_write_text
from nautilus_rl_lab.nt.codec import JsonStruct
from nautilus_rl_lab.validation import check_identifier_fields


class ParsedConfig(Protocol):
    """A config that reads and writes itself as JSON: a `LabConfig` or a Nautilus component's."""

    @classmethod
    def parse(cls, raw: bytes | str) -> Self:
        """The config decoded from JSON."""
        ...

    def json(self) -> bytes:
        """The config as JSON bytes."""
        ...


T = TypeVar("T")
C = TypeVar("C", bound=ParsedConfig)
YAML_SUFFIXES = (".yaml", ".yml")
SUFFIXES = (*YAML_SUFFIXES, ".json")


class LabConfig(JsonStruct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A frozen, hashable config whose JSON is byte-identical to a 1.221 `NautilusConfig`'s."""


def _config_file(path: str | os.PathLike[str]) -> Path:
    """`path` as a `Path` if it names a YAML or JSON file (by extension)."""
    file = Path(path)
    if file.suffix.lower() not in SUFFIXES:
        raise ConfigError(
            f"config file {str(file)!r} has an unknown extension {file.suffix!r}: "
            f"use one of {', '.join(SUFFIXES)}",
        )
    return file


def _parse(file: Path, text: str) -> Any:
    """The data in `text`; a syntax error names `file`, line and column."""
    if file.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise ConfigError(f"{file}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from e
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(file)
        problem = getattr(e, "problem", None) or str(e)
        raise ConfigError(f"{where}: invalid YAML: {problem}") from e


def read_mapping(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The mapping of fields in a YAML or JSON config file."""
    file = _config_file(path)
    if not file.is_file():
        raise ConfigError(f"config file {str(file)!r} does not exist")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"config file {str(file)!r} is not UTF-8 text: {e}") from e
    data = _parse(file, text)
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"config file {str(file)!r} must hold a mapping of fields")
    return data or {}


def _json_default(value: object) -> str:
    """YAML reads unquoted dates as `date`/`datetime`: pass them on as ISO strings."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise ConfigError(f"value {value!r} ({type(value).__name__}) is not plain YAML/JSON data")


def _non_finite(data: object, path: str) -> tuple[str, float] | None:
    """The first NaN/inf float in nested plain data (its dotted path and value), else `None`."""
    if isinstance(data, float) and not math.isfinite(data):
        return path, data
    if isinstance(data, Mapping):
        items: Any = data.items()
    elif isinstance(data, list | tuple):
        items = enumerate(data)
    else:
        return None
    for key, value in items:
        found = _non_finite(value, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}")
        if found is not None:
            return found
    return None


_PATH_STEP = re.compile(r"\.(\w+)|\[(\d+)\]")


def _value_at(data: object, path: str) -> str:
    """`, was <value>` for msgspec's error path `$.a.b[0]` in `data`.

    '' if it cannot be found or is a mapping (a nested config whose own check failed: its
    message already names the field and value).
    """
    value = data
    for key, index in _PATH_STEP.findall(path.removeprefix("$")):
        try:
            value = value[key] if key else value[int(index)]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return ""
    return "" if isinstance(value, Mapping) else f", was {value!r}"


def decode_config(cls: type[C], data: Mapping[str, Any]) -> C:
    """`cls` from plain data (as read from YAML/JSON or flags); any problem is one `ConfigError`.

    NaN/inf are refused here with the field's path (JSON has no spelling for them, and a
    non-finite number in a config is never meant); so are identifier strings Nautilus would
    abort on (top-level fields); a type error names the field and its value.
    """
    found = _non_finite(data, "")
    if found is not None:
        raise ConfigError(
            f"invalid {cls.__name__}: `{found[0].lstrip('.')}` must be a finite number, "
            f"was {found[1]}"
        )
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"invalid {cls.__name__}: expected a mapping of fields, got {type(data).__name__}"
        )
    check_identifier_fields("", cls, data)  # Nautilus' decoder would abort the process
    try:
        return cast("C", cls.parse(json.dumps(data, default=_json_default)))
    except (msgspec.ValidationError, msgspec.DecodeError) as e:
        raise ConfigError(f"invalid {cls.__name__}: {type_error(e, data)}") from e


def type_error(error: msgspec.ValidationError | msgspec.DecodeError, data: object) -> str:
    """msgspec's `error` on `data` with the value at the path it names (`..., was 'two'`)."""
    where = re.search(r" - at `(\$[^`]*)`$", str(error))
    return f"{error}{_value_at(data, where.group(1)) if where else ''}"


class FileConfig(LabConfig, frozen=True):
    """A frozen config that loads from and saves to `.yaml`/`.yml`/`.json` files."""

    @classmethod
    def from_file(
        cls, path: str | os.PathLike[str], overrides: Mapping[str, Any] | None = None
    ) -> Self:
        """Load a config file (top-level `overrides` win); errors name the file, unknown fields too."""
        data = {**read_mapping(path), **(overrides or {})}
        try:
            return cls.from_dict(data)
        except ConfigError as e:
            raise ConfigError(f"{path}: {e}") from e

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Build a config from plain data (as read from YAML/JSON)."""
        return decode_config(cls, data)

    def to_file(self, path: str | os.PathLike[str]) -> Path:
        """Write the config as YAML (`.yaml`/`.yml`) or JSON, atomically."""
        file = _config_file(path)
        data = json.loads(self.json())
        text = (
            yaml.safe_dump(data, sort_keys=False)
            if file.suffix.lower() in YAML_SUFFIXES
            else json.dumps(data, indent=2)
        )
        return atomic_write_text(file, text)


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
    except (ImportError, AttributeError, ValueError) as e:
        raise ConfigError(f"`{field}` {name!r} cannot be imported: {e}") from e
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise ConfigError(f"`{field}` {name!r} is not a subclass of {base.__name__}")
    return cast("type[T]", cls)
