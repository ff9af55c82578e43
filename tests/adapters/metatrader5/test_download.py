"""MT5 history into a catalog: bars at their UTC close, resumable, and a node trains on them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.adapters.metatrader5.download import download_bars
from nautilus_rl_lab.data.catalog import read_bars, read_instrument
from nautilus_rl_lab.data.source import DataSourceConfig, load_frame
from nautilus_rl_lab.errors import ConfigError, Mt5Error
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.server_time import ServerTime
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from tests.conftest import run_python
from tests.mt5.conftest import wave_frame

BAR_TYPE = "EURUSD.MT5-1-HOUR-BID-EXTERNAL"


@pytest.fixture
def terminal() -> tuple[Mt5TerminalSimulator, pd.DataFrame]:
    frame = wave_frame(120)
    sim = Mt5TerminalSimulator(
        frame, config=Mt5SimulatorConfig(warmup_bars=2, server_timezone="Europe/Athens")
    )
    sim.advance_to(frame.index[-1] + pd.Timedelta(hours=2))
    assert sim.initialize()
    return sim, frame


def test_bars_land_in_the_catalog_at_their_utc_close_and_resume(terminal, tmp_path: Path) -> None:
    sim, frame = terminal
    clock = ServerTime(timezone="Europe/Athens")
    catalog = tmp_path / "catalog"
    middle = frame.index[59]
    [first] = download_bars(
        sim, catalog, ["EURUSD"], mt5c.TIMEFRAME_H1, frame.index[0], middle, server_time=clock
    )
    assert (first.bar_type, first.written, first.already_present) == (BAR_TYPE, 60, 0)
    [second] = download_bars(
        sim,
        catalog,
        ["EURUSD"],
        mt5c.TIMEFRAME_H1,
        frame.index[0],
        frame.index[-1],
        server_time=clock,
    )
    assert (second.written, second.already_present) == (60, 60)
    bars = read_bars(catalog, BAR_TYPE)
    assert [b.ts_event for b in bars] == list((frame.index + pd.Timedelta(hours=1)).asi8)
    assert np.allclose([float(b.close) for b in bars], frame["close"])
    assert str(read_instrument(catalog, "EURUSD.MT5").id) == "EURUSD.MT5"
    [again] = download_bars(
        sim,
        catalog,
        ["EURUSD"],
        mt5c.TIMEFRAME_H1,
        frame.index[0],
        frame.index[-1],
        server_time=clock,
    )
    assert (again.written, again.already_present) == (0, 120)


def test_a_node_trains_on_the_downloaded_history(terminal, tmp_path: Path) -> None:
    sim, frame = terminal
    download_bars(
        sim,
        tmp_path / "catalog",
        ["EURUSD"],
        mt5c.TIMEFRAME_H1,
        frame.index[0],
        frame.index[-1],
        server_time=ServerTime(timezone="Europe/Athens"),
    )
    data = DataSourceConfig(kind="catalog", path=str(tmp_path / "catalog"), bar_type=BAR_TYPE)
    assert load_frame(data).index.equals(frame.index)
    # A backtest venue named MT5 registers Nautilus-calculated accounts for the issuer "MT5"
    # process-wide (AccountFactory), which would change later live MT5 tests: own interpreter.
    code = f"""
import numpy as np
from nautilus_rl_lab.data.instruments import InstrumentSpec
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.nodes.engine import default_venue
from nautilus_rl_lab.nodes.training import TrainingNode, TrainingNodeConfig
data = DataSourceConfig(kind="catalog", path={str(tmp_path / "catalog")!r}, bar_type={BAR_TYPE!r})
env = TrainingNode(TrainingNodeConfig(
    data=data, instrument=InstrumentSpec(symbol="EURUSD", venue="MT5"),
    venue=default_venue(name="MT5"), episode_length=8, seed=1))
env.reset(seed=1)
for _ in range(3):
    _, reward, *_ = env.step(env.action_space.sample())
    assert np.isfinite(reward)
env.close()
print("stepped")
"""
    result = run_python(code)
    assert result.returncode == 0 and "stepped" in result.stdout, result.stderr[-2000:]


def test_bad_arguments_and_unknown_symbols_are_clear_errors(terminal, tmp_path: Path) -> None:
    sim, frame = terminal
    with pytest.raises(ConfigError, match="`end`"):
        download_bars(sim, tmp_path, ["EURUSD"], mt5c.TIMEFRAME_H1, "2024-02-01", "2024-01-01")
    with pytest.raises(ConfigError, match="`timeframe`"):
        download_bars(
            sim, tmp_path, ["EURUSD"], mt5c.TIMEFRAME_MN1, frame.index[0], frame.index[-1]
        )
    with pytest.raises(Mt5Error, match="GBPJPY"):
        download_bars(sim, tmp_path, ["GBPJPY"], mt5c.TIMEFRAME_H1, frame.index[0], frame.index[-1])


def test_the_download_command_reads_a_served_terminal(terminal, tmp_path: Path, capsys) -> None:
    from nautilus_rl_lab.cli import main
    from nautilus_rl_lab.mt5.rpyc.server import serve

    sim, frame = terminal
    with serve(sim, "127.0.0.1", 0) as handle:
        argv = ["mt5", "download", "--symbols", "EURUSD", "--timeframe", "H1"]
        argv += ["--from", str(frame.index[0]), "--to", str(frame.index[-1])]
        argv += ["--catalog", str(tmp_path / "catalog"), "--port", str(handle.port)]
        argv += ["--server-timezone", "Europe/Athens", "--no-progress"]
        assert main(argv) == 0
    assert f"{BAR_TYPE}: 120 bars written, 0 already" in capsys.readouterr().out
    assert len(read_bars(tmp_path / "catalog", BAR_TYPE)) == 120
