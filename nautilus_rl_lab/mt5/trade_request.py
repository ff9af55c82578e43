"""The `MetaTrader5` module's checks of a trade request dict, before it reaches the terminal.

`order_send` / `order_check` convert the dict to the C structure MqlTradeRequest; a field of
the wrong Python type, outside its C type's range, or an unknown one, makes the call return
None with ``last_error() == (-2, 'Invalid "<field>" argument')`` and nothing is sent.
`check_request` applies the same rules (its `InvalidRequestError` message starts with that
text and adds the value and what was expected): integers (not bools, not floats) for the
enum and ulong fields, numbers (not bools or strings) for the double fields, finite ones,
strings for `symbol` and `comment` (at most `MAX_COMMENT_LENGTH` characters), a `datetime`
or POSIX seconds for `expiration`. Both the simulator and the RPyC bridge use it, so a
request refused by the real module is refused everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import numpy as np

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.structures import TradeRequest

#: Enum fields (C ``int``) and their range.
ENUM_FIELDS: Final = ("action", "type", "type_filling", "type_time")
_ENUM_MAX = 2**31 - 1
#: Unsigned 64-bit fields (tickets, magic number, deviation in points).
ULONG_FIELDS: Final = ("magic", "order", "deviation", "position", "position_by")
_ULONG_MAX = 2**64 - 1
#: Double fields (lots and prices).
DOUBLE_FIELDS: Final = ("volume", "price", "stoplimit", "sl", "tp")
STRING_FIELDS: Final = ("symbol", "comment")
_SHOWN_CHARS = 40


class InvalidRequestError(ValueError):
    """The request dict itself is malformed (the module returns None, last_error -2)."""


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else f"{text[:_SHOWN_CHARS]}... ({len(text)} chars)"


def _invalid(name: str, value: Any, expected: str) -> InvalidRequestError:
    return InvalidRequestError(
        f'Invalid "{name}" argument: expected {expected}, got '
        f"{type(value).__name__} {_shown(value)}"
    )


def _integer(name: str, value: Any, maximum: int) -> int:
    is_int = isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)
    if not is_int or not 0 <= int(value) <= maximum:
        raise _invalid(name, value, f"an int in 0..{maximum}")
    return int(value)


def _double(name: str, value: Any) -> float:
    is_number = isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )
    if not is_number or not math.isfinite(float(value)):
        raise _invalid(name, value, "a finite float")
    return float(value)


def _string(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _invalid(name, value, "a str")
    if name == "comment" and len(value) > mt5c.MAX_COMMENT_LENGTH:
        raise _invalid(name, value, f"at most {mt5c.MAX_COMMENT_LENGTH} characters")
    return value


def _expiration(value: Any) -> int:
    if isinstance(value, datetime):
        return int(value.timestamp())
    return _integer("expiration", value, 2**63 - 1)


def check_request(request: Any) -> dict[str, Any]:
    """Return `request`'s fields as MqlTradeRequest types, or raise `InvalidRequestError`."""
    if not isinstance(request, Mapping):
        raise InvalidRequestError(f"request must be a dict, got {type(request).__name__}")
    unknown = set(request) - set(TradeRequest._fields)
    if unknown:
        raise InvalidRequestError(f"unknown request field(s) {sorted(map(str, unknown))}")
    if "action" not in request:
        raise InvalidRequestError('Invalid "action" argument: the request needs an action')
    values: dict[str, Any] = {}
    for name, value in request.items():
        if name in ENUM_FIELDS:
            values[name] = _integer(name, value, _ENUM_MAX)
        elif name in ULONG_FIELDS:
            values[name] = _integer(name, value, _ULONG_MAX)
        elif name in DOUBLE_FIELDS:
            values[name] = _double(name, value)
        elif name in STRING_FIELDS:
            values[name] = _string(name, value)
        else:
            values[name] = _expiration(value)
    return values
