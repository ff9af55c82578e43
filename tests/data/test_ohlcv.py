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
    index = index.as_unit("ns")  # the frame convention (pandas 3 would make it µs)
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


def test_two_columns_for_one_name_are_an_error_not_last_one_wins() -> None:
    df = _frame()
    df["Open"] = df["open"] + 0.0001
    with pytest.raises(DataValidationError, match=r"`open` and `Open` all match `open`"):
        from_dataframe(df)
    both = _frame().rename(columns={"close": "last"})
    both["mid"] = both["last"]
    with pytest.raises(DataValidationError, match=r"sends both `last` and `mid` to `close`"):
        from_dataframe(both, column_map={"last": "close", "mid": "close"})
    assert from_dataframe(df, column_map={"Open": "open"})["open"].equals(df["Open"])


def _dst_frame() -> pd.DataFrame:
    """Hourly bars across the 2021 spring daylight-saving change in Berlin."""
    index = pd.date_range("2021-03-27 22:00", periods=8, freq="1h", tz="UTC", name="timestamp")
    return _frame(8).set_axis(pd.DatetimeIndex(index, freq=None).as_unit("ns"))


def test_iso_strings_with_changing_utc_offsets_parse_to_utc() -> None:
    ref = _dst_frame()
    df = ref.reset_index()
    df["timestamp"] = [t.tz_convert("Europe/Berlin").isoformat() for t in ref.index]
    assert df["timestamp"].str[-6:].nunique() == 2  # +01:00 and +02:00
    pd.testing.assert_frame_equal(from_dataframe(df), ref)
    df.loc[3, "timestamp"] = df.loc[3, "timestamp"][:-6]
    with pytest.raises(
        DataValidationError, match=r"without a UTC offset in `timestamp` .* at row 3"
    ):
        from_dataframe(df)


@pytest.mark.parametrize(("unit", "scale"), [("seconds", 10**9), ("milliseconds", 10**6)])
def test_unix_times_in_seconds_or_milliseconds(unit: str, scale: int) -> None:
    ref = _frame()
    df = ref.reset_index(drop=True)
    df.insert(0, "time", ref.index.as_unit("ns").asi8 // scale)
    pd.testing.assert_frame_equal(from_dataframe(df), ref)
    df.loc[4, "time"] = df.loc[4, "time"] * 1000
    with pytest.raises(DataValidationError, match=rf"mixing Unix time units \({unit} first.*row 4"):
        from_dataframe(df)


def test_dates_written_as_numbers_are_not_read_as_unix_times() -> None:
    days = pd.date_range("2021-03-01", periods=4, freq="D", tz="UTC", name="timestamp")
    ref = _frame(4).set_axis(pd.DatetimeIndex(days, freq=None).as_unit("ns"))
    df = ref.reset_index(drop=True)
    df.insert(0, "date", [int(d.strftime("%Y%m%d")) for d in days])
    with pytest.raises(DataValidationError, match=r"no Unix time after 1973 at row 0.*'%Y%m%d'"):
        from_dataframe(df)
    pd.testing.assert_frame_equal(from_dataframe(df, time_format="%Y%m%d"), ref)


def test_day_first_dates_need_dayfirst_when_ambiguous() -> None:
    days = pd.date_range("2021-03-01", periods=4, freq="D", tz="UTC", name="timestamp")
    ref = _frame(4).set_axis(pd.DatetimeIndex(days, freq=None).as_unit("ns"))
    df = ref.reset_index(drop=True)
    df.insert(0, "date", ref.index.strftime("%d.%m.%Y"))
    with pytest.raises(DataValidationError) as info:
        from_dataframe(df)
    message = str(info.value)
    assert "ambiguous timestamp '01.03.2021'" in message and "pass `dayfirst`" in message
    pd.testing.assert_frame_equal(from_dataframe(df, dayfirst=True), ref)
    month_first = ref.set_axis(
        pd.DatetimeIndex(
            pd.to_datetime(df["date"], format="%m.%d.%Y").dt.tz_localize("UTC"),
            name="timestamp",
            dtype="datetime64[ns, UTC]",
        )
    )
    pd.testing.assert_frame_equal(from_dataframe(df, dayfirst=False), month_first)
    df.loc[3, "date"] = "13.03.2021"  # no 13th month: only day first fits, nothing to guess
    assert from_dataframe(df).index[3] == pd.Timestamp("2021-03-13", tz="UTC")


def test_prices_beyond_what_nautilus_represents_are_refused() -> None:
    df = _frame()
    df.iloc[2, df.columns.get_loc("high")] = 1e14
    with pytest.raises(
        DataValidationError, match=r"`high` beyond what Nautilus can represent at row 2"
    ):
        validate_ohlcv(df)


def test_float16_prices_are_refused_naming_the_dtype_not_a_rounded_bar() -> None:
    index = pd.date_range("2017-01-02", periods=3, freq="h", tz="UTC")
    prices = np.array([1.06123, 1.06456, 1.06789])
    frame = pd.DataFrame(
        {"open": prices, "high": prices + 0.001, "low": prices - 0.001, "close": prices},
        index=index,
    ).astype(np.float16)
    frame["volume"] = 1.0
    with pytest.raises(DataValidationError, match=r"bars.parquet: `open` is stored as float16"):
        validate_ohlcv(frame, source="bars.parquet")
