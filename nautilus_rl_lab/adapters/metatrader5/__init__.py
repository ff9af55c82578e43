"""MetaTrader 5: the `Mt5Client` protocol, its backends (native, RPyC, simulator) and the adapter.

Terminal side (this package's lower layer): `constants`, `structures`, `client`
(`Mt5Client`, `create_client`), `backend_config` (`Mt5BackendConfig`,
`Mt5SimulatorConfig`), `simulator` (`Mt5TerminalSimulator`), `rpyc_bridge`
(`Mt5RpycService`, `RpycMt5Client`, `serve`) and `native` (`NativeMt5Client`).
"""

from nautilus_rl_lab.adapters.metatrader5.backend_config import Mt5BackendConfig, Mt5SimulatorConfig
from nautilus_rl_lab.adapters.metatrader5.client import (
    Mt5Client,
    create_client,
    initialize_from_config,
    register_backend,
)
from nautilus_rl_lab.adapters.metatrader5.native import NativeMt5Client
from nautilus_rl_lab.adapters.metatrader5.rpyc_bridge import (
    Mt5RpycService,
    RpycMt5Client,
    ServerHandle,
    serve,
)
from nautilus_rl_lab.adapters.metatrader5.simulator import Mt5TerminalSimulator, SymbolSpec

__all__ = [
    "Mt5BackendConfig",
    "Mt5Client",
    "Mt5RpycService",
    "Mt5SimulatorConfig",
    "Mt5TerminalSimulator",
    "NativeMt5Client",
    "RpycMt5Client",
    "ServerHandle",
    "SymbolSpec",
    "create_client",
    "initialize_from_config",
    "register_backend",
    "serve",
]
