"""The Redis repair step: a NETTING flip stored the way Nautilus 1.221 stores it aborts the load;
after `repair_flipped_positions` the position loads as the node held it in memory.

1.221 only: on 2.0 a node with Python clients refuses a cache database, and 2.0's Redis adapter
replaces a position's list when the position is added (`prototypes/nt2/live_redis_probe.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from nautilus_rl_lab.nt.common import CacheConfig
from nautilus_rl_lab.nt.core import UUID4
from nautilus_rl_lab.nt.model import (
    Money,
    OrderSide,
    Position,
    PositionId,
    PositionSide,
    Price,
    Quantity,
    TradeId,
    TraderId,
)
from nautilus_rl_lab.nt.testkit import TestInstrumentProvider
from nautilus_rl_lab.nt.version import NT2
from tests.services import redis_server

pytestmark = pytest.mark.skipif(NT2, reason="NautilusTrader 1.221's Redis record and its defect")
if not NT2:
    from nautilus_trader.cache.database import CacheDatabaseAdapter
    from nautilus_trader.common.config import DatabaseConfig
    from nautilus_trader.test_kit.stubs.events import TestEventStubs
    from nautilus_trader.test_kit.stubs.execution import TestExecStubs

    from nautilus_rl_lab.nodes.redis_repair import _serializer, repair_flipped_positions

TRADER = "TRADER-001"
POSITION = PositionId("EUR/USD.SIM-AgentStrategy-000")


@pytest.fixture
def cache_config() -> Iterator[CacheConfig]:
    with redis_server() as (host, port):
        yield CacheConfig(database=DatabaseConfig(type="redis", host=host, port=port))


def _fill(instrument, side: OrderSide, qty: int, px: str, trade: str, split: int | None = None):
    order = TestExecStubs.market_order(instrument, side, Quantity.from_int(split or qty))
    return TestEventStubs.order_filled(
        order, instrument, trade_id=TradeId(trade), position_id=POSITION,
        last_qty=Quantity.from_int(qty), last_px=Price.from_str(px),
    )  # fmt: skip


def _store_flip(config: CacheConfig):
    """Open long 10k, flip to short 10k with one 20k sell (split as `_flip_position` does),
    then add 10k more: the Redis calls Nautilus' cache makes for these fills."""
    instrument = TestInstrumentProvider.default_fx_ccy("EUR/USD")
    db = CacheDatabaseAdapter(TraderId(TRADER), UUID4(), _serializer(config), config)
    db.add_instrument(instrument)
    long = Position(instrument, _fill(instrument, OrderSide.BUY, 10_000, "1.10000", "T1"))
    db.add_position(long)
    long.apply(_fill(instrument, OrderSide.SELL, 10_000, "1.10100", "T2", split=20_000))
    db.update_position(long)  # the closing part
    short = Position(instrument, _fill(instrument, OrderSide.SELL, 10_000, "1.10100", "T2"))
    db.add_position(short)  # the opening part: appended to the same list
    short.apply(_fill(instrument, OrderSide.SELL, 10_000, "1.10200", "T3"))
    db.update_position(short)
    db.close()
    return short


def _load(config: CacheConfig) -> Position | None:
    db = CacheDatabaseAdapter(TraderId(TRADER), UUID4(), _serializer(config), config)
    try:
        return db.load_position(POSITION)
    finally:
        db.close()


def test_a_stored_netting_flip_aborts_the_load_until_repaired(cache_config: CacheConfig) -> None:
    held = _store_flip(cache_config)
    with pytest.raises(KeyError, match="Duplicate"):
        _load(cache_config)
    assert repair_flipped_positions(TRADER, cache_config) == [POSITION.value]
    loaded = _load(cache_config)
    assert loaded is not None
    assert loaded.side == PositionSide.SHORT == held.side
    assert loaded.quantity == held.quantity == Quantity.from_int(20_000)
    assert loaded.avg_px_open == pytest.approx(held.avg_px_open)
    assert [str(t) for t in loaded.trade_ids] == ["T2", "T3"]
    assert repair_flipped_positions(TRADER, cache_config) == []  # nothing left to repair


def test_positions_without_a_flip_are_left_alone(cache_config: CacheConfig) -> None:
    instrument = TestInstrumentProvider.default_fx_ccy("EUR/USD")
    db = CacheDatabaseAdapter(TraderId(TRADER), UUID4(), _serializer(cache_config), cache_config)
    db.add_instrument(instrument)
    position = Position(instrument, _fill(instrument, OrderSide.BUY, 10_000, "1.10000", "T1"))
    db.add_position(position)
    position.apply(_fill(instrument, OrderSide.BUY, 5_000, "1.10050", "T2"))
    db.update_position(position)
    db.close()
    assert repair_flipped_positions(TRADER, cache_config) == []
    loaded = _load(cache_config)
    assert loaded is not None and loaded.quantity == Quantity.from_int(15_000)
    assert Decimal(str(loaded.avg_px_open)) > Decimal("1.1")
    assert isinstance(loaded.realized_pnl, Money)
