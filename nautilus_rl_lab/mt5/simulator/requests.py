"""Trade request parsing: an `order_send` / `order_check` dict → a typed `TradeRequest`.

Unknown fields, a missing ``action`` and values that are not numbers/strings (or not
finite) make the request malformed: the module then returns None with last_error -2
(`InvalidRequestError`); everything else is judged by `validation`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from nautilus_rl_lab.mt5.protocol import to_timestamp
from nautilus_rl_lab.mt5.structures import TradeRequest

logger = logging.getLogger(__name__)

_INT_FIELDS = (
    "action",
    "magic",
    "order",
    "deviation",
    "type",
    "type_filling",
    "type_time",
    "position",
    "position_by",
)
_FLOAT_FIELDS = ("volume", "price", "stoplimit", "sl", "tp")
_STR_FIELDS = ("symbol", "comment")


class InvalidRequestError(ValueError):
    """The request dict itself is malformed (the module returns None, last_error -2)."""


def parse_request(request: Any) -> TradeRequest:
    """Validate an `order_send`/`order_check` request dict into a `TradeRequest`."""
    if not isinstance(request, Mapping):
        raise InvalidRequestError("request must be a dict")
    unknown = set(request) - set(TradeRequest._fields)
    if unknown:
        raise InvalidRequestError(f"unknown request field(s) {sorted(unknown)}")
    if "action" not in request:
        raise InvalidRequestError('Invalid "action" argument')
    values: dict[str, Any] = {}
    try:
        for name in _INT_FIELDS:
            if name in request:
                values[name] = int(request[name])
        for name in _FLOAT_FIELDS:
            if name in request:
                values[name] = float(request[name])
        for name in _STR_FIELDS:
            if name in request:
                values[name] = str(request[name])
        if "expiration" in request:
            expiration = request["expiration"]
            values["expiration"] = (
                int(to_timestamp(expiration))
                if isinstance(expiration, datetime)
                else int(expiration)
            )
    except (TypeError, ValueError) as exc:
        raise InvalidRequestError(f"Invalid argument: {exc}") from exc
    for name in _FLOAT_FIELDS:
        if not math.isfinite(values.get(name, 0.0)):
            raise InvalidRequestError(f'Invalid "{name}" argument')
    return TradeRequest(**values)
