"""`execution_reconciliation` against the in-process terminal simulator: what the poll finds
(pending orders filled or canceled at the terminal, positions closed by the server's own
SL/TP), partial fills reported one for one whichever of the adapter's poll and Nautilus'
open-order check runs first, and a restarted node's poll keeping the client order id of an
order an earlier node sent.
"""

from __future__ import annotations

import pytest

from nautilus_rl_lab.adapters.metatrader5.core import DEFAULT_MAGIC
from nautilus_rl_lab.nt.model import ClientOrderId, OrderSide, OrderStatus, TimeInForce
from tests.adapters.metatrader5.conftest import (
    INSTRUMENT,
    WAIT,
    advance_until,
    current,
    eurusd,
    run_on_loop,
    terminal_buy,
)


def test_stop_orders_rest_then_fill_by_poll_and_the_other_is_canceled(session):
    node, probe, simulator = session
    instrument = eurusd(node)
    tick = simulator.symbol_info_tick("EURUSD")
    buy_stop = probe.order_factory.stop_market(
        INSTRUMENT,
        OrderSide.BUY,
        instrument.make_qty(10_000),
        trigger_price=instrument.make_price(tick.ask + 0.0005),
    )
    sell_stop = probe.order_factory.stop_market(
        INSTRUMENT,
        OrderSide.SELL,
        instrument.make_qty(10_000),
        trigger_price=instrument.make_price(tick.bid - 0.0005),
    )
    node.call(lambda: (probe.submit_order(buy_stop), probe.submit_order(sell_stop)))
    assert node.wait_until(
        lambda: (
            current(node, buy_stop).status == OrderStatus.ACCEPTED
            and current(node, sell_stop).status == OrderStatus.ACCEPTED
        ),
        timeout_secs=WAIT,
    )
    assert len(simulator.orders_get()) == 2
    assert {o.comment for o in simulator.orders_get()} == {
        buy_stop.client_order_id.value,
        sell_stop.client_order_id.value,
    }

    assert advance_until(
        node,
        simulator,
        lambda: current(node, buy_stop).is_closed or current(node, sell_stop).is_closed,
    )
    filled, other = (
        (buy_stop, sell_stop) if current(node, buy_stop).is_closed else (sell_stop, buy_stop)
    )
    assert current(node, filled).status == OrderStatus.FILLED
    node.call(lambda: probe.cancel_order(other.client_order_id))
    assert node.wait_until(
        lambda: current(node, other).status == OrderStatus.CANCELED, timeout_secs=WAIT
    )
    assert not simulator.orders_get()
    deal = [
        d
        for d in simulator.history_deals_get(0, 2**31 - 1)
        if d.order == int(current(node, filled).venue_order_id.value)
    ]
    assert float(current(node, filled).avg_px) == pytest.approx(deal[0].price)


def test_position_closed_by_the_servers_stop_loss_or_take_profit_is_reported(session):
    node, probe, simulator = session
    instrument = eurusd(node)
    tick = simulator.symbol_info_tick("EURUSD")
    order = probe.order_factory.market(INSTRUMENT, OrderSide.BUY, instrument.make_qty(10_000))
    params = {"sl": round(tick.bid - 0.0008, 5), "tp": round(tick.ask + 0.0008, 5)}
    node.call(lambda: probe.submit_order(order, params=params))
    assert node.wait_until(
        lambda: current(node, order).status == OrderStatus.FILLED, timeout_secs=WAIT
    )
    position = simulator.positions_get()[0]
    assert (position.sl, position.tp) == (params["sl"], params["tp"])

    assert advance_until(node, simulator, lambda: not simulator.positions_get())
    assert node.wait_until(lambda: not node.cache.positions_open(), timeout_secs=WAIT)
    closing = [o for o in node.cache.orders() if o.client_order_id != order.client_order_id]
    assert len(closing) == 1 and closing[0].status == OrderStatus.FILLED
    assert closing[0].strategy_id == probe.id  # claimed through `external_order_claims`
    assert node.wait_until(
        lambda: (
            node.cache.account_for_venue(INSTRUMENT.venue).balance_total().as_double()
            == pytest.approx(simulator.account_info().balance)
        ),
        timeout_secs=WAIT,
    )


def test_partial_fills_are_the_terminals_deals_one_for_one(manual_session):
    """The adapter's deal poll reports each partial fill (Nautilus' own open-order check runs in
    Rust: Python cannot drive it)."""
    node, probe, simulator = manual_session
    instrument = eurusd(node)
    poll = node.exec_client()._poll_pending_orders  # the adapter's deal poll
    tick = simulator.symbol_info_tick("EURUSD")
    order = probe.order_factory.limit(
        INSTRUMENT,
        OrderSide.BUY,
        instrument.make_qty(30_000),  # 0.3 lot: three parts
        price=instrument.make_price(tick.ask - 0.0003),
        time_in_force=TimeInForce.GTC,
    )
    node.call(lambda: probe.submit_order(order))
    assert node.wait_until(
        lambda: current(node, order).status == OrderStatus.ACCEPTED, timeout_secs=WAIT
    )
    ticket = int(current(node, order).venue_order_id.value)

    def terminal_deals():
        return simulator.history_deals_get(ticket=ticket) or ()

    saw_partial = False
    for _ in range(3_000):
        simulator.advance(1)
        working = bool(simulator.orders_get(ticket=ticket))
        saw_partial |= working and bool(terminal_deals())
        run_on_loop(node, poll)
        if not working:
            break
    assert saw_partial, "the terminal never held the order partially filled"
    deals = terminal_deals()
    assert len(deals) == 3

    def fills():
        return [e for e in probe.events if type(e).__name__ == "OrderFilled"]

    # 2.0 hands the strategy its events after the poll's turn of the loop, not within it
    node.wait_until(lambda: len(fills()) >= len(deals), timeout_secs=WAIT)
    assert [(f.trade_id.value, float(f.last_qty), float(f.last_px)) for f in fills()] == [
        (str(d.ticket), d.volume * 100_000, d.price) for d in deals
    ]
    assert current(node, order).status == OrderStatus.FILLED


@pytest.mark.parametrize("magic", [DEFAULT_MAGIC, 7], ids=["ours", "foreign"])
def test_the_poll_reports_a_deal_of_an_earlier_nodes_order_under_its_client_order_id(
    manual_session, magic
):
    """An earlier node's order (our magic, its client order id in the comment) that executed
    after this node's startup reconciliation (a timed-out send the server carried out, or a
    deal in the second before the restart): the poll reports it under that id, so every
    restart agrees on the order of each fill. Another expert's order stays external."""
    node, _, simulator = manual_session
    exec_client = node.exec_client()
    earlier = ClientOrderId("O-20261207-143302-001-000-14")  # another trader start
    result = terminal_buy(simulator, 0.1, magic, comment=earlier.value)
    assert not node.cache.orders()

    run_on_loop(node, exec_client._poll_external_deals)
    (order,) = node.cache.orders()
    assert order.status == OrderStatus.FILLED
    assert [t.value for t in order.trade_ids] == [str(result.deal)]
    assert order.venue_order_id.value == str(result.order)
    if magic == DEFAULT_MAGIC:
        assert order.client_order_id == earlier
    else:
        assert order.client_order_id != earlier  # Nautilus names an external order itself:
        assert order.client_order_id.value.startswith(order.venue_order_id.value)  # its ticket
