"""Venue-side stop-loss/take-profit on MT5: the OTO children of `submit_protected` become the
position's sl/tp at the terminal, and the terminal's SL/TP closes come back as their fills.

A `LiveNode` trades against the MT5 terminal simulator served over RPyC on 127.0.0.1. The
price path is scripted bar by bar (the simulator makes four ticks per bar: open, then low
and high in the bar's direction, then close), so a bar whose low (high) is exactly the stop
(limit) price makes the terminal close at that price. The clock moves only when the test
advances it, and every check waits for a state that must come.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from decimal import Decimal
from types import SimpleNamespace

import pandas as pd
import pytest

from nautilus_rl_lab.agents import BuyAndHoldAgent
from nautilus_rl_lab.mt5 import Mt5SimulatorConfig
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.rpyc import ServerHandle, serve
from nautilus_rl_lab.mt5.simulator import Mt5TerminalSimulator
from nautilus_rl_lab.nodes.live import LiveNode
from nautilus_rl_lab.nt.common import ImportableActorConfig
from nautilus_rl_lab.nt.core import UUID4
from nautilus_rl_lab.nt.model import InstrumentId, Order, OrderSide, OrderStatus
from nautilus_rl_lab.nt.trading import ImportableStrategyConfig, Strategy, StrategyConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.strategies.protection import (
    STOP_LOSS_TAG,
    TAKE_PROFIT_TAG,
    cancel_protection,
    submit_protected,
)
from nautilus_rl_lab.strategies.risk import RiskLimits
from tests.adapters.metatrader5.conftest import current, rpyc_node_config

INSTRUMENT = InstrumentId.from_str("EURUSD.MT5")
BAR_TYPE = "EURUSD.MT5-1-MINUTE-BID-EXTERNAL"
MAGIC = 4_242
WAIT = 10.0
WARMUP = 20
PRICE = 1.1  # every flat bar: open = high = low = close
LIMITS = RiskLimits(stop_loss=0.01, take_profit=0.02)  # sl 1.08900, tp 1.12200 from 1.1
SL_PRICE, TP_PRICE = 1.089, 1.122
ACTION = SchemeConfig(name="target_position", params={"trade_size": 10_000})


class ProbeConfig(StrategyConfig, frozen=True):
    """A strategy driven from the test."""


class Probe(Strategy):
    """Sends what the test asks (on the node's loop, through `LiveNode.call`)."""


def _bars(*special: tuple[int, tuple[float, float, float, float]], n: int = 60) -> pd.DataFrame:
    """`n` flat one-minute bars at `PRICE`, with ``(index, (open, high, low, close))`` replaced."""
    rows = [(PRICE, PRICE, PRICE, PRICE)] * n
    for index, bar in special:
        rows[index] = bar
        rows[index + 1 :] = [(bar[3],) * 4] * (n - index - 1)  # flat at its close afterwards
    index = pd.date_range("2024-01-08", periods=n, freq="1min", tz="UTC")  # a Monday
    return pd.DataFrame(rows, index=index, columns=["open", "high", "low", "close"])


@pytest.fixture(params=["netting", "hedging"])
def margin_mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def start_node(margin_mode: str) -> Iterator[Callable[..., tuple[LiveNode, Mt5TerminalSimulator]]]:
    """Start a `LiveNode` on a simulator of the given bars, served over RPyC."""
    started: list[tuple[LiveNode, ServerHandle]] = []

    def start(bars: pd.DataFrame, strategies=(), actors=()):
        config = Mt5SimulatorConfig(
            bar_seconds=60, warmup_bars=WARMUP, margin_mode=margin_mode, commission_per_lot=3.5
        )
        simulator = Mt5TerminalSimulator(bars, config=config)
        handle = serve(simulator, "127.0.0.1", 0)
        node = LiveNode(
            rpyc_node_config(
                handle.port, strategies, actors, magic=MAGIC, open_check_interval_secs=0.5
            )
        )
        started.append((node, handle))
        node.start()
        return node, simulator

    yield start
    for node, handle in started:
        node.dispose()
        handle.stop()


def _probe_node(start_node, bars: pd.DataFrame) -> tuple[LiveNode, Probe, Mt5TerminalSimulator]:
    probe = ImportableStrategyConfig(
        strategy_path=f"{__name__}:Probe", config_path=f"{__name__}:ProbeConfig", config={}
    )
    node, simulator = start_node(bars, strategies=[probe])
    return node, node.trader.strategies()[0], simulator


def _children(node: LiveNode) -> tuple[Order, Order]:
    """The latest stop-loss and take-profit children."""
    orders = node.cache.orders()
    sl = [o for o in orders if STOP_LOSS_TAG in (o.tags or [])][-1]
    tp = [o for o in orders if TAKE_PROFIT_TAG in (o.tags or [])][-1]
    return sl, tp


def _protect(node: LiveNode, probe: Probe, target: float, limits: RiskLimits = LIMITS) -> None:
    """What `DecisionPath` does for a target: cancel the old protection, send the new list."""
    instrument = node.cache.instrument(INSTRUMENT)
    position = sum(p.signed_qty for p in node.cache.positions_open())
    delta = target - position
    node.call(
        lambda: (
            cancel_protection(probe, instrument),
            submit_protected(
                probe,
                instrument,
                OrderSide.BUY if delta > 0 else OrderSide.SELL,
                instrument.make_qty(abs(delta)),
                target,
                PRICE,
                limits,
            ),
        )
    )
    assert node.wait_until(
        lambda: all(o.status == OrderStatus.ACCEPTED for o in _children(node)), timeout_secs=WAIT
    ), [o.status for o in node.cache.orders()]


def _advance_until(node: LiveNode, simulator: Mt5TerminalSimulator, predicate, bars: int = 20):
    for _ in range(bars):
        if node.wait_until(predicate, timeout_secs=0.1):
            return True
        simulator.advance_bars(1)
    return node.wait_until(predicate, timeout_secs=WAIT)


def _stops(simulator: Mt5TerminalSimulator) -> list[tuple[float, float]]:
    return [(p.sl, p.tp) for p in simulator.positions_get()]


def _terminal_units(simulator: Mt5TerminalSimulator) -> Decimal:
    return sum(
        ((1 if p.type == 0 else -1) * Decimal(repr(p.volume)) * 100_000)
        for p in simulator.positions_get()
    ) or Decimal(0)


def _assert_no_external_orders(node: LiveNode, strategy: Strategy) -> None:
    assert {o.strategy_id for o in node.cache.orders()} == {strategy.id}


def _report_command(**fields):
    """A report command as the execution engine sends it: NautilusTrader 2.0 builds its commands
    in Rust only, so it is the fields the client reads."""
    return SimpleNamespace(command_id=UUID4(), ts_init=0, **fields)


def _run_on_loop(node: LiveNode, make_coro):
    return asyncio.run_coroutine_threadsafe(make_coro(), node.get_event_loop()).result(WAIT)


# -- tests -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "bar", "reason"),
    [
        ("stop_loss", (PRICE, PRICE, SL_PRICE, 1.092), mt5c.DEAL_REASON_SL),
        ("take_profit", (PRICE, TP_PRICE, PRICE, 1.11), mt5c.DEAL_REASON_TP),
    ],
)
def test_agent_protection_closes_at_the_terminal_as_the_fill_of_its_child(
    start_node, tmp_path, rule, bar, reason
):
    agent_dir = BuyAndHoldAgent(ACTION).save(tmp_path / "agent")
    agent = ImportableActorConfig(
        actor_path="nautilus_rl_lab.agents:RLAgent",
        config_path="nautilus_rl_lab.agents:RLAgentConfig",
        config={
            "instrument_id": str(INSTRUMENT),
            "bar_type": BAR_TYPE,
            "agent_path": str(agent_dir),
            "observation": {"name": "window", "params": {"window": 3}},
            "action": ACTION.dict(),
        },
    )
    executor = ImportableStrategyConfig(
        strategy_path="nautilus_rl_lab.strategies:AgentStrategy",
        config_path="nautilus_rl_lab.strategies:AgentStrategyConfig",
        config={"instrument_id": str(INSTRUMENT), "action": ACTION.dict(), "risk": LIMITS.dict()},
    )
    cross = WARMUP + 12  # the agent is long and protected well before this bar
    node, simulator = start_node(_bars((cross, bar)), strategies=[executor], actors=[agent])
    strategy = node.trader.strategies()[0]

    def protected() -> bool:
        orders = node.cache.orders()
        return len(orders) == 3 and all(o.status == OrderStatus.ACCEPTED for o in _children(node))

    assert _advance_until(node, simulator, protected, bars=cross - WARMUP - 1)
    sl, tp = _children(node)
    assert (float(sl.trigger_price), float(current(node, tp).price)) == (SL_PRICE, TP_PRICE)
    assert _stops(simulator) == [(SL_PRICE, TP_PRICE)]
    assert not simulator.orders_get(), "no pending order stands for the children"

    assert _advance_until(node, simulator, lambda: not simulator.positions_get())
    exits = [d for d in simulator.history_deals_get(0, 2**31 - 1) if d.entry == mt5c.DEAL_ENTRY_OUT]
    assert [(d.reason, d.price) for d in exits] == [
        (reason, bar[2] if rule == "stop_loss" else bar[1])
    ]
    filled, other = (sl, tp) if rule == "stop_loss" else (tp, sl)
    assert node.wait_until(
        lambda: (
            current(node, filled).status == OrderStatus.FILLED
            and current(node, other).status == OrderStatus.CANCELED
        ),
        timeout_secs=WAIT,
    )
    assert (
        float(current(node, filled).avg_px)
        == exits[0].price
        == (SL_PRICE if rule == "stop_loss" else TP_PRICE)
    )
    assert [t.value for t in current(node, filled).trade_ids] == [str(exits[0].ticket)]
    assert node.wait_until(lambda: not node.cache.positions_open(), timeout_secs=WAIT)
    assert _terminal_units(simulator) == 0
    _assert_no_external_orders(node, strategy)
    assert len(node.cache.orders()) == 3
    assert node.wait_until(
        lambda: (
            node.cache.account_for_venue(INSTRUMENT.venue).balance_total().as_double()
            == pytest.approx(simulator.account_info().balance)
        ),
        timeout_secs=WAIT,
    )
    assert rule in [e.rule for e in strategy.risk.events]


@pytest.mark.parametrize("margin_mode", ["netting"])
def test_scale_in_replaces_the_position_stops_and_the_new_stop_closes_it_all(start_node):
    tighter = RiskLimits(stop_loss=0.005, take_profit=0.01)  # sl 1.09450, tp 1.11100
    node, probe, simulator = _probe_node(
        start_node, _bars((WARMUP + 3, (PRICE, PRICE, 1.0945, 1.095)))
    )
    _protect(node, probe, 10_000)
    first_sl, first_tp = _children(node)
    assert _stops(simulator) == [(SL_PRICE, TP_PRICE)]

    _protect(node, probe, 20_000, tighter)
    sl, tp = _children(node)
    assert sl is not first_sl
    assert node.wait_until(
        lambda: (
            current(node, first_sl).status == current(node, first_tp).status == OrderStatus.CANCELED
        ),
        timeout_secs=WAIT,
    )
    assert _terminal_units(simulator) == 20_000
    assert (
        set(_stops(simulator))
        == {(float(sl.trigger_price), float(current(node, tp).price))}
        == {(1.0945, 1.111)}
    )

    assert _advance_until(node, simulator, lambda: not simulator.positions_get())
    assert node.wait_until(
        lambda: (
            current(node, sl).status == OrderStatus.FILLED
            and current(node, tp).status == OrderStatus.CANCELED
        ),
        timeout_secs=WAIT,
    )
    assert (
        float(current(node, sl).filled_qty) == 20_000 and float(current(node, sl).avg_px) == 1.0945
    )
    assert node.wait_until(lambda: not node.cache.positions_open(), timeout_secs=WAIT)
    _assert_no_external_orders(node, probe)


@pytest.mark.parametrize("margin_mode", ["hedging"])
def test_scale_in_on_a_hedging_account_rejects_children_wider_than_the_new_ticket(start_node):
    node, probe, simulator = _probe_node(start_node, _bars())
    _protect(node, probe, 10_000)
    first_sl, first_tp = _children(node)
    node.call(
        lambda: (
            cancel_protection(probe, node.cache.instrument(INSTRUMENT)),
            submit_protected(
                probe,
                node.cache.instrument(INSTRUMENT),
                OrderSide.BUY,
                node.cache.instrument(INSTRUMENT).make_qty(10_000),
                20_000,
                PRICE,
                LIMITS,
            ),
        )
    )
    assert node.wait_until(
        lambda: (
            len(node.cache.orders()) == 6
            and all(o.status == OrderStatus.REJECTED for o in _children(node))
        ),
        timeout_secs=WAIT,
    )
    sl, _ = _children(node)
    assert "hedging" in sl.last_event.reason and "20000" in sl.last_event.reason
    assert current(node, first_sl).status == current(node, first_tp).status == OrderStatus.CANCELED
    assert _stops(simulator) == [(0.0, 0.0), (0.0, 0.0)]  # two tickets, neither protected
    _assert_no_external_orders(node, probe)


def test_modify_and_cancel_of_the_children_move_and_clear_the_position_stops(start_node):
    node, probe, simulator = _probe_node(start_node, _bars())
    instrument = node.cache.instrument(INSTRUMENT)
    _protect(node, probe, 10_000)
    sl, tp = _children(node)

    new_tp = instrument.make_price(1.13)
    node.call(lambda: probe.modify_order(tp.client_order_id, price=new_tp))
    assert node.wait_until(lambda: current(node, tp).price == new_tp, timeout_secs=WAIT)
    assert _stops(simulator) == [(SL_PRICE, 1.13)]

    node.call(lambda: probe.cancel_order(sl.client_order_id))
    assert node.wait_until(
        lambda: current(node, sl).status == OrderStatus.CANCELED, timeout_secs=WAIT
    )
    assert _stops(simulator) == [(0.0, 1.13)]
    assert current(node, tp).status == OrderStatus.ACCEPTED

    node.call(lambda: probe.cancel_order(tp.client_order_id))
    assert node.wait_until(
        lambda: current(node, tp).status == OrderStatus.CANCELED, timeout_secs=WAIT
    )
    assert _stops(simulator) == [(0.0, 0.0)]
    assert _terminal_units(simulator) == 10_000  # the position stays, unprotected
    _assert_no_external_orders(node, probe)


def test_reconciliation_reports_the_children_as_themselves_never_as_external_orders(start_node):
    node, probe, simulator = _probe_node(
        start_node, _bars((WARMUP + 3, (PRICE, PRICE, SL_PRICE, 1.092)))
    )
    client = node.exec_client()
    _protect(node, probe, 10_000)
    sl, tp = _children(node)

    def order_reports(open_only: bool):
        command = _report_command(
            instrument_id=None,
            start=None,
            end=None,
            open_only=open_only,
        )
        return _run_on_loop(node, lambda: client._generate_order_status_reports(command))

    live = {r.client_order_id: r for r in order_reports(True)}
    assert set(live) == {sl.client_order_id, tp.client_order_id}
    assert live[sl.client_order_id].venue_order_id == current(node, sl).venue_order_id
    assert [r.order_status for r in live.values()] == [OrderStatus.ACCEPTED] * 2

    assert _advance_until(node, simulator, lambda: not simulator.positions_get())
    assert node.wait_until(
        lambda: current(node, sl).status == OrderStatus.FILLED, timeout_secs=WAIT
    )
    fills = _run_on_loop(
        node,
        lambda: client._generate_fill_reports(
            _report_command(instrument_id=None, venue_order_id=None, start=None, end=None)
        ),
    )
    entry = next(o for o in node.cache.orders() if o.client_order_id == sl.parent_order_id)
    assert {f.client_order_id for f in fills} == {entry.client_order_id, sl.client_order_id}
    assert next(f for f in fills if f.client_order_id == sl.client_order_id).venue_order_id == (
        current(node, sl).venue_order_id
    )
    history = order_reports(False)
    assert None not in {r.client_order_id for r in history}
    closing = [r for r in history if r.client_order_id == sl.client_order_id]
    assert [(r.order_status, r.venue_order_id) for r in closing] == [
        (OrderStatus.FILLED, current(node, sl).venue_order_id)
    ]


def test_trailing_stop_children_are_refused_with_the_reason(start_node):
    node, probe, simulator = _probe_node(start_node, _bars())
    instrument = node.cache.instrument(INSTRUMENT)
    trailing = RiskLimits(stop_loss=0.01, trailing_stop=True)
    node.call(
        lambda: submit_protected(
            probe, instrument, OrderSide.BUY, instrument.make_qty(10_000), 10_000, PRICE, trailing
        )
    )
    assert node.wait_until(
        lambda: (
            len(node.cache.orders()) == 2
            and all(o.status == OrderStatus.REJECTED for o in node.cache.orders())
        ),
        timeout_secs=WAIT,
    ), [(o.status, getattr(o.last_event, "reason", None)) for o in node.cache.orders()]
    assert all("trailing" in o.last_event.reason for o in node.cache.orders())
    assert not simulator.positions_get() and not simulator.orders_get()
