"""The project's MetaTrader 5 terminal simulator (implements `Mt5Client`).

`Mt5TerminalSimulator` replays OHLCV bars as ticks and runs a netting or hedging demo
account with MT5's checks and retcodes (`config`: `Mt5SimulatorConfig`; `faults` lists
what can be injected). Names are imported on first use.
"""

from __future__ import annotations

from nautilus_rl_lab.mt5._lazy import lazy_getattr

_LAZY = {
    "Mt5SimulatorConfig": "nautilus_rl_lab.mt5.simulator.config",
    "Mt5TerminalSimulator": "nautilus_rl_lab.mt5.simulator.terminal",
    "DEFAULT_SYMBOL_SPECS": "nautilus_rl_lab.mt5.simulator.symbols",
    "SymbolSpec": "nautilus_rl_lab.mt5.simulator.symbols",
    "FAULTS": "nautilus_rl_lab.mt5.simulator.faults",
    "TRADE_FAULT_RETCODES": "nautilus_rl_lab.mt5.simulator.faults",
    "synthetic_ohlcv": "nautilus_rl_lab.mt5.simulator.market",
}

__all__ = sorted(_LAZY)
__getattr__ = lazy_getattr(__name__, _LAZY)
