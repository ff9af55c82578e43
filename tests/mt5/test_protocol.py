"""Helpers of the terminal API layer: dates as the `MetaTrader5` module reads them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from nautilus_rl_lab.mt5.protocol import to_timestamp
from tests.conftest import REPO_ROOT

TOKYO_SCRIPT = """
from datetime import datetime

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.protocol import to_timestamp
from nautilus_rl_lab.mt5.simulator import Mt5TerminalSimulator
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig
from tests.mt5.conftest import wave_frame

sim = Mt5TerminalSimulator(wave_frame(), config=Mt5SimulatorConfig(warmup_bars=48))
assert sim.initialize()
noon = datetime(2024, 1, 2, 12, 0)  # naive: Tokyo local time, 03:00 UTC
bar = sim.copy_rates_from("EURUSD", mt5c.TIMEFRAME_H1, noon, 1)
print(int(to_timestamp(noon)), int(bar["time"][0]))
"""


def test_naive_datetimes_are_local_time_as_the_module_reads_them() -> None:
    """The module calls ``datetime.timestamp()``: a naive date is in the machine's zone."""
    env = {**os.environ, "TZ": "Asia/Tokyo"}  # UTC+9 all year
    result = subprocess.run(
        [sys.executable, "-c", TOKYO_SCRIPT],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    three_utc = int(datetime(2024, 1, 2, 3, 0, tzinfo=UTC).timestamp())
    assert result.stdout.split() == [str(three_utc), str(three_utc)]


def test_aware_datetimes_and_seconds_are_instants() -> None:
    instant = datetime(2024, 1, 2, 3, 0, tzinfo=UTC)
    assert to_timestamp(instant) == instant.timestamp() == to_timestamp(1704164400)
    with pytest.raises(TypeError, match="datetime or POSIX seconds"):
        to_timestamp("2024-01-02")
