"""`Mt5ExecutionClient` against the in-process terminal simulator: pending orders, cancel,
modify, SL/TP closes by the server, account state and reconciliation reports.

Orders are sent from the test through a probe strategy on the node's loop thread
(`LiveNode.call`); the simulator's clock is advanced explicitly, and every check polls
for the expected state with a timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.enums import OrderSide, OrderStatus, TimeInForce
from nautilus_trader.model.identifiers import ClientId, InstrumentId
from nautilus_trader.trading.strategy import Strategy

from nautilus_rl_lab.adapters.metatrader5.execution import oms_type_for_account
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import Mt5SimulatorConfig
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.simulator import Mt5TerminalSimulator
from nautilus_rl_lab.nodes.live import LiveNode
from tests.adapters.metatrader5.conftest import live_session

INSTRUMENT = InstrumentId.from_str("EURUSD.MT5")
WAIT = 10.0


class ProbeConfig(StrategyConfig, frozen=True):
    """A strategy driven from the test."""


class Probe(Strategy):
    """Sends what the test asks and keeps the events."""

    def __init__(self, config: ProbeConfig) -> None:
        super().__init__(config)
        self.events: list = []

    def on_order_event(self, event) -> None:
        self.events.append(event)


class FlakyLinkSimulator(Mt5TerminalSimulator):
    """The simulator, whose link can drop exactly around one `order_send`.

    ``drop = "before"``: the link is down when the request is sent (nothing executes);
    ``drop = "after"``: the request executes but the reply is lost with the link.
    """

    drop: str | None = None

    def order_send(self, request):
        drop, self.drop = self.drop, None
        if drop == "before":
            self.inject("disconnect", count=3)
            return super().order_send(request)
        result = super().order_send(request)
        if drop == "after":
            self.inject("disconnect", count=3)
            self.account_info()  # fails: last_error() is now (-10004, "No IPC connection")
            return None
        return result


@pytest.fixture(params=["netting", "hedging"])
def session(request) -> Iterator[tuple[LiveNode, Probe, Mt5TerminalSimulator]]:
    sim_config = Mt5SimulatorConfig(
        bar_seconds=60,
        synthetic_bars=3_000,
        warmup_bars=20,
        margin_mode=request.param,
        seed=3,
    )
    with live_session(
        FlakyLinkSimulator(config=sim_config),
        sim_config,
        f"{__name__}:Probe",
        {"external_order_claims": [str(INSTRUMENT)]},
        poll_interval_secs=0.02,
    ) as running:
        yield running


def _advance_until(
    node: LiveNode, simulator: Mt5TerminalSimulator, predicate, bars: int = 400
) -> bool:
    for _ in range(bars):
        if predicate():
            return True
        simulator.advance(1)
        node.wait_until(predicate, timeout_secs=0.05)
    return node.wait_until(predicate, timeout_secs=1.0)


def _instrument(node: LiveNode):
    return node.cache.instrument(INSTRUMENT)


def test_oms_type_follows_the_account_margin_mode():
    from nautilus_trader.model.enums import OmsType

    assert oms_type_for_account(mt5c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING) == OmsType.HEDGING
    assert oms_type_for_account(mt5c.ACCOUNT_MARGIN_MODE_RETAIL_NETTING) == OmsType.NETTING
    with pytest.raises(ConfigError, match="margin_mode"):
        oms_type_for_account(mt5c.ACCOUNT_MARGIN_MODE_RETAIL_NETTING, "HEDGING")


def test_account_state_is_the_terminals(session):
    node, _, simulator = session
    account = node.cache.accounts()[0]
    info = simulator.account_info()
    assert str(account.id) == f"MT5-{info.login}"
    assert account.balance_total().as_double() == pytest.approx(info.balance)
    assert account.base_currency.code == info.currency
    assert account.last_event.info["margin_mode"] == info.margin_mode
    assert not account.calculate_account_state  # reported by the terminal, never recomputed


def test_stop_orders_rest_then_fill_by_poll_and_the_other_is_canceled(session):
    node, probe, simulator = session
    instrument = _instrument(node)
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
            buy_stop.status == OrderStatus.ACCEPTED and sell_stop.status == OrderStatus.ACCEPTED
        ),
        timeout_secs=WAIT,
    )
    assert len(simulator.orders_get()) == 2
    assert {o.comment for o in simulator.orders_get()} == {
        buy_stop.client_order_id.value,
        sell_stop.client_order_id.value,
    }

    assert _advance_until(node, simulator, lambda: buy_stop.is_closed or sell_stop.is_closed)
    filled, other = (buy_stop, sell_stop) if buy_stop.is_closed else (sell_stop, buy_stop)
    assert filled.status == OrderStatus.FILLED
    node.call(lambda: probe.cancel_order(other))
    assert node.wait_until(lambda: other.status == OrderStatus.CANCELED, timeout_secs=WAIT)
    assert not simulator.orders_get()
    deal = [
        d
        for d in simulator.history_deals_get(0, 2**31 - 1)
        if d.order == int(filled.venue_order_id.value)
    ]
    assert float(filled.avg_px) == pytest.approx(deal[0].price)


def test_modify_moves_the_pending_order_and_volume_changes_are_refused(session):
    node, probe, simulator = session
    instrument = _instrument(node)
    tick = simulator.symbol_info_tick("EURUSD")
    order = probe.order_factory.limit(
        INSTRUMENT,
        OrderSide.BUY,
        instrument.make_qty(10_000),
        price=instrument.make_price(tick.bid - 0.05),
        time_in_force=TimeInForce.GTC,
    )
    node.call(lambda: probe.submit_order(order))
    assert node.wait_until(lambda: order.status == OrderStatus.ACCEPTED, timeout_secs=WAIT)
    new_price = instrument.make_price(tick.bid - 0.04)
    node.call(lambda: probe.modify_order(order, price=new_price))
    assert node.wait_until(lambda: order.price == new_price, timeout_secs=WAIT)
    assert simulator.orders_get()[0].price_open == pytest.approx(float(new_price))

    node.call(lambda: probe.modify_order(order, quantity=instrument.make_qty(20_000)))
    assert node.wait_until(
        lambda: any(type(e).__name__ == "OrderModifyRejected" for e in probe.events),
        timeout_secs=WAIT,
    )
    rejected = next(e for e in probe.events if type(e).__name__ == "OrderModifyRejected")
    assert "volume" in rejected.reason
    node.call(lambda: probe.cancel_all_orders(INSTRUMENT))
    assert node.wait_until(lambda: order.status == OrderStatus.CANCELED, timeout_secs=WAIT)


def test_position_closed_by_the_servers_stop_loss_or_take_profit_is_reported(session):
    node, probe, simulator = session
    instrument = _instrument(node)
    tick = simulator.symbol_info_tick("EURUSD")
    order = probe.order_factory.market(INSTRUMENT, OrderSide.BUY, instrument.make_qty(10_000))
    params = {"sl": round(tick.bid - 0.0008, 5), "tp": round(tick.ask + 0.0008, 5)}
    node.call(lambda: probe.submit_order(order, params=params))
    assert node.wait_until(lambda: order.status == OrderStatus.FILLED, timeout_secs=WAIT)
    position = simulator.positions_get()[0]
    assert (position.sl, position.tp) == (params["sl"], params["tp"])

    assert _advance_until(node, simulator, lambda: not simulator.positions_get())
    assert node.wait_until(lambda: not node.cache.positions_open(), timeout_secs=WAIT)
    closing = [o for o in node.cache.orders() if o.client_order_id != order.client_order_id]
    assert len(closing) == 1 and closing[0].status == OrderStatus.FILLED
    assert closing[0].strategy_id == probe.id  # claimed through `external_order_claims`
    assert node.wait_until(
        lambda: (
            node.cache.accounts()[0].balance_total().as_double()
            == pytest.approx(simulator.account_info().balance)
        ),
        timeout_secs=WAIT,
    )


@pytest.mark.parametrize("drop", ["before", "after"])
def test_link_lost_during_order_send_is_reconciled_before_any_resend(session, drop):
    node, probe, simulator = session
    instrument = _instrument(node)
    order = probe.order_factory.market(INSTRUMENT, OrderSide.SELL, instrument.make_qty(20_000))
    simulator.drop = drop
    node.call(lambda: probe.submit_order(order))
    assert node.wait_until(lambda: order.status == OrderStatus.FILLED, timeout_secs=WAIT)
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
    assert float(order.filled_qty) == 20_000


def test_cancel_refused_by_the_server_is_reported_and_the_order_stays_working(session):
    node, probe, simulator = session
    instrument = _instrument(node)
    tick = simulator.symbol_info_tick("EURUSD")
    order = probe.order_factory.limit(
        INSTRUMENT,
        OrderSide.BUY,
        instrument.make_qty(10_000),
        price=instrument.make_price(tick.bid - 0.05),
        time_in_force=TimeInForce.GTC,
    )
    node.call(lambda: probe.submit_order(order))
    assert node.wait_until(lambda: order.status == OrderStatus.ACCEPTED, timeout_secs=WAIT)

    simulator.inject("reject")
    node.call(lambda: probe.cancel_order(order))
    assert node.wait_until(
        lambda: any(type(e).__name__ == "OrderCancelRejected" for e in probe.events),
        timeout_secs=WAIT,
    )
    rejected = next(e for e in probe.events if type(e).__name__ == "OrderCancelRejected")
    assert rejected.venue_order_id == order.venue_order_id
    assert order.status == OrderStatus.ACCEPTED
    assert len(simulator.orders_get()) == 1

    node.call(lambda: probe.cancel_order(order))
    assert node.wait_until(lambda: order.status == OrderStatus.CANCELED, timeout_secs=WAIT)


@pytest.fixture(params=["netting", "hedging"])
def manual_session(request) -> Iterator[tuple[LiveNode, Probe, Mt5TerminalSimulator]]:
    """A session whose adapter poll and open-order check run only when the test says so.

    The terminal fills triggered pending orders 0.1 lot per tick (`pending_fill_lots`).
    """
    sim_config = Mt5SimulatorConfig(
        bar_seconds=60,
        synthetic_bars=3_000,
        warmup_bars=20,
        margin_mode=request.param,
        seed=3,
        pending_fill_lots=0.1,
    )
    with live_session(
        Mt5TerminalSimulator(config=sim_config),
        sim_config,
        f"{__name__}:Probe",
        poll_interval_secs=3_600.0,  # the test runs the poll itself
        open_check_interval_secs=None,  # ... and Nautilus' open-order check
    ) as running:
        yield running


def _run_on_loop(node: LiveNode, make_coro) -> None:
    """Run a coroutine on the node's loop and let the events it emitted be processed."""
    asyncio.run_coroutine_threadsafe(make_coro(), node.get_event_loop()).result(WAIT)
    node.call(lambda: None)  # the queued events are handled before this runs


@pytest.mark.parametrize("first", ["open_order_check", "adapter_poll"])
def test_partial_fills_are_the_terminals_deals_one_for_one_whichever_check_runs_first(
    manual_session, first
):
    node, probe, simulator = manual_session
    instrument = _instrument(node)
    exec_client = node.kernel.exec_engine._clients[ClientId("MT5")]
    engine = node.kernel.exec_engine
    check = engine._check_orders_consistency  # Nautilus' periodic open-order check
    poll = exec_client._poll_pending_orders  # the adapter's deal poll
    steps = (check, poll) if first == "open_order_check" else (poll, check)
    tick = simulator.symbol_info_tick("EURUSD")
    order = probe.order_factory.limit(
        INSTRUMENT,
        OrderSide.BUY,
        instrument.make_qty(30_000),  # 0.3 lot: three parts
        price=instrument.make_price(tick.ask - 0.0003),
        time_in_force=TimeInForce.GTC,
    )
    node.call(lambda: probe.submit_order(order))
    assert node.wait_until(lambda: order.status == OrderStatus.ACCEPTED, timeout_secs=WAIT)
    ticket = int(order.venue_order_id.value)

    def terminal_deals():
        return simulator.history_deals_get(ticket=ticket) or ()

    saw_partial = False
    for _ in range(3_000):
        simulator.advance(1)
        working = bool(simulator.orders_get(ticket=ticket))
        saw_partial |= working and bool(terminal_deals())
        for step in steps:
            _run_on_loop(node, step)
        if not working:
            break
    assert saw_partial, "the terminal never held the order partially filled"
    deals = terminal_deals()
    assert len(deals) == 3
    fills = [e for e in probe.events if type(e).__name__ == "OrderFilled"]
    assert [(f.trade_id.value, float(f.last_qty), float(f.last_px)) for f in fills] == [
        (str(d.ticket), d.volume * 100_000, d.price) for d in deals
    ]
    assert order.status == OrderStatus.FILLED


def _bought(node: LiveNode, probe: Probe, units: int):
    """Buy `units` through `probe` and wait for the fill; return the instrument and factory."""
    instrument, factory = _instrument(node), probe.order_factory
    buy = factory.market(INSTRUMENT, OrderSide.BUY, instrument.make_qty(units))
    node.call(lambda: probe.submit_order(buy))
    assert node.wait_until(lambda: buy.status == OrderStatus.FILLED, timeout_secs=WAIT)
    return instrument, factory


def test_reduce_only_orders_close_the_position_and_never_open_one(session):
    """A reduce-only SELL closes the long (hedging: it names the ticket, never a second
    position); with nothing left to reduce it is rejected, not sent as an opening deal."""
    node, probe, simulator = session
    instrument, factory = _bought(node, probe, 30_000)
    for units in (10_000, 20_000):  # a partial close, then the rest
        close = factory.market(
            INSTRUMENT, OrderSide.SELL, instrument.make_qty(units), reduce_only=True
        )
        node.call(lambda close=close: probe.submit_order(close))
        assert node.wait_until(lambda close=close: close.is_closed, timeout_secs=WAIT)
        assert close.status == OrderStatus.FILLED
    assert simulator.positions_get() == ()
    assert node.wait_until(lambda: not node.cache.positions_open(), timeout_secs=WAIT)
    stray = factory.market(
        INSTRUMENT, OrderSide.SELL, instrument.make_qty(10_000), reduce_only=True
    )
    node.call(lambda: probe.submit_order(stray))
    assert node.wait_until(lambda: stray.is_closed, timeout_secs=WAIT)
    assert stray.status == OrderStatus.REJECTED
    assert "reduce-only" in stray.events[-1].reason
    assert simulator.positions_get() == ()


def test_a_flip_is_a_reduce_only_close_and_an_open_sent_together(session):
    """The decision path's flip (`strategies.execution`): both orders leave in the same loop
    turn; the close takes the long (hedging: by its ticket), the open leaves a short."""
    node, probe, simulator = session
    instrument, factory = _bought(node, probe, 10_000)
    qty = instrument.make_qty(10_000)
    close = factory.market(INSTRUMENT, OrderSide.SELL, qty, reduce_only=True)
    open_ = factory.market(INSTRUMENT, OrderSide.SELL, qty)
    node.call(lambda: (probe.submit_order(close), probe.submit_order(open_)))
    assert node.wait_until(lambda: close.is_closed and open_.is_closed, timeout_secs=WAIT)
    assert (close.status, open_.status) == (OrderStatus.FILLED, OrderStatus.FILLED)
    (short,) = simulator.positions_get()
    assert (short.type, short.volume) == (mt5c.POSITION_TYPE_SELL, 0.1)
