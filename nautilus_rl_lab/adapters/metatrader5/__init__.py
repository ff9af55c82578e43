"""The Nautilus adapter for MetaTrader 5 (layer 4, on top of `nautilus_rl_lab.mt5`).

Nautilus' adapter layout: `config` (client configs), `core` (venue constants only),
`connection` (the shared, serialised terminal link), `providers` (instruments), `data`,
`execution` (the client, built in layers like Nautilus' Interactive Brokers client:
`execution_core`, `execution_protection`, `execution_orders`, `execution_reconciliation`),
`factories`, and the pure `parsing` package (`requests`, `reports`, ...).
The terminal API, its backends and the simulator live in `nautilus_rl_lab.mt5` and never
import this package. Names below are imported on first use.
"""

from __future__ import annotations

from nautilus_rl_lab.mt5._lazy import lazy_getattr

_LAZY = {
    "MT5": "nautilus_rl_lab.adapters.metatrader5.core",
    "MT5_VENUE": "nautilus_rl_lab.adapters.metatrader5.core",
    "Mt5DataClientConfig": "nautilus_rl_lab.adapters.metatrader5.config",
    "Mt5ExecClientConfig": "nautilus_rl_lab.adapters.metatrader5.config",
    "Mt5InstrumentProviderConfig": "nautilus_rl_lab.adapters.metatrader5.config",
    "Mt5DataClient": "nautilus_rl_lab.adapters.metatrader5.data",
    "Mt5ExecutionClient": "nautilus_rl_lab.adapters.metatrader5.execution",
    "Mt5InstrumentProvider": "nautilus_rl_lab.adapters.metatrader5.providers",
    "Mt5LiveDataClientFactory": "nautilus_rl_lab.adapters.metatrader5.factories",
    "Mt5LiveExecClientFactory": "nautilus_rl_lab.adapters.metatrader5.factories",
}

__all__ = sorted(_LAZY)
__getattr__ = lazy_getattr(__name__, _LAZY)
