"""Nautilus' strategy base and its configuration, at one address.

`Strategy` and `StrategyConfig` are `nt.components`';
`ImportableStrategyConfig` is `nt.importable`'s (a struct with 1.221's fields and JSON).
"""

from __future__ import annotations

from nautilus_rl_lab.nt.components import Strategy, StrategyConfig
from nautilus_rl_lab.nt.importable import ImportableStrategyConfig

__all__ = ["ImportableStrategyConfig", "Strategy", "StrategyConfig"]
