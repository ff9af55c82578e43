"""`LiveNode`: a Nautilus live node wired to a MetaTrader 5 terminal, and its config.

One public API (`LiveNode`, `LiveNodeConfig`, `build_live_node_config`) for the deploy session,
monitoring and notebooks. The node differs deeply between the NautilusTrader lines, so it has two
implementations, selected here and only here: on 1.221 a `TradingNode` subclass
(`nodes.live_trading_node`), on 2.0 a wrapper around 2.0's `LiveNode`, which cannot be subclassed,
runs once and must stay on the thread that built it (`nodes.live_nt2`). The config and its checks
(`nodes.live_config`) are shared.
"""

from __future__ import annotations

from nautilus_rl_lab.nodes.live_config import ON_ERROR_MODES, LiveNodeConfig
from nautilus_rl_lab.nt.version import NT2

if NT2:
    from nautilus_rl_lab.nodes.live_nt2 import LiveNode, build_live_node_config
else:
    from nautilus_rl_lab.nodes.live_trading_node import LiveNode, build_live_node_config

__all__ = ["ON_ERROR_MODES", "LiveNode", "LiveNodeConfig", "build_live_node_config"]
