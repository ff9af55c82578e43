"""The project's MetaTrader 5 terminal simulator (implements `Mt5Client`).

`Mt5TerminalSimulator` replays OHLCV bars as ticks and runs a netting or hedging demo
account with MT5's checks and retcodes; `faults` lists what can be injected.
"""

from nautilus_rl_lab.adapters.metatrader5.simulator.faults import FAULTS, TRADE_FAULT_RETCODES
from nautilus_rl_lab.adapters.metatrader5.simulator.market import synthetic_ohlcv
from nautilus_rl_lab.adapters.metatrader5.simulator.symbols import DEFAULT_SYMBOL_SPECS, SymbolSpec
from nautilus_rl_lab.adapters.metatrader5.simulator.terminal import Mt5TerminalSimulator

__all__ = [
    "DEFAULT_SYMBOL_SPECS",
    "FAULTS",
    "TRADE_FAULT_RETCODES",
    "Mt5TerminalSimulator",
    "SymbolSpec",
    "synthetic_ohlcv",
]
