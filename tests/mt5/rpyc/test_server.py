"""`Mt5RpycService`: a fixed service of named functions, plain data only, never an exception."""

from __future__ import annotations

from typing import Any

import pytest
import rpyc
from rpyc.core.netref import BaseNetref

from nautilus_rl_lab.errors import Mt5Error
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.native import NativeMt5Client
from nautilus_rl_lab.mt5.protocol import MT5_FUNCTIONS
from nautilus_rl_lab.mt5.rpyc.client import RpycMt5Client
from nautilus_rl_lab.mt5.rpyc.server import Mt5RpycService, serve
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from tests.mt5.conftest import wave_frame
from tests.mt5.rpyc.conftest import BUY


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
            ("exposed_copy_rates_from_pos", ("EURUSD", mt5c.TIMEFRAME_H1, 0, 3)),
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
        assert payload is None and code == mt5c.RES_E_INVALID_PARAMS
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
            ("exposed_order_calc_margin", (mt5c.ORDER_TYPE_BUY, "EURUSD", float("nan"), 1.1)),
        ]:
            payload, (code, _) = getattr(conn.root, name)(*args)
            assert payload in (None, False) and code < 0, name
        assert conn.root.exposed_sim_advance(-1)[1][0] == mt5c.RES_E_INVALID_PARAMS
        assert conn.root.exposed_sim_inject("no_such_fault")[1][0] == mt5c.RES_E_INVALID_PARAMS
        assert conn.root.exposed_account_info()[1][0] == mt5c.RES_S_OK  # the session survives
    finally:
        conn.close()


def test_each_connection_has_its_own_session_on_one_terminal(served: Any) -> None:
    _, handle, client = served
    other = RpycMt5Client("127.0.0.1", handle.port)
    client.order_send(BUY)
    assert other.positions_get() is None  # like a second process: initialize first
    assert other.last_error()[0] == mt5c.RES_E_INTERNAL_FAIL_CONNECT
    assert other.initialize() is True
    assert [p.volume for p in other.positions_get()] == [0.1]  # the same terminal
    other.shutdown()  # ends only its own session
    assert other.positions_get() is None
    assert [p.volume for p in client.positions_get()] == [0.1]
    other.close()


def test_sim_controls_are_refused_when_the_served_client_is_no_simulator() -> None:
    sim = Mt5TerminalSimulator(wave_frame(), config=Mt5SimulatorConfig(warmup_bars=5))
    handle = serve(NativeMt5Client(module=sim), "127.0.0.1", 0)
    client = RpycMt5Client("127.0.0.1", handle.port)
    try:
        assert client.initialize()
        before = sim.time_msc
        with pytest.raises(Mt5Error, match="only served simulators") as excinfo:
            client.sim_advance(3)
        assert excinfo.value.code == mt5c.RES_E_NOT_FOUND and sim.time_msc == before
        assert client.account_info() is not None  # the session goes on
    finally:
        client.close()
        handle.stop()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("volume", "0.1"),
        ("volume", True),
        ("deviation", -5),
        ("deviation", 1e30),
        ("magic", 2**70),
        ("comment", "x" * 1_000_000),
    ],
)
def test_requests_the_module_refuses_are_refused_over_the_bridge(
    served: Any, field: str, value: object
) -> None:
    sim, _, client = served
    for call in (client.order_check, client.order_send):
        assert call({**BUY, field: value}) is None
        code, description = client.last_error()
        assert code == mt5c.RES_E_INVALID_PARAMS
        assert description.startswith(f'Invalid "{field}" argument: expected'), description
        assert len(description) < 200
    assert sim.account.deals == [d for d in sim.account.deals if not d.volume]  # no trade
    assert client.order_send(BUY).retcode == mt5c.TRADE_RETCODE_DONE  # the bridge goes on
