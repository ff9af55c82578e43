"""Importable actor and strategy configs that the project stores.

NautilusTrader 2's are pyo3 objects that keep `config` in a Rust map: its keys come back in a
different order in every process (so their JSON would not be reproducible), and they neither
compare nor pickle. The project therefore stores its own frozen structs with 1.221's fields, in
the same order (1.221's JSON), and `to_nautilus` makes Nautilus' object where one is handed to
an engine or node. Nautilus builds the component as ``Component(ConfigClass(**config))``, with
the plain values of `config` (no decoding).
"""

from __future__ import annotations

import importlib
from typing import Any

import msgspec
from nautilus_trader import common, trading


class ImportableActorConfig(msgspec.Struct, kw_only=True, frozen=True):
    """An actor to import: its class, its config class and the config's fields."""

    actor_path: str
    config_path: str
    config: dict[str, Any]


class ImportableStrategyConfig(msgspec.Struct, kw_only=True, frozen=True):
    """A strategy to import: its class, its config class and the config's fields."""

    strategy_path: str
    config_path: str
    config: dict[str, Any]


def to_nautilus(component: ImportableActorConfig | ImportableStrategyConfig) -> Any:
    """Nautilus' importable config for `component` (what its engines and nodes take)."""
    if isinstance(component, ImportableActorConfig):
        return common.ImportableActorConfig(
            component.actor_path, component.config_path, dict(component.config)
        )
    return trading.ImportableStrategyConfig(
        component.strategy_path, component.config_path, dict(component.config)
    )


def resolve_config_path(path: str) -> type:
    """The config class named by `path` (``package.module:Class``)."""
    module, _, name = path.rpartition(":")
    config = getattr(importlib.import_module(module), name)
    if not isinstance(config, type):
        raise TypeError(f"expected a config class, was `{type(config)}`")
    return config


__all__ = [
    "ImportableActorConfig",
    "ImportableStrategyConfig",
    "resolve_config_path",
    "to_nautilus",
]
