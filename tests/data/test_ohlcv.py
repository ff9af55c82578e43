"""`validate_ohlcv` and `from_dataframe`: the OHLCV frame convention and its error messages."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.data import OHLCV_COLUMNS, from_dataframe, validate_ohlcv
from nautilus_rl_lab.errors import DataValidationError


def _frame(n: int = 6) -> pd.DataFrame:
    start = pd.Timestamp("2021-03-01", tz="UTC")
    index = pd.DatetimeIndex(start + pd.Timedelta("1h") * np.arange(n), name="timestamp")
    close = 1.1 + 0.001 * np.arange(n)
    return pd.DataFrame(
        {
            "open": close - 0.0005,
            "high": close + 0.001,
            "low": close - 0.001,
            "close": close,
            "volume": np.full(n, 100.0),
        },
        index=index,
    )


def _set(col: str, row: int, value: float) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def mutate(df: pd.DataFrame) -> pd.DataFrame:
        df.iloc[row, df.columns.get_loc(col)] = value
        return df

    return mutate


def _reindex(positions: list[int]) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def mutate(df: pd.DataFrame) -> pd.DataFrame:
        df.index = df.index[positions]
        return df

    return mutate


BAD_FRAMES = {
    "nan price": (_set("close", 3, np.nan), ["NaN in `close`", "row 3"]),
    "inf price": (_set("high", 2, np.inf), ["infinite value in `high`", "row 2"]),
    "negative inf": (_set("low", 1, -np.inf), ["infinite value in `low`", "row 1"]),
    "zero price": (_set("open", 4, 0.0), ["non-positive `open`", "row 4"]),
    "high below low": (_set("high", 2, 1.0), ["`high` < `low`", "row 2", "high >= low"]),
    "close above high": (_set("close", 5, 9.0), ["`close` outside [`low`, `high`]", "row 5"]),
    "open below low": (_set("open", 1, 1.0), ["`open` outside [`low`, `high`]", "row 1"]),
    "negative volume": (_set("volume", 3, -1.0), ["negative `volume`", "row 3"]),
    "unsorted": (_reindex([0, 1, 3, 2, 4, 5]), ["unsorted timestamp", "row 3"]),
    "duplicate": (_reindex([0, 1, 2, 2, 4, 5]), ["duplicate timestamp", "row 3"]),
}


@pytest.mark.parametrize("case", list(BAD_FRAMES))
def test_validate_ohlcv_names_source_row_timestamp_and_field(case: str) -> None:
    mutate, expected = BAD_FRAMES[case]
    df = mutate(_frame())
    with pytest.raises(DataValidationError) as info:
        validate_ohlcv(df, source="my_frame")
    message = str(info.value)
    assert message.startswith("my_frame: ")
    for part in expected:
        assert part in message
    row = int(expected[1].split()[1])
    assert str(df.index[row]) in message


def test_validate_ohlcv_counts_all_offending_rows() -> None:
    df = _frame()
    df.loc[df.index[[1, 4]], "close"] = np.nan
    with pytest.raises(DataValidationError, match=r"row 1 .*\(2 rows affected\)"):
        validate_ohlcv(df)


@pytest.mark.parametrize("missing", [["close"], ["open", "volume"]])
def test_validate_ohlcv_rejects_missing_columns(missing: list[str]) -> None:
    with pytest.raises(DataValidationError) as info:
        validate_ohlcv(_frame().drop(columns=missing))
    for col in missing:
        assert f"`{col}`" in str(info.value)


def test_validate_ohlcv_rejects_empty_naive_and_non_datetime_frames() -> None:
    with pytest.raises(DataValidationError, match="no rows"):
        validate_ohlcv(_frame().iloc[:0])
    with pytest.raises(DataValidationError, match="timezone-naive"):
        validate_ohlcv(_frame().tz_localize(None))
    with pytest.raises(DataValidationError, match="RangeIndex"):
        validate_ohlcv(_frame().reset_index(drop=True))
    with pytest.raises(DataValidationError, match="expected a pandas DataFrame"):
        validate_ohlcv(_frame().to_dict())  # type: ignore[arg-type]


def test_validate_ohlcv_rejects_non_numeric_values_naming_field() -> None:
    df = _frame()
    df["volume"] = df["volume"].astype(object)
    df.iloc[2, df.columns.get_loc("volume")] = "lots"
    with pytest.raises(DataValidationError, match=r"non-numeric value in `volume` at row 2"):
        validate_ohlcv(df)


def test_validate_ohlcv_normalises_to_utc_float64_in_canonical_order() -> None:
    df = _frame()[["volume", "close", "low", "high", "open"]].astype({"volume": "int64"})
    df["extra"] = 1
    df.index = df.index.tz_convert("America/New_York").rename("when")
    out = validate_ohlcv(df)
    assert list(out.columns) == list(OHLCV_COLUMNS)
    assert (out.dtypes == np.float64).all()
    assert str(out.index.tz) == "UTC" and out.index.name == "timestamp"
    assert out.index.equals(_frame().index)


def test_validate_ohlcv_accepts_gaps() -> None:
    df = _frame(10).iloc[[0, 1, 2, 7, 8, 9]]
    assert len(validate_ohlcv(df)) == 6


def test_from_dataframe_reads_mt5_style_rates_with_a_column_map() -> None:
    ref = _frame()
    rates = pd.DataFrame(
        {
            "time": ref.index.asi8 // 10**9,  # MT5 rates: Unix seconds
            "open": ref["open"],
            "high": ref["high"],
            "low": ref["low"],
            "close": ref["close"],
            "tick_volume": ref["volume"].astype(np.uint64),
            "spread": 3,
        },
    ).reset_index(drop=True)
    out = from_dataframe(rates, column_map={"tick_volume": "volume"})
    pd.testing.assert_frame_equal(out, ref)


def test_from_dataframe_parses_string_times_in_a_time_zone() -> None:
    ref = _frame()
    df = ref.reset_index(drop=True)
    df.insert(0, "Date", ref.index.tz_convert("Europe/Berlin").strftime("%Y-%m-%d %H:%M"))
    df.columns = ["Date", "Open", "HIGH", "low", "Close", "Volume"]
    out = from_dataframe(df, time_column="date", time_format="%Y-%m-%d %H:%M", tz="Europe/Berlin")
    pd.testing.assert_frame_equal(out, ref)


def test_from_dataframe_errors_name_the_row_and_time_column() -> None:
    df = _frame().reset_index()
    df["timestamp"] = df["timestamp"].astype(str)
    df.loc[4, "timestamp"] = "not a time"
    with pytest.raises(DataValidationError) as info:
        from_dataframe(df, source="frame.pkl")
    message = str(info.value)
    assert "frame.pkl" in message and "'not a time'" in message
    assert "`timestamp`" in message and "row 4" in message


def test_from_dataframe_without_time_information_says_how_to_fix() -> None:
    with pytest.raises(DataValidationError, match="pass `time_column`"):
        from_dataframe(_frame().reset_index(drop=True))
    with pytest.raises(DataValidationError, match="missing time column `when`"):
        from_dataframe(_frame().reset_index(), time_column="when")


def test_from_dataframe_rejects_a_column_map_to_an_unknown_name() -> None:
    df = _frame().rename(columns={"volume": "qty"})
    with pytest.raises(DataValidationError, match="`qty` to `size`"):
        from_dataframe(df, column_map={"qty": "size"})
    with pytest.raises(DataValidationError, match=r"missing column.*`volume`"):
        from_dataframe(df)
