"""Shared conversions: identifiers, server time, lots ⇄ units, order comments.

Decisions:

- Instrument ids are ``f"{mt5_symbol}.MT5"``; the symbol keeps MT5's spelling (``EURUSD``).
- Nautilus quantities are in *units* (base currency for FX, contract units for CFDs), as
  in Nautilus' FX examples and `nautilus_rl_lab.data.make_instrument`; MT5 volumes are
  *lots*. ``units = lots * trade_contract_size``.
- MT5 timestamps are the trade server's wall clock (`mt5.server_time.ServerTime`): a
  fixed ``server_offset_s`` ("server time minus UTC", ``7200`` for a UTC+2 server) or a
  ``server_timezone`` whose DST rules apply; an int passed as `server_time` is a fixed
  offset.
- The Nautilus client order id travels in the MT5 ``comment`` (at most 31 characters).
  Longer ids are replaced by a stable hash marker (``#`` + 30 hex chars), which still
  matches the order while this process knows the id, but cannot be turned back into it
  after a restart.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from nautilus_rl_lab.adapters.metatrader5.core import MT5_VENUE
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.server_time import ServerTime, as_server_time
from nautilus_rl_lab.nt.model import (
    ClientOrderId,
    InstrumentId,
    OrderSide,
    OrderType,
    Symbol,
    Venue,
)

_HASH_MARKER = "#"

NANOS_IN_MILLI = 1_000_000
NANOS_IN_SECOND = 1_000_000_000


def instrument_id_from_symbol(symbol: str, venue: Venue = MT5_VENUE) -> InstrumentId:
    """Return the Nautilus instrument id of an MT5 symbol (``EURUSD`` → ``EURUSD.MT5``)."""
    return InstrumentId(Symbol(symbol), venue)


def symbol_from_instrument_id(instrument_id: InstrumentId) -> str:
    """Return the MT5 symbol of a Nautilus instrument id (``EURUSD.MT5`` → ``EURUSD``)."""
    return instrument_id.symbol.value


def to_decimal(value: float) -> Decimal:
    """Convert an MT5 float exactly as printed (``0.1`` → ``Decimal("0.1")``)."""
    return Decimal(repr(float(value)))


def server_msc_to_unix_nanos(time_msc: int, server_time: ServerTime | int = 0) -> int:
    """Convert an MT5 server time in milliseconds to UTC UNIX nanoseconds."""
    return as_server_time(server_time).utc_ms(int(time_msc)) * NANOS_IN_MILLI


def server_secs_to_unix_nanos(time_secs: int, server_time: ServerTime | int = 0) -> int:
    """Convert an MT5 server time in seconds to UTC UNIX nanoseconds."""
    return as_server_time(server_time).utc_s(int(time_secs)) * NANOS_IN_SECOND


def unix_nanos_to_server_secs(unix_nanos: int, server_time: ServerTime | int = 0) -> int:
    """Convert UTC UNIX nanoseconds to an MT5 server time in whole seconds."""
    return as_server_time(server_time).server_s(int(unix_nanos) // NANOS_IN_SECOND)


def lots_to_units(lots: float, contract_size: float) -> Decimal:
    """Convert an MT5 volume in lots to Nautilus units."""
    return to_decimal(lots) * to_decimal(contract_size)


def units_to_lots(units: Decimal | float, contract_size: float) -> float:
    """Convert Nautilus units to MT5 lots, exactly (no rounding to `volume_step`).

    A volume off the symbol's step is sent as is, so the terminal rejects it with
    10014 INVALID_VOLUME instead of the adapter silently trading another size.
    """
    lots = Decimal(str(units)) / to_decimal(contract_size)
    return float(round(lots, 8))


def comment_from_client_order_id(client_order_id: ClientOrderId | str) -> str:
    """Return the MT5 comment carrying a Nautilus client order id (≤ 31 characters)."""
    value = str(client_order_id)
    if len(value) <= mt5c.MAX_COMMENT_LENGTH and not value.startswith(_HASH_MARKER):
        return value
    digest = hashlib.sha1(value.encode()).hexdigest()
    return _HASH_MARKER + digest[: mt5c.MAX_COMMENT_LENGTH - 1]


def client_order_id_from_comment(comment: str) -> ClientOrderId | None:
    """Recover the client order id from an MT5 comment (None if absent or hashed)."""
    text = (comment or "").strip()
    if not text or text.startswith(_HASH_MARKER) or " " in text:
        return None
    try:
        return ClientOrderId(text)
    except ValueError:
        return None


def comment_matches(comment: str, client_order_id: ClientOrderId | str) -> bool:
    """Return whether an MT5 comment was written for `client_order_id`."""
    return (comment or "").strip() == comment_from_client_order_id(client_order_id)


_MT5_ORDER_TYPES = {
    mt5c.ORDER_TYPE_BUY: (OrderSide.BUY, OrderType.MARKET),
    mt5c.ORDER_TYPE_SELL: (OrderSide.SELL, OrderType.MARKET),
    mt5c.ORDER_TYPE_BUY_LIMIT: (OrderSide.BUY, OrderType.LIMIT),
    mt5c.ORDER_TYPE_SELL_LIMIT: (OrderSide.SELL, OrderType.LIMIT),
    mt5c.ORDER_TYPE_BUY_STOP: (OrderSide.BUY, OrderType.STOP_MARKET),
    mt5c.ORDER_TYPE_SELL_STOP: (OrderSide.SELL, OrderType.STOP_MARKET),
    mt5c.ORDER_TYPE_BUY_STOP_LIMIT: (OrderSide.BUY, OrderType.STOP_LIMIT),
    mt5c.ORDER_TYPE_SELL_STOP_LIMIT: (OrderSide.SELL, OrderType.STOP_LIMIT),
}


def mt5_order_side_type(mt5_type: int) -> tuple[OrderSide, OrderType]:
    """Return the Nautilus side and type of an MT5 ``ORDER_TYPE_*``."""
    try:
        return _MT5_ORDER_TYPES[int(mt5_type)]
    except KeyError:
        raise ValueError(f"unsupported MT5 order type {mt5_type}") from None
