"""The project's MetaTrader 5 terminal simulator (implements `Mt5Client`), and a drop-in module.

`Mt5TerminalSimulator` (`terminal`: the MT5 API in `api` and `trading_api`, the simulator
controls in `controls`, bars loaded through `data.source` in `loading`) replays OHLCV bars
as ticks (`clock`, `market`) and runs a netting or hedging demo account (`account`) with
MT5's request parsing (`requests`), checks and retcodes (`validation`) and matching
(`matching`); `config` holds `Mt5SimulatorConfig`, `faults` what can be injected,
`profiles` named broker setups (`Mt5TerminalSimulator.from_profile`). Names are imported on first use.

Drop-in module: ``from nautilus_rl_lab.mt5 import simulator as mt5`` gives the
`MetaTrader5` module's functions (``mt5.initialize()``, ``mt5.order_send(...)``) over a
default in-process simulator (`default_terminal()`: the documentation examples' majors with
1000 bars of history, EURUSD in Market Watch; built on first use;
`use(terminal)` replaces it), its constants (``mt5.ORDER_TYPE_BUY``) and helpers
(``mt5.Buy``), as `dropin` describes.
"""

from __future__ import annotations

import importlib

from nautilus_rl_lab.mt5._lazy import lazy_getattr
from nautilus_rl_lab.mt5.dropin import MODULE_AUTHOR, MODULE_VERSION, DropIn
from nautilus_rl_lab.mt5.protocol import Mt5Client

_LAZY = {
    "Mt5SimulatorConfig": "nautilus_rl_lab.mt5.simulator.config",
    "Mt5TerminalSimulator": "nautilus_rl_lab.mt5.simulator.terminal",
    "DEFAULT_SYMBOL_SPECS": "nautilus_rl_lab.mt5.simulator.symbols",
    "SymbolSpec": "nautilus_rl_lab.mt5.simulator.symbols",
    "BROKER_PROFILES": "nautilus_rl_lab.mt5.simulator.profiles",
    "BrokerProfile": "nautilus_rl_lab.mt5.simulator.profiles",
    "FAULTS": "nautilus_rl_lab.mt5.simulator.faults",
    "TRADE_FAULT_RETCODES": "nautilus_rl_lab.mt5.simulator.faults",
    "synthetic_ohlcv": "nautilus_rl_lab.mt5.simulator.market",
}


def default_terminal() -> Mt5Client:
    """A new terminal like the drop-in's default (`terminal.default_terminal`)."""
    terminal = importlib.import_module("nautilus_rl_lab.mt5.simulator.terminal")
    return terminal.default_terminal()


__version__ = MODULE_VERSION
__author__ = MODULE_AUTHOR
_DROP_IN = DropIn(default_terminal)


def use(terminal: Mt5Client) -> None:
    """Make the module-level MT5 functions call `terminal` (e.g. a configured simulator)."""
    _DROP_IN.use(terminal)


__all__ = sorted([*_LAZY, "default_terminal", "use"])
__getattr__ = lazy_getattr(__name__, _LAZY, fallback=_DROP_IN.attribute)
