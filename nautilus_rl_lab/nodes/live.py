"""`LiveNode`: a Nautilus live node wired to a MetaTrader 5 terminal, and its config.

One public API (`LiveNode`, `LiveNodeConfig`, `build_live_node_config`) for the deploy session,
monitoring and notebooks. The node is a wrapper around NautilusTrader 2's `LiveNode`, which
cannot be subclassed, runs once and must stay on the thread that built it (`nodes.live_nt2`);
the config and its checks are `nodes.live_config`.
"""

from __future__ import annotations

from nautilus_rl_lab.nodes.live_config import ON_ERROR_MODES, LiveNodeConfig
from nautilus_rl_lab.nodes.live_nt2 import LiveNode, build_live_node_config

__all__ = ["ON_ERROR_MODES", "LiveNode", "LiveNodeConfig", "build_live_node_config"]
