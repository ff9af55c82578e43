"""Matching: triggered pending orders fill in parts when the simulated liquidity is limited."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from tests.mt5.conftest import wave_frame


@pytest.mark.parametrize("margin_mode", ["netting", "hedging"])
def test_a_big_limit_order_fills_in_parts_into_one_position(margin_mode: str) -> None:
    sim = Mt5TerminalSimulator(
        wave_frame(),
        config=Mt5SimulatorConfig(
            warmup_bars=5, pending_fill_lots=0.1, margin_mode=margin_mode, spread_points=10
        ),
    )
    assert sim.initialize()
    sim.symbol_select("EURUSD", True)
    tick = sim.symbol_info_tick("EURUSD")
    placed = sim.order_send(
        {
            "action": mt5c.TRADE_ACTION_PENDING,
            "symbol": "EURUSD",
            "volume": 0.25,
            "type": mt5c.ORDER_TYPE_BUY_LIMIT,
            "price": round(tick.ask - 0.0005, 5),
            "type_filling": mt5c.ORDER_FILLING_RETURN,
        }
    )
    assert placed.retcode == mt5c.TRADE_RETCODE_PLACED
    states = []
    while sim.orders_get(ticket=placed.order) and not sim.data_ended:
        sim.advance(1)
        for order in sim.orders_get(ticket=placed.order) or ():
            states.append((order.state, order.volume_current))
    deals = sim.history_deals_get(ticket=placed.order)
    assert [d.volume for d in deals] == [0.1, 0.1, 0.05]
    assert (mt5c.ORDER_STATE_PARTIAL, 0.15) in states and (mt5c.ORDER_STATE_PARTIAL, 0.05) in states
    [position] = sim.positions_get()
    assert position.volume == pytest.approx(0.25)
    assert {d.position_id for d in deals} == {position.identifier}
    [done] = sim.history_orders_get(ticket=placed.order)
    assert (done.state, done.volume_current) == (mt5c.ORDER_STATE_FILLED, 0.0)


def test_market_deals_and_fok_requests_ignore_the_liquidity_limit() -> None:
    sim = Mt5TerminalSimulator(
        wave_frame(), config=Mt5SimulatorConfig(warmup_bars=5, pending_fill_lots=0.1)
    )
    assert sim.initialize()
    sim.symbol_select("EURUSD", True)
    result = sim.order_send(
        {
            "action": mt5c.TRADE_ACTION_DEAL,
            "symbol": "EURUSD",
            "volume": 0.5,
            "type": mt5c.ORDER_TYPE_BUY,
            "type_filling": mt5c.ORDER_FILLING_FOK,
        }
    )
    assert (result.retcode, result.volume) == (mt5c.TRADE_RETCODE_DONE, 0.5)
