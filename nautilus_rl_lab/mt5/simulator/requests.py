"""Trade request parsing: an `order_send` / `order_check` dict → a typed `TradeRequest`.

The module's own checks (`trade_request.check_request`: known fields, an ``action``, the
MqlTradeRequest types and ranges) make a malformed request return None with last_error -2
(`InvalidRequestError`); everything else is judged by `validation`.
"""

from __future__ import annotations

from typing import Any

from nautilus_rl_lab.mt5.structures import TradeRequest
from nautilus_rl_lab.mt5.trade_request import InvalidRequestError, check_request

__all__ = ["InvalidRequestError", "parse_request"]


def parse_request(request: Any) -> TradeRequest:
    """Validate an `order_send`/`order_check` request dict into a `TradeRequest`."""
    return TradeRequest(**check_request(request))
