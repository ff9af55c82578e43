"""MetaTrader 5 terminal API and its backends, below (and independent of) the Nautilus adapter.

Layers, imports pointing down only (a test checks the import graph):

1. terminal API — `constants`, `structures`, `protocol` (`Mt5Client`, `to_timestamp`,
   `require_success`), `trade_request` (the module's request checks), `dropin`: no
   backend imports;
2. backends, each on layer 1 only — `native` (`NativeMt5Client`), `rpyc` (`codec`,
   `server`, `client`), `simulator` (`Mt5TerminalSimulator`);
3. backend selection — `backends` (`Mt5BackendConfig`, `create_client`,
   `register_backend`), also used by the ``mt5-sim serve`` command (`serve`).

The Nautilus adapter (`nautilus_rl_lab.adapters.metatrader5`) sits on top. Names below are
imported on first use, so ``import nautilus_rl_lab.mt5`` imports nothing heavy.
"""

from __future__ import annotations

from nautilus_rl_lab.mt5._lazy import lazy_getattr

_LAZY = {
    "Mt5Client": "nautilus_rl_lab.mt5.protocol",
    "Mt5BackendConfig": "nautilus_rl_lab.mt5.backends",
    "create_client": "nautilus_rl_lab.mt5.backends",
    "initialize_from_config": "nautilus_rl_lab.mt5.backends",
    "register_backend": "nautilus_rl_lab.mt5.backends",
    "Mt5SimulatorConfig": "nautilus_rl_lab.mt5.simulator.config",
    "Mt5TerminalSimulator": "nautilus_rl_lab.mt5.simulator.terminal",
    "SymbolSpec": "nautilus_rl_lab.mt5.simulator.symbols",
    "NativeMt5Client": "nautilus_rl_lab.mt5.native",
    "Mt5RpycService": "nautilus_rl_lab.mt5.rpyc.server",
    "ServerHandle": "nautilus_rl_lab.mt5.rpyc.server",
    "serve": "nautilus_rl_lab.mt5.rpyc.server",
    "RpycMt5Client": "nautilus_rl_lab.mt5.rpyc.client",
}

__all__ = sorted(_LAZY)
__getattr__ = lazy_getattr(__name__, _LAZY)
