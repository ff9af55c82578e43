"""`RpycMt5Client`: generated pass-throughs, reconnects, timeouts and the simulator controls."""

from __future__ import annotations

import inspect
import time
from typing import Any

import pytest

from nautilus_rl_lab.errors import Mt5Error
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.protocol import MT5_FUNCTIONS, Mt5Client
from nautilus_rl_lab.mt5.rpyc.client import RpycMt5Client
from nautilus_rl_lab.mt5.rpyc.server import ServerHandle, serve
from tests.mt5.rpyc.conftest import BUY


def test_pass_throughs_have_the_protocols_signatures() -> None:
    for name in MT5_FUNCTIONS:
        assert inspect.signature(getattr(RpycMt5Client, name)) == inspect.signature(
            getattr(Mt5Client, name)
        ), name


def test_left_out_arguments_are_sent_by_keyword_after_the_first_gap(served: Any) -> None:
    sim, _, client = served
    client.order_send(BUY)
    [deal] = [d for d in sim.history_deals_get(0, 2**31) if d.volume == 0.1]
    assert [d.ticket for d in client.history_deals_get(ticket=deal.order)] == [deal.ticket]
    assert [d.ticket for d in client.history_deals_get(position=deal.position_id)] == [deal.ticket]
    assert len(client.history_deals_get(0, 2**31)) == len(sim.history_deals_get(0, 2**31))
    assert client.symbols_get() == sim.symbols_get()
    assert [s.name for s in client.symbols_get(group="EUR*")] == ["EURUSD"]


def test_connection_loss_maps_to_no_ipc_and_reconnects(served: Any) -> None:
    sim, handle, client = served
    port = handle.port
    handle.stop()
    assert client.account_info() is None
    assert client.last_error()[0] == mt5c.RES_E_INTERNAL_FAIL_CONNECT
    assert client.symbol_select("EURUSD", True) is False  # boolean calls fail with False
    restarted: ServerHandle = serve(sim, "127.0.0.1", port)
    try:
        deadline = time.monotonic() + 5.0
        while not client.initialize() and time.monotonic() < deadline:
            # Reconnects (respecting the backoff); a new link needs a new session.
            assert mt5c.is_connection_error(client.last_error()[0])
            time.sleep(0.02)
        assert client.account_info().balance == 10_000.0
        assert client.last_error() == (mt5c.RES_S_OK, "Success")
    finally:
        restarted.stop()


def test_sync_timeout_reports_an_unknown_outcome(served: Any) -> None:
    sim, handle, _ = served
    slow = RpycMt5Client("127.0.0.1", handle.port, timeout_s=0.3)
    assert slow.initialize()
    with sim._lock:  # the terminal is busy: the reply cannot come in time
        result = slow.order_send(BUY)
        assert result is None
        assert slow.last_error()[0] == mt5c.RES_E_INTERNAL_FAIL_TIMEOUT
    # The request was delivered and executes once the terminal is free: reconcile.
    deadline = time.monotonic() + 5.0
    while sim.positions_total() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert slow.positions_get() is None  # the link was dropped with the late reply ...
    assert slow.initialize() is True  # ... so reconnect, then reconcile
    assert len(slow.positions_get()) == 1
    slow.close()


def test_simulator_controls_over_rpyc(served: Any) -> None:
    sim, _, client = served
    before = client.sim_time_msc()
    assert client.sim_advance(3) == 3
    assert client.sim_time_msc() > before == sim.time_msc - (client.sim_time_msc() - before)
    client.sim_advance_bars(1)
    client.sim_inject("requote", 1)
    assert client.order_send(BUY).retcode == mt5c.TRADE_RETCODE_REQUOTE
    client.sim_inject("reject", None)
    client.sim_clear_faults()
    assert client.order_send(BUY).retcode == mt5c.TRADE_RETCODE_DONE


def test_simulator_controls_need_a_session_and_a_count_of_at_least_zero(served: Any) -> None:
    sim, handle, client = served
    other = RpycMt5Client("127.0.0.1", handle.port)
    before = sim.time_msc
    with pytest.raises(Mt5Error, match="initialize") as excinfo:
        other.sim_advance(5)
    assert excinfo.value.code == mt5c.RES_E_INTERNAL_FAIL_CONNECT
    with pytest.raises(Mt5Error):
        other.sim_inject("requote")
    assert sim.time_msc == before and not sim.armed_faults()
    other.close()

    with pytest.raises(Mt5Error, match="n_ticks") as excinfo:
        client.sim_advance(-3)
    assert excinfo.value.code == mt5c.RES_E_INVALID_PARAMS
    with pytest.raises(Mt5Error, match="`n`"):
        client.sim_advance_bars(-1)
    with pytest.raises(Mt5Error, match="count"):
        client.sim_inject("requote", -2)
    assert sim.time_msc == before and not sim.armed_faults()
    assert client.sim_advance(0) == 0 and sim.time_msc == before
    assert client.sim_advance(2) == 2
