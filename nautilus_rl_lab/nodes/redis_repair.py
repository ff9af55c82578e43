"""Repair Nautilus 1.221's Redis record of flipped NETTING positions before a node loads it.

The defect: when a fill flips a NETTING position (long -> short in one order), Nautilus'
`ExecutionEngine._flip_position` splits the fill in two with the SAME trade id, side and price:
the first part closes the position (`Cache.update_position` appends it to the Redis list
`positions:<id>`), the second opens a new `Position` object under the same id
(`_open_position(..., None, ...)` -> `Cache.add_position` -> `CacheDatabaseAdapter.add_position`,
which appends it to the same list). In memory the node keeps only the new position; on the
next start `CacheDatabaseAdapter.load_position` replays the whole list into ONE position, and
`Position.apply` refuses the second part (`KeyError: Duplicate TradeId`) whenever both parts
have the same quantity (a flip from +q to -q): the node aborts while building its cache.
No configuration avoids it: `flush_on_start` drops the whole cache, `snapshot_positions`
only adds snapshot streams, the list is written whatever the OMS or encoding, and HEDGING
changes how positions are booked.

`repair_flipped_positions(trader_id, cache)` rewrites every such list so that it starts at the
last flip's opening part, i.e. exactly the position the node held in memory (the closed part
was not kept there either: 1.221 snapshots a netting position only when it reopens from flat).
It writes through Nautilus' own `CacheDatabaseAdapter` (`delete_position`, `add_position`,
`update_position`), so keys and indexes are Nautilus' own.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from nautilus_trader.cache.database import CacheDatabaseAdapter
from nautilus_trader.common.config import msgspec_encoding_hook
from nautilus_trader.core import nautilus_pyo3
from nautilus_trader.serialization.serializer import MsgSpecSerializer

from nautilus_rl_lab.nt.common import CacheConfig
from nautilus_rl_lab.nt.core import UUID4
from nautilus_rl_lab.nt.model import OrderFilled, Position, PositionId, TraderId

logger = logging.getLogger(__name__)

POSITIONS = "positions"


def _serializer(cache: CacheConfig) -> MsgSpecSerializer:
    """The serializer Nautilus' kernel gives its cache database (`system.kernel`)."""
    return MsgSpecSerializer(
        encoding=msgspec.msgpack if cache.encoding == "msgpack" else msgspec.json,
        timestamps_as_str=True,
        timestamps_as_iso8601=cache.timestamps_as_iso8601,
    )


def flip_start(fills: list[OrderFilled]) -> int:
    """Index of the last flip's opening part (the second of two consecutive fills with one
    trade id), 0 if the list holds no flip."""
    for i in range(len(fills) - 1, 0, -1):
        if fills[i].trade_id == fills[i - 1].trade_id:
            return i
    return 0


def repair_flipped_positions(trader_id: str, cache: CacheConfig) -> list[str]:
    """Rewrite the Redis position lists that hold a NETTING flip; return the repaired ids."""
    serializer = _serializer(cache)
    # the raw backing `CacheDatabaseAdapter` reads through (1.221's type stub lacks its methods)
    backing: Any = nautilus_pyo3.RedisCacheDatabase
    reader = backing(
        trader_id=nautilus_pyo3.TraderId(trader_id),
        instance_id=nautilus_pyo3.UUID4(),
        config_json=msgspec.json.encode(cache, enc_hook=msgspec_encoding_hook),
    )
    writer = CacheDatabaseAdapter(TraderId(trader_id), UUID4(), serializer, cache)
    repaired: list[str] = []
    try:
        for key in reader.keys(f"{POSITIONS}*"):
            position_id = key.rsplit(":", maxsplit=1)[1]
            fills = [
                serializer.deserialize(raw) for raw in reader.read(f"{POSITIONS}:{position_id}")
            ]
            start = flip_start(fills)
            if start == 0:
                continue
            instrument = writer.load_instrument(fills[start].instrument_id)
            if instrument is None:
                logger.error("cannot repair position %s: instrument not cached", position_id)
                continue
            writer.delete_position(PositionId(position_id))
            position = Position(instrument, fills[start])
            writer.add_position(position)
            for fill in fills[start + 1 :]:
                position.apply(fill)
                writer.update_position(position)
            repaired.append(position_id)
            logger.warning(
                "Redis cache: position %s held a NETTING flip (Nautilus 1.221 stores its split "
                "fill twice); kept its %d fills from the flip on, dropped %d before it",
                position_id, len(fills) - start, start,
            )  # fmt: skip
    finally:
        writer.close()
        reader.close()
    return repaired
