"""MetaTrader 5: the `Mt5Client` protocol, its backends (native, RPyC, simulator) and the adapter.

Terminal side (this package's lower layer): `constants`, `structures`, `client`
(`Mt5Client`, `create_client`), `backend_config` (`Mt5BackendConfig`,
`Mt5SimulatorConfig`), `simulator` (`Mt5TerminalSimulator`) and `rpyc_bridge`
(`Mt5RpycService`, `RpycMt5Client`, `serve`).
"""

from nautilus_rl_lab.adapters.metatrader5.backend_config import Mt5BackendConfig, Mt5SimulatorConfig
from nautilus_rl_lab.adapters.metatrader5.client import (
    Mt5Client,
    create_client,
    initialize_from_config,
)

__all__ = [
    "Mt5BackendConfig",
    "Mt5Client",
    "Mt5SimulatorConfig",
    "create_client",
    "initialize_from_config",
]
