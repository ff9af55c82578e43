"""The wire codec: MT5 structures and numpy arrays round-trip as plain data."""

from __future__ import annotations

import numpy as np

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.rpyc.codec import decode_result, encode_result
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from tests.mt5.conftest import wave_frame


def test_arrays_and_structures_round_trip() -> None:
    sim = Mt5TerminalSimulator(wave_frame(), config=Mt5SimulatorConfig(warmup_bars=5))
    sim.initialize()
    rates = sim.copy_rates_from_pos("EURUSD", mt5c.TIMEFRAME_H1, 0, 4)
    decoded = decode_result("copy_rates_from_pos", encode_result("copy_rates_from_pos", rates))
    assert decoded.dtype == rates.dtype and np.array_equal(decoded, rates)
    info = sim.account_info()
    assert decode_result("account_info", encode_result("account_info", info)) == info
    assert decode_result("positions_get", encode_result("positions_get", ())) == ()
