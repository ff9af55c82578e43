"""Nautilus' strategy base and its configuration, at one address on NautilusTrader 1.221 and 2.0.

`Strategy` and `StrategyConfig` are `nt.components`' (one API on both lines);
`ImportableStrategyConfig` is `nt.importable`'s (on 2.0 a struct with 1.221's fields and JSON).
"""

from __future__ import annotations

from nautilus_rl_lab.nt.components import Strategy, StrategyConfig
from nautilus_rl_lab.nt.importable import ImportableStrategyConfig

__all__ = ["ImportableStrategyConfig", "Strategy", "StrategyConfig"]
