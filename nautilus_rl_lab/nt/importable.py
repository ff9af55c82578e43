"""Importable actor and strategy configs that the project stores, the same on 1.221 and 2.0.

On 1.221 these are Nautilus' own msgspec structs. NautilusTrader 2's are pyo3 objects that
keep `config` in a Rust map: its keys come back in a different order in every process (so
their JSON would not be reproducible), and they neither compare nor pickle. On 2.0 the
project therefore stores its own frozen structs with the same fields, in the same order
(the same JSON as 1.221), and `to_nautilus` makes Nautilus' object where one is handed to
an engine or node. 2.0 builds the component as ``Component(ConfigClass(**config))``, with
the plain values of `config` (no decoding), where 1.221 parsed `config` as JSON.
"""

from __future__ import annotations

import importlib
from typing import Any

from nautilus_rl_lab.nt.version import NT2

if NT2:
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

else:
    from nautilus_trader.common.config import ImportableActorConfig, resolve_config_path
    from nautilus_trader.trading.config import ImportableStrategyConfig

    def to_nautilus(component: ImportableActorConfig | ImportableStrategyConfig) -> Any:
        """Nautilus' importable config for `component` (1.221 stores Nautilus' own)."""
        return component


__all__ = [
    "ImportableActorConfig",
    "ImportableStrategyConfig",
    "resolve_config_path",
    "to_nautilus",
]
