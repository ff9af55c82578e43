"""The simulator's bars come through `data.source`, the loaders every node uses."""

from __future__ import annotations

import pandas as pd
import pytest

from nautilus_rl_lab.data import load_sample_eurusd
from nautilus_rl_lab.data.source import DataSourceConfig, load_frame
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.loading import load_bars, load_market


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_data_path_loads_the_frame_data_source_loads(tmp_path, kind: str) -> None:
    bars = load_sample_eurusd().iloc[:200]
    path = tmp_path / f"bars.{kind}"
    if kind == "csv":
        bars.rename_axis("time").to_csv(path)
    else:
        bars.rename_axis("time").to_parquet(path)
    loaded = load_bars(str(path))
    pd.testing.assert_frame_equal(loaded, load_frame(DataSourceConfig(kind=kind, path=str(path))))
    assert len(loaded) == 200


def test_sample_is_the_bundled_frame() -> None:
    pd.testing.assert_frame_equal(load_bars("sample"), load_sample_eurusd())


def test_a_file_data_source_refuses_is_refused_with_its_message(tmp_path) -> None:
    path = tmp_path / "bars.csv"
    path.write_text("time,open,high,low,close\n2024-01-01 00:00,1.1,1.0,1.1,1.1\n")
    with pytest.raises(ValueError, match="high") as from_source:
        load_frame(DataSourceConfig(kind="csv", path=str(path)))
    with pytest.raises(ValueError, match="high") as from_simulator:
        load_market(None, Mt5SimulatorConfig(data_path=str(path)))
    assert str(from_simulator.value) == str(from_source.value)


def test_symbols_without_bars_get_a_synthetic_walk_on_the_first_frames_times() -> None:
    bars = load_sample_eurusd().iloc[:100]
    config = Mt5SimulatorConfig(symbols=("EURUSD", "GBPUSD"), warmup_bars=5)
    loaded = load_market(bars, config)
    assert list(loaded.feeds) == ["EURUSD", "GBPUSD"]
    assert (loaded.feeds["GBPUSD"].bar_times_s == loaded.feeds["EURUSD"].bar_times_s).all()
    with pytest.raises(ConfigError, match="`warmup_bars` \\(100\\)"):
        load_market(bars, Mt5SimulatorConfig(warmup_bars=100))
