"""What a live node's kernel offers Python, read the same way on NautilusTrader 1.221 and 2.0.

1.221's `TradingNode` exposes its kernel (`node.kernel`: risk engine, log guard); 2.0's
`LiveNode` exposes none, and offers no trading-state switch at all.
"""

from __future__ import annotations

from typing import Any

__all__ = ["node_risk_engine"]


def node_risk_engine(node: Any) -> Any | None:
    """The live `node`'s `RiskEngine` (its trading state), `None` where Python cannot reach it."""
    return getattr(getattr(node, "kernel", None), "risk_engine", None)
