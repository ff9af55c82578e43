"""Wire codec of the RPyC bridge: MT5 results and arguments as plain data.

Arguments must be plain data (None, bool, int, float, str, bytes, tuples of those); the
client turns dates into POSIX seconds and request dicts into ``(key, value)`` pairs. Each
call returns ``(result, last_error)`` with `result` as plain data: named tuples as tuples
(nested `request` too), numpy arrays as ``(dtype descr, bytes)``. Nothing that travels is
ever a netref.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.protocol import to_timestamp
from nautilus_rl_lab.mt5.structures import structure_from_plain, structure_to_plain

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 18812

#: How each function's result travels: ("struct", name), ("structs", name), ("array",) or ().
RESULT_KINDS: dict[str, tuple[str, ...]] = {
    "account_info": ("struct", "AccountInfo"),
    "terminal_info": ("struct", "TerminalInfo"),
    "symbols_get": ("structs", "SymbolInfo"),
    "symbol_info": ("struct", "SymbolInfo"),
    "symbol_info_tick": ("struct", "Tick"),
    "market_book_get": ("structs", "BookInfo"),
    "copy_rates_from": ("array",),
    "copy_rates_from_pos": ("array",),
    "copy_rates_range": ("array",),
    "copy_ticks_from": ("array",),
    "copy_ticks_range": ("array",),
    "order_check": ("struct", "OrderCheckResult"),
    "order_send": ("struct", "OrderSendResult"),
    "orders_get": ("structs", "TradeOrder"),
    "positions_get": ("structs", "TradePosition"),
    "history_orders_get": ("structs", "TradeOrder"),
    "history_deals_get": ("structs", "TradeDeal"),
}
BOOL_FUNCTIONS = frozenset(
    {"initialize", "login", "symbol_select", "market_book_add", "market_book_release"}
)
REQUEST_FUNCTIONS = frozenset({"order_send", "order_check"})
_PLAIN_TYPES = (type(None), bool, int, float, str, bytes)


def error_pair(code: int, detail: str = "") -> tuple[int, str]:
    """A `last_error()` pair for `code`, with `detail` appended to the description."""
    description = mt5c.last_error_description(code)
    return code, f"{description}: {detail}" if detail else description


def is_plain(value: Any) -> bool:
    if type(value) is tuple:
        return all(is_plain(item) for item in value)
    return type(value) in _PLAIN_TYPES


def encode_result(name: str, result: Any) -> Any:
    """Turn a module result into plain data for the wire."""
    if result is None:
        return None
    kind = RESULT_KINDS.get(name, ())
    if kind and kind[0] == "array":
        array = np.ascontiguousarray(result)
        descr = tuple(tuple(str(part) for part in item) for item in array.dtype.descr)
        return (descr, array.tobytes())
    if kind and kind[0] == "structs":
        return tuple(structure_to_plain(item) for item in result)
    if isinstance(result, tuple):
        return structure_to_plain(result)
    if isinstance(result, np.generic):
        return result.item()
    return result


def decode_result(name: str, payload: Any) -> Any:
    """Rebuild the module's types from `encode_result`'s plain data."""
    if payload is None:
        return None
    kind = RESULT_KINDS.get(name, ())
    if not kind:
        return tuple(payload) if isinstance(payload, tuple | list) else payload
    if kind[0] == "array":
        descr, raw = payload
        dtype = np.dtype([tuple(item) for item in descr])
        return np.frombuffer(bytes(raw), dtype=dtype).copy()
    if kind[0] == "structs":
        return tuple(structure_from_plain(kind[1], item) for item in payload)
    return structure_from_plain(kind[1], payload)


def plain_arg(value: Any) -> Any:
    """Client side: make an argument plain data (dates -> seconds, dicts -> pairs)."""
    if isinstance(value, datetime):
        return to_timestamp(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return tuple((str(k), plain_arg(v)) for k, v in value.items())
    if isinstance(value, tuple | list):
        return tuple(plain_arg(v) for v in value)
    return value
