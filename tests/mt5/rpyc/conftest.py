"""Fixtures of the RPyC bridge tests: a served simulator and a connected client."""

from __future__ import annotations

from typing import Any

import pytest

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.rpyc.client import RpycMt5Client
from nautilus_rl_lab.mt5.rpyc.server import serve
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from tests.mt5.conftest import wave_frame

BUY = {
    "action": mt5c.TRADE_ACTION_DEAL,
    "symbol": "EURUSD",
    "volume": 0.1,
    "type": mt5c.ORDER_TYPE_BUY,
    "type_filling": mt5c.ORDER_FILLING_FOK,
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
