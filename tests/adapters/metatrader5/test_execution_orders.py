"""`execution_orders` against the in-process terminal simulator: modify, cancel refused by the
server, a lost link reconciled before any resend, reduce-only closes and flips.

Orders are sent from the test through the probe strategy on the node's loop thread
(`LiveNode.call`); the simulator's clock is advanced explicitly, and every check polls
for the expected state with a timeout.
"""

from __future__ import annotations

import pytest

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.nt.model import OrderSide, OrderStatus, TimeInForce
from tests.adapters.metatrader5.conftest import INSTRUMENT, WAIT, bought, current, eurusd


def test_modify_moves_the_pending_order_and_volume_changes_are_refused(session):
    node, probe, simulator = session
    instrument = eurusd(node)
    tick = simulator.symbol_info_tick("EURUSD")
    order = probe.order_factory.limit(
        INSTRUMENT,
        OrderSide.BUY,
        instrument.make_qty(10_000),
        price=instrument.make_price(tick.bid - 0.05),
        time_in_force=TimeInForce.GTC,
    )
    node.call(lambda: probe.submit_order(order))
    assert node.wait_until(
        lambda: current(node, order).status == OrderStatus.ACCEPTED, timeout_secs=WAIT
    )
    new_price = instrument.make_price(tick.bid - 0.04)
    node.call(lambda: probe.modify_order(order.client_order_id, price=new_price))
    assert node.wait_until(lambda: current(node, order).price == new_price, timeout_secs=WAIT)
    assert simulator.orders_get()[0].price_open == pytest.approx(float(new_price))

    node.call(
        lambda: probe.modify_order(order.client_order_id, quantity=instrument.make_qty(20_000))
    )
    assert node.wait_until(
        lambda: any(type(e).__name__ == "OrderModifyRejected" for e in probe.events),
        timeout_secs=WAIT,
    )
    rejected = next(e for e in probe.events if type(e).__name__ == "OrderModifyRejected")
    assert "volume" in rejected.reason
    node.call(lambda: probe.cancel_all_orders(INSTRUMENT))
    assert node.wait_until(
        lambda: current(node, order).status == OrderStatus.CANCELED, timeout_secs=WAIT
    )


@pytest.mark.parametrize("drop", ["before", "after"])
def test_link_lost_during_order_send_is_reconciled_before_any_resend(session, drop):
    node, probe, simulator = session
    instrument = eurusd(node)
    order = probe.order_factory.market(INSTRUMENT, OrderSide.SELL, instrument.make_qty(20_000))
    simulator.drop = drop
    node.call(lambda: probe.submit_order(order))
    assert node.wait_until(
        lambda: current(node, order).status == OrderStatus.FILLED, timeout_secs=WAIT
    )
    assert simulator.drop is None and not simulator.armed_faults()
    sent = [
        o
        for o in simulator.history_orders_get(0, 2**31 - 1)
        if o.comment == order.client_order_id.value
    ]
    assert len(sent) == 1, "the order must reach the terminal exactly once"
    terminal_units = sum(
        (1 if p.type == 0 else -1) * p.volume * 100_000 for p in simulator.positions_get()
    )
    assert terminal_units == -20_000
    assert float(current(node, order).filled_qty) == 20_000


def test_cancel_refused_by_the_server_is_reported_and_the_order_stays_working(session):
    node, probe, simulator = session
    instrument = eurusd(node)
    tick = simulator.symbol_info_tick("EURUSD")
    order = probe.order_factory.limit(
        INSTRUMENT,
        OrderSide.BUY,
        instrument.make_qty(10_000),
        price=instrument.make_price(tick.bid - 0.05),
        time_in_force=TimeInForce.GTC,
    )
    node.call(lambda: probe.submit_order(order))
    assert node.wait_until(
        lambda: current(node, order).status == OrderStatus.ACCEPTED, timeout_secs=WAIT
    )

    simulator.inject("reject")
    node.call(lambda: probe.cancel_order(order.client_order_id))
    assert node.wait_until(
        lambda: any(type(e).__name__ == "OrderCancelRejected" for e in probe.events),
        timeout_secs=WAIT,
    )
    rejected = next(e for e in probe.events if type(e).__name__ == "OrderCancelRejected")
    assert rejected.venue_order_id == current(node, order).venue_order_id
    assert current(node, order).status == OrderStatus.ACCEPTED
    assert len(simulator.orders_get()) == 1

    node.call(lambda: probe.cancel_order(order.client_order_id))
    assert node.wait_until(
        lambda: current(node, order).status == OrderStatus.CANCELED, timeout_secs=WAIT
    )


def test_reduce_only_orders_close_the_position_and_never_open_one(session):
    """A reduce-only SELL closes the long (hedging: it names the ticket, never a second
    position); with nothing left to reduce it is rejected, not sent as an opening deal."""
    node, probe, simulator = session
    instrument, factory = bought(node, probe, 30_000)
    for units in (10_000, 20_000):  # a partial close, then the rest
        close = factory.market(
            INSTRUMENT, OrderSide.SELL, instrument.make_qty(units), reduce_only=True
        )
        node.call(lambda close=close: probe.submit_order(close))
        assert node.wait_until(
            lambda close=close: current(node, close).is_closed, timeout_secs=WAIT
        )
        assert current(node, close).status == OrderStatus.FILLED
    assert simulator.positions_get() == ()
    assert node.wait_until(lambda: not node.cache.positions_open(), timeout_secs=WAIT)
    stray = factory.market(
        INSTRUMENT, OrderSide.SELL, instrument.make_qty(10_000), reduce_only=True
    )
    node.call(lambda: probe.submit_order(stray))
    assert node.wait_until(lambda: current(node, stray).is_closed, timeout_secs=WAIT)
    assert current(node, stray).status == OrderStatus.REJECTED
    assert "reduce-only" in current(node, stray).events()[-1].reason
    assert simulator.positions_get() == ()


def test_a_flip_is_a_reduce_only_close_and_an_open_sent_together(session):
    """The decision path's flip (`strategies.execution`): both orders leave in the same loop
    turn; the close takes the long (hedging: by its ticket), the open leaves a short."""
    node, probe, simulator = session
    instrument, factory = bought(node, probe, 10_000)
    qty = instrument.make_qty(10_000)
    close = factory.market(INSTRUMENT, OrderSide.SELL, qty, reduce_only=True)
    open_ = factory.market(INSTRUMENT, OrderSide.SELL, qty)
    node.call(lambda: (probe.submit_order(close), probe.submit_order(open_)))
    assert node.wait_until(
        lambda: current(node, close).is_closed and current(node, open_).is_closed, timeout_secs=WAIT
    )
    assert (current(node, close).status, current(node, open_).status) == (
        OrderStatus.FILLED,
        OrderStatus.FILLED,
    )
    (short,) = simulator.positions_get()
    assert (short.type, short.volume) == (mt5c.POSITION_TYPE_SELL, 0.1)
