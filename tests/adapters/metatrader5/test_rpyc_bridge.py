"""The RPyC bridge: a fixed service of plain data, reconnects, timeouts, the serve command."""

from __future__ import annotations

import argparse
import threading
import time
from typing import Any

import numpy as np
import pytest
import rpyc
from rpyc.core.netref import BaseNetref

from nautilus_rl_lab.adapters.metatrader5 import constants as c
from nautilus_rl_lab.adapters.metatrader5.backend_config import Mt5SimulatorConfig
from nautilus_rl_lab.adapters.metatrader5.client import MT5_FUNCTIONS
from nautilus_rl_lab.adapters.metatrader5.rpyc_bridge import (
    Mt5RpycService,
    RpycMt5Client,
    ServerHandle,
    add_serve_arguments,
    decode_result,
    encode_result,
    run_serve,
    serve,
    simulator_config_from_args,
)
from nautilus_rl_lab.adapters.metatrader5.simulator import Mt5TerminalSimulator
from nautilus_rl_lab.errors import ConfigError, Mt5Error

from .conftest import wave_frame

BUY = {
    "action": c.TRADE_ACTION_DEAL,
    "symbol": "EURUSD",
    "volume": 0.1,
    "type": c.ORDER_TYPE_BUY,
    "type_filling": c.ORDER_FILLING_FOK,
}


@pytest.fixture
def served() -> Any:
    sim = Mt5TerminalSimulator(wave_frame(), config=Mt5SimulatorConfig(warmup_bars=5))
    handle = serve(sim, "127.0.0.1", 0)
    client = RpycMt5Client(
        "127.0.0.1", handle.port, timeout_s=5.0, backoff_s=0.01, backoff_max_s=0.05
    )
    assert client.initialize()
    yield sim, handle, client
    client.close()
    handle.stop()


def _contains_netref(value: Any) -> bool:
    if isinstance(value, BaseNetref):
        return True
    if type(value) is tuple:
        return any(_contains_netref(v) for v in value)
    return False


def test_service_exposes_only_the_named_functions() -> None:
    exposed = {
        name[len("exposed_") :] for name in dir(Mt5RpycService) if name.startswith("exposed_")
    }
    assert exposed == set(MT5_FUNCTIONS) | {
        "sim_advance",
        "sim_advance_bars",
        "sim_inject",
        "sim_clear_faults",
        "sim_time_msc",
        "get_service_name",  # rpyc.Service's own two
        "get_service_aliases",
    }


def test_no_classic_mode_no_private_attributes(served: Any) -> None:
    _, handle, _ = served
    conn = rpyc.connect("127.0.0.1", handle.port)
    try:
        with pytest.raises(AttributeError):
            _ = conn.root._client  # private attributes are not reachable
        with pytest.raises(AttributeError):
            _ = conn.root.exposed_order_send.__globals__
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do: no classic service
            conn.eval("1 + 1")
    finally:
        conn.close()


def test_results_are_plain_data_never_netrefs(served: Any) -> None:
    _, handle, client = served
    client.order_send(BUY)
    conn = rpyc.connect("127.0.0.1", handle.port)
    try:
        for name, args in [
            ("exposed_positions_get", ()),
            ("exposed_account_info", ()),
            ("exposed_copy_rates_from_pos", ("EURUSD", c.TIMEFRAME_H1, 0, 3)),
            ("exposed_order_send", (tuple(BUY.items()),)),
        ]:
            payload, error = getattr(conn.root, name)(*args)
            assert not _contains_netref(payload) and not _contains_netref(error), name
    finally:
        conn.close()


def test_netref_arguments_are_refused(served: Any) -> None:
    _, handle, _ = served
    conn = rpyc.connect("127.0.0.1", handle.port)
    try:
        payload, (code, description) = conn.root.exposed_order_send(dict(BUY))  # a netref
        assert payload is None and code == c.RES_E_INVALID_PARAMS
        assert "plain data" in description
    finally:
        conn.close()


def test_no_exposed_call_raises_a_python_exception_to_the_client(served: Any) -> None:
    _, handle, _ = served
    conn = rpyc.connect("127.0.0.1", handle.port)
    try:
        assert conn.root.exposed_initialize()[0] is True
        for name, args in [
            ("exposed_symbol_info", ()),  # missing argument
            ("exposed_symbol_info", ("EURUSD", 1, 2)),  # too many
            ("exposed_copy_rates_from", ("EURUSD", "H1", 0, 10)),
            ("exposed_order_send", (("action", "x"),)),  # not (key, value) pairs
            ("exposed_order_calc_margin", (c.ORDER_TYPE_BUY, "EURUSD", float("nan"), 1.1)),
        ]:
            payload, (code, _) = getattr(conn.root, name)(*args)
            assert payload in (None, False) and code < 0, name
        assert conn.root.exposed_sim_advance(-1)[1][0] == c.RES_E_INVALID_PARAMS
        assert conn.root.exposed_sim_inject("no_such_fault")[1][0] == c.RES_E_INVALID_PARAMS
        assert conn.root.exposed_account_info()[1][0] == c.RES_S_OK  # the session survives
    finally:
        conn.close()


def test_simulator_controls_need_a_session_and_a_count_of_at_least_zero(served: Any) -> None:
    sim, handle, client = served
    other = RpycMt5Client("127.0.0.1", handle.port)
    before = sim.time_msc
    with pytest.raises(Mt5Error, match="initialize") as excinfo:
        other.sim_advance(5)
    assert excinfo.value.code == c.RES_E_INTERNAL_FAIL_CONNECT
    with pytest.raises(Mt5Error):
        other.sim_inject("requote")
    assert sim.time_msc == before and not sim.armed_faults()
    other.close()

    with pytest.raises(Mt5Error, match="n_ticks") as excinfo:
        client.sim_advance(-3)
    assert excinfo.value.code == c.RES_E_INVALID_PARAMS
    with pytest.raises(Mt5Error, match="`n`"):
        client.sim_advance_bars(-1)
    with pytest.raises(Mt5Error, match="count"):
        client.sim_inject("requote", -2)
    assert sim.time_msc == before and not sim.armed_faults()
    assert client.sim_advance(0) == 0 and sim.time_msc == before
    assert client.sim_advance(2) == 2


def test_in_process_clock_controls_refuse_negative_counts() -> None:
    sim = Mt5TerminalSimulator(wave_frame(), config=Mt5SimulatorConfig(warmup_bars=5))
    before = sim.time_msc
    for control in (sim.advance, sim.advance_bars):
        with pytest.raises(ConfigError, match="must be an int >= 0"):
            control(-1)
        with pytest.raises(ConfigError):
            control(1.5)
    assert sim.time_msc == before
    assert sim.advance(0) == 0 and sim.advance_bars(0) == 0 and sim.time_msc == before


@pytest.mark.parametrize("port", [70_000, 65_536, -1])
def test_serve_refuses_ports_outside_the_tcp_range(port: int) -> None:
    sim = Mt5TerminalSimulator(wave_frame(), config=Mt5SimulatorConfig(warmup_bars=5))
    with pytest.raises(ConfigError, match=r"`port` must be in 1\.\.65535"):
        serve(sim, "127.0.0.1", port)
    args = add_serve_arguments(argparse.ArgumentParser()).parse_args(["--port", str(port)])
    with pytest.raises(ConfigError, match=r"`port`"):
        run_serve(args, stop=threading.Event())


def test_arrays_and_structures_round_trip() -> None:
    sim = Mt5TerminalSimulator(wave_frame(), config=Mt5SimulatorConfig(warmup_bars=5))
    sim.initialize()
    rates = sim.copy_rates_from_pos("EURUSD", c.TIMEFRAME_H1, 0, 4)
    decoded = decode_result("copy_rates_from_pos", encode_result("copy_rates_from_pos", rates))
    assert decoded.dtype == rates.dtype and np.array_equal(decoded, rates)
    info = sim.account_info()
    assert decode_result("account_info", encode_result("account_info", info)) == info
    assert decode_result("positions_get", encode_result("positions_get", ())) == ()


def test_connection_loss_maps_to_no_ipc_and_reconnects(served: Any) -> None:
    sim, handle, client = served
    port = handle.port
    handle.stop()
    assert client.account_info() is None
    assert client.last_error()[0] == c.RES_E_INTERNAL_FAIL_CONNECT
    assert client.symbol_select("EURUSD", True) is False  # boolean calls fail with False
    restarted: ServerHandle = serve(sim, "127.0.0.1", port)
    try:
        deadline = time.monotonic() + 5.0
        while not client.initialize() and time.monotonic() < deadline:
            # Reconnects (respecting the backoff); a new link needs a new session.
            assert c.is_connection_error(client.last_error()[0])
            time.sleep(0.02)
        assert client.account_info().balance == 10_000.0
        assert client.last_error() == (c.RES_S_OK, "Success")
    finally:
        restarted.stop()


def test_sync_timeout_reports_an_unknown_outcome(served: Any) -> None:
    sim, handle, _ = served
    slow = RpycMt5Client("127.0.0.1", handle.port, timeout_s=0.3)
    assert slow.initialize()
    with sim._lock:  # the terminal is busy: the reply cannot come in time
        result = slow.order_send(BUY)
        assert result is None
        assert slow.last_error()[0] == c.RES_E_INTERNAL_FAIL_TIMEOUT
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
    assert client.order_send(BUY).retcode == c.TRADE_RETCODE_REQUOTE
    client.sim_inject("reject", None)
    client.sim_clear_faults()
    assert client.order_send(BUY).retcode == c.TRADE_RETCODE_DONE


def test_each_connection_has_its_own_session_on_one_terminal(served: Any) -> None:
    _, handle, client = served
    other = RpycMt5Client("127.0.0.1", handle.port)
    client.order_send(BUY)
    assert other.positions_get() is None  # like a second process: initialize first
    assert other.last_error()[0] == c.RES_E_INTERNAL_FAIL_CONNECT
    assert other.initialize() is True
    assert [p.volume for p in other.positions_get()] == [0.1]  # the same terminal
    other.shutdown()  # ends only its own session
    assert other.positions_get() is None
    assert [p.volume for p in client.positions_get()] == [0.1]
    other.close()


def test_serve_command_runs_until_stopped(tmp_path: Any, capsys: Any) -> None:
    config_file = tmp_path / "sim.json"
    config_file.write_text('{"balance": 2500.0, "margin_mode": "hedging"}')
    parser = add_serve_arguments(argparse.ArgumentParser())
    args = parser.parse_args(
        ["--port", "0", "--config", str(config_file), "--leverage", "50", "--speed", "3600"]
    )
    ready: list[ServerHandle] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=run_serve, args=(args,), kwargs={"ready": ready.append, "stop": stop}
    )
    thread.start()
    try:
        deadline = time.monotonic() + 10.0
        while not ready and time.monotonic() < deadline:
            time.sleep(0.01)
        client = RpycMt5Client("127.0.0.1", ready[0].port)
        assert client.initialize()
        info = client.account_info()
        assert (info.balance, info.leverage, info.margin_mode) == (
            2500.0,
            50,
            c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING,
        )
        assert f"serving on 127.0.0.1:{ready[0].port}" in capsys.readouterr().out
        t0 = client.sim_time_msc()
        time.sleep(0.3)
        assert client.sim_time_msc() > t0  # the replay runs at 3600x
        client.close()
    finally:
        stop.set()
        thread.join(10.0)
    assert not thread.is_alive() and not ready[0].alive


def test_serve_arguments_validate_into_a_config() -> None:
    parser = add_serve_arguments(argparse.ArgumentParser())
    config = simulator_config_from_args(
        parser.parse_args(["--symbols", "EURUSD, USDJPY", "--spread-points", "7"])
    )
    assert config.symbols == ("EURUSD", "USDJPY") and config.spread_points == 7
    with pytest.raises(ConfigError, match=r"`leverage`"):
        simulator_config_from_args(parser.parse_args(["--leverage", "0"]))
