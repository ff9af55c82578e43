"""The RPyC bridge: `codec` (plain data on the wire), `server` (`serve`), `client` (`RpycMt5Client`).

Classic-mode RPyC evaluates code strings on the terminal host; this bridge exposes a fixed
service of named functions only, binds 127.0.0.1 by default and returns plain data.
Names are imported on first use.
"""

from __future__ import annotations

from nautilus_rl_lab.mt5._lazy import lazy_getattr

_LAZY = {
    "Mt5RpycService": "nautilus_rl_lab.mt5.rpyc.server",
    "ServerHandle": "nautilus_rl_lab.mt5.rpyc.server",
    "serve": "nautilus_rl_lab.mt5.rpyc.server",
    "RpycMt5Client": "nautilus_rl_lab.mt5.rpyc.client",
}

__all__ = sorted(_LAZY)
__getattr__ = lazy_getattr(__name__, _LAZY)
