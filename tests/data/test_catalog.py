"""ParquetDataCatalog round trips: sample -> bars -> catalog -> back is identical."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nautilus_rl_lab.data import (
    InstrumentSpec,
    bar_type_for,
    bars_to_frame,
    make_instrument,
    read_bars,
    read_instrument,
    to_bars,
    to_quote_ticks,
    write_catalog,
)
from nautilus_rl_lab.errors import UnknownInstrumentError
from nautilus_rl_lab.nt.catalog import query_quote_ticks
from nautilus_rl_lab.nt.model import Bar, BarType, Instrument


def _bar_keys(bars: list[Bar]) -> list[tuple[str, int, int]]:
    # Bar.__eq__ compares to_str(), which leaves out ts_init: compare it explicitly.
    return [(str(b), b.ts_event, b.ts_init) for b in bars]


def test_sample_bars_round_trip_through_the_catalog_unchanged(
    sample_df: pd.DataFrame, eurusd: Instrument, eurusd_bar_type: BarType, tmp_path: Path
) -> None:
    bars = to_bars(sample_df, eurusd_bar_type, eurusd)
    assert len(bars) == 6225
    write_catalog(tmp_path / "catalog", eurusd, bars)
    back = read_bars(tmp_path / "catalog", eurusd_bar_type)
    assert len(back) == len(bars)
    assert _bar_keys(back) == _bar_keys(bars)
    assert all(b.bar_type == eurusd_bar_type for b in back)
    pd.testing.assert_frame_equal(bars_to_frame(back), bars_to_frame(bars))
    assert read_bars(tmp_path / "catalog", str(eurusd_bar_type))[-1].ts_init == bars[-1].ts_init


def test_quote_ticks_round_trip_next_to_bars(
    sample_df: pd.DataFrame, eurusd: Instrument, eurusd_bar_type: BarType, tmp_path: Path
) -> None:
    df = sample_df.iloc[:300]
    bars = to_bars(df, eurusd_bar_type, eurusd)
    ticks = to_quote_ticks(df, eurusd, spread=0.00002)
    catalog = write_catalog(tmp_path, eurusd, bars + ticks)
    back = query_quote_ticks(catalog, [str(eurusd.id)])
    assert [(str(t), t.ts_init) for t in back] == [(str(t), t.ts_init) for t in ticks]
    assert _bar_keys(read_bars(tmp_path, eurusd_bar_type)) == _bar_keys(bars)


@pytest.mark.parametrize(
    "spec",
    [
        InstrumentSpec(),
        InstrumentSpec(symbol="AAPL", venue="XNAS", kind="equity", price_precision=2),
        InstrumentSpec(symbol="US500", kind="cfd", price_precision=1, size_precision=1),
    ],
    ids=["fx", "equity", "cfd"],
)
def test_instruments_round_trip(spec: InstrumentSpec, tmp_path: Path) -> None:
    instrument = make_instrument(spec)
    write_catalog(tmp_path, instrument, [])
    back = read_instrument(tmp_path, spec.instrument_id)
    assert type(back) is type(instrument)
    expected = type(instrument).to_dict(instrument)
    assert type(back).to_dict(back) == expected


def test_missing_instrument_and_bar_type_raise_unknown_instrument_error(
    eurusd: Instrument, eurusd_bar_type: BarType, sample_df: pd.DataFrame, tmp_path: Path
) -> None:
    write_catalog(tmp_path, eurusd, to_bars(sample_df.iloc[:5], eurusd_bar_type, eurusd))
    with pytest.raises(UnknownInstrumentError) as info:
        read_instrument(tmp_path, "GBP/USD.SIM")
    assert "GBP/USD.SIM" in str(info.value) and "EUR/USD.SIM" in str(info.value)
    with pytest.raises(UnknownInstrumentError, match=r"EUR/USD\.SIM-1-HOUR-ASK-EXTERNAL") as info:
        read_bars(tmp_path, bar_type_for(eurusd.id, price_type="BID"))
    assert "EUR/USD.SIM-1-HOUR-BID-EXTERNAL" in str(info.value)


def test_reading_a_missing_catalog_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nowhere"):
        read_bars(tmp_path / "nowhere", "EUR/USD.SIM-1-HOUR-ASK-EXTERNAL")
