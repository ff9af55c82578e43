"""CSV/Parquet loaders and the bundled sample: good input loads, bad input names file, line and field."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.data import (
    load_csv,
    load_parquet,
    load_sample_eurusd,
    load_sample_sp500,
    validate_ohlcv,
)
from nautilus_rl_lab.data.loaders import (
    CLOSE_ONLY_VOLUME,
    DATA_DIR_ENV,
    SAMPLE_EURUSD_FILE,
    SAMPLE_SP500_FILE,
    SAMPLE_TIME_FORMAT,
    SP500_SYMBOLS,
)
from nautilus_rl_lab.data.ohlcv import file_rows
from nautilus_rl_lab.errors import ConfigError, DataValidationError
from nautilus_rl_lab.nt.limits import PRICE_MAX

WriteCsv = Callable[..., Path]
HEAD = 10  # header + 9 bars of the sample


def _load_head(path: Path) -> pd.DataFrame:
    """The sample's head reads both day and month first: its format must be given."""
    return load_csv(path, time_format=SAMPLE_TIME_FORMAT)


def test_sample_loads_6225_hourly_ask_bars_with_weekend_gaps(
    sample_df: pd.DataFrame, sample_lines: list[str]
) -> None:
    assert len(sample_df) == len(sample_lines) - 1 == 6225
    assert str(sample_df.index.tz) == "UTC" and sample_df.index.name == "timestamp"
    assert sample_df.index[0] == pd.Timestamp("2017-01-01 22:00", tz="UTC")
    first = sample_lines[1].split(",")
    assert sample_df.iloc[0].tolist() == [float(v) for v in first[1:]]
    gaps = sample_df.index.to_series().diff().dropna()
    assert gaps.min() == pd.Timedelta("1h")
    weekend = gaps[gaps >= pd.Timedelta("47h")]
    assert len(weekend) >= 40  # one gap per weekend: accepted, not an error
    assert (weekend.index.dayofweek == 6).all()  # trading resumes on Sunday evening


def test_load_sample_eurusd_matches_load_csv(sample_df: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(load_sample_eurusd(), sample_df)


def test_nrl_data_dir_overrides_the_sample_location(
    tmp_path: Path, sample_lines: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / SAMPLE_EURUSD_FILE).write_text("\n".join(sample_lines[:4]) + "\n")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert len(load_sample_eurusd()) == 3
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_sample_eurusd()


def _replace(lines: list[str], line_no: int, column: int, value: str) -> list[str]:
    """Set field `column` of file line `line_no` (1-based, header = 1)."""
    out = list(lines)
    fields = out[line_no - 1].split(",")
    fields[column] = value
    out[line_no - 1] = ",".join(fields)
    return out


def _swap(lines: list[str], a: int, b: int) -> list[str]:
    out = list(lines)
    out[a - 1], out[b - 1] = out[b - 1], out[a - 1]
    return out


def _swap_high_low(lines: list[str], line_no: int) -> list[str]:
    fields = lines[line_no - 1].split(",")
    return _replace(_replace(lines, line_no, 2, fields[3]), line_no, 3, fields[2])


# name -> (edit of the sample's first lines, substrings the message must contain)
BAD_CSVS: dict[str, tuple[Callable[[list[str]], list[str]], list[str]]] = {
    "unparsable timestamp": (
        lambda ls: _replace(ls, 5, 0, "2017-13-45 25:00"),
        ["unparsable timestamp '2017-13-45 25:00'", "`Time`", "line 5", "%d.%m.%Y"],
    ),
    "unparsable price": (
        lambda ls: _replace(ls, 7, 1, "1.05x"),
        ["unparsable value '1.05x'", "`Open`", "line 7", "expected a number"],
    ),
    "missing price": (
        lambda ls: _replace(ls, 3, 4, ""),
        ["missing value in `Close`", "line 3"],
    ),
    "nan price": (lambda ls: _replace(ls, 4, 2, "nan"), ["NaN in `high`", "line 4"]),
    "inf price": (lambda ls: _replace(ls, 6, 3, "inf"), ["infinite value in `low`", "line 6"]),
    "zero price": (lambda ls: _replace(ls, 9, 4, "0"), ["non-positive `close`", "line 9"]),
    "high below low": (
        lambda ls: _swap_high_low(ls, 8),
        ["`high` < `low`", "line 8", "expected high >= low"],
    ),
    "close above high": (
        lambda ls: _replace(ls, 2, 4, "1.5"),
        ["`close` outside [`low`, `high`]", "line 2"],
    ),
    "negative volume": (lambda ls: _replace(ls, 10, 5, "-5"), ["negative `volume`", "line 10"]),
    "unsorted": (lambda ls: _swap(ls, 4, 5), ["unsorted timestamp", "line 5"]),
    "duplicate": (
        lambda ls: [*ls[:4], ls[3], *ls[4:]],
        ["duplicate timestamp", "line 5"],
    ),
    "malformed (extra field)": (
        lambda ls: [*ls[:5], ls[5] + ",42", *ls[6:]],
        ["malformed CSV", "line 6", "Expected 6 fields"],
    ),
    "missing column": (
        lambda ls: [",".join(line.split(",")[:4] + line.split(",")[5:]) for line in ls],
        ["missing column(s) `close`", "columns found: Open, High, Low, Volume"],
    ),
    "missing time column": (
        lambda ls: [ls[0].replace("Time", "When"), *ls[1:]],
        ["missing time column (looked for timestamp, time,", "line 1", "time_column="],
    ),
    "header only": (lambda ls: ls[:1], ["no data rows after the header"]),
}


@pytest.mark.parametrize("case", list(BAD_CSVS))
def test_bad_csv_raises_naming_file_line_and_field(
    case: str, sample_lines: list[str], write_csv: WriteCsv
) -> None:
    edit, expected = BAD_CSVS[case]
    path = write_csv(edit(sample_lines[:HEAD]), name="eurusd_bad.csv")
    with pytest.raises(DataValidationError) as info:
        _load_head(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"


def test_the_unedited_head_loads(sample_lines: list[str], write_csv: WriteCsv) -> None:
    assert len(_load_head(write_csv(sample_lines[:HEAD]))) == HEAD - 1


def test_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(DataValidationError, match=r"empty\.csv: file is empty; expected a header"):
        load_csv(path)


def test_binary_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_bytes(b"\xff\xfe\x00\x81" * 50)
    with pytest.raises(DataValidationError, match=r"bars\.csv"):
        load_csv(path)


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.csv"):
        load_csv(tmp_path / "nope.csv")


def test_blank_lines_are_skipped_but_keep_line_numbers(
    sample_lines: list[str], write_csv: WriteCsv
) -> None:
    lines = [*sample_lines[:3], "", *sample_lines[3:HEAD]]
    assert len(_load_head(write_csv(lines))) == HEAD - 1
    bad = _replace(lines, 6, 0, "garbage")
    with pytest.raises(DataValidationError, match="line 6"):
        _load_head(write_csv(bad))


def test_generic_csv_with_column_map_time_format_and_time_zone(
    sample_df: pd.DataFrame, write_csv: WriteCsv
) -> None:
    ref = sample_df.iloc[:24]
    local = ref.index.tz_convert("Europe/Berlin").strftime("%Y-%m-%d %H:%M")
    lines = ["date;o;h;l;c;tick_volume".replace(";", ",")]
    lines += [
        f"{t},{o!r},{h!r},{lo!r},{c!r},{v!r}"
        for t, (o, h, lo, c, v) in zip(local, ref.itertuples(index=False), strict=True)
    ]
    out = load_csv(
        write_csv(lines),
        column_map={"o": "open", "h": "high", "l": "low", "c": "close", "TICK_VOLUME": "volume"},
        time_column="Date",
        time_format="%Y-%m-%d %H:%M",
        tz="Europe/Berlin",
    )
    pd.testing.assert_frame_equal(out, ref)


def test_time_format_none_infers_iso_times(sample_df: pd.DataFrame, write_csv: WriteCsv) -> None:
    ref = sample_df.iloc[:5]
    lines = ["timestamp,open,high,low,close,volume"]
    lines += [
        f"{t.isoformat()},{','.join(map(repr, row))}"
        for t, row in zip(ref.index, ref.itertuples(index=False), strict=True)
    ]
    out = load_csv(write_csv(lines), time_column="timestamp", time_format=None)
    pd.testing.assert_frame_equal(out, ref)


def test_load_parquet_round_trips_a_frame(sample_df: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "bars.parquet"
    sample_df.to_parquet(path)
    pd.testing.assert_frame_equal(load_parquet(path), sample_df)


def test_load_parquet_with_time_column_and_column_map(
    sample_df: pd.DataFrame, tmp_path: Path
) -> None:
    ref = sample_df.iloc[:100]
    df = ref.reset_index().rename(columns={"timestamp": "Time", "volume": "Vol"})
    df["Time"] = df["Time"].dt.tz_localize(None)
    path = tmp_path / "bars.parquet"
    df.to_parquet(path, index=False)
    out = load_parquet(path, column_map={"Vol": "volume"}, time_column="time")
    pd.testing.assert_frame_equal(out, ref)


def test_load_parquet_validates_and_names_the_file(sample_df: pd.DataFrame, tmp_path: Path) -> None:
    df = sample_df.iloc[:10].copy()
    df.iloc[3, df.columns.get_loc("low")] = np.nan
    path = tmp_path / "holes.parquet"
    df.to_parquet(path)
    with pytest.raises(DataValidationError, match=r"holes\.parquet: NaN in `low` at row 3"):
        load_parquet(path)
    not_parquet = tmp_path / "text.parquet"
    not_parquet.write_text("hello")
    with pytest.raises(DataValidationError, match=r"text\.parquet: not a readable Parquet"):
        load_parquet(not_parquet)


def _csv_lines(ref: pd.DataFrame, times: list[str], header: str = "Time") -> list[str]:
    rows = zip(times, ref.itertuples(index=False), strict=True)
    return [f"{header},Open,High,Low,Close,Volume"] + [
        f"{t},{','.join(map(repr, row))}" for t, row in rows
    ]


def test_a_csv_spanning_a_daylight_saving_change_with_utc_offsets(
    sample_df: pd.DataFrame, write_csv: WriteCsv
) -> None:
    ref = sample_df.loc["2017-03-24 20:00":"2017-03-27 03:00"]  # Berlin springs forward on 26 March
    times = [t.tz_convert("Europe/Berlin").isoformat() for t in ref.index]
    assert {t[-6:] for t in times} == {"+01:00", "+02:00"}
    pd.testing.assert_frame_equal(load_csv(write_csv(_csv_lines(ref, times))), ref)


@pytest.mark.parametrize("scale", [10**9, 10**6])
def test_a_csv_with_unix_seconds_or_milliseconds(
    scale: int, sample_df: pd.DataFrame, write_csv: WriteCsv
) -> None:
    ref = sample_df.iloc[:24]
    times = [str(ns // scale) for ns in ref.index.as_unit("ns").asi8]
    pd.testing.assert_frame_equal(load_csv(write_csv(_csv_lines(ref, times))), ref)


def test_day_first_csv_dates_need_dayfirst_when_ambiguous(
    sample_lines: list[str], sample_df: pd.DataFrame, write_csv: WriteCsv
) -> None:
    path = write_csv(sample_lines[:HEAD])  # 01.01.2017 ... 02.01.2017: both readings fit
    with pytest.raises(
        DataValidationError, match=r"ambiguous timestamp '02.01.2017 00:00:00.000'.* line 4"
    ):
        load_csv(path)
    pd.testing.assert_frame_equal(load_csv(path, dayfirst=True), sample_df.iloc[: HEAD - 1])


def test_a_file_written_by_to_csv_loads_without_naming_its_index(
    sample_df: pd.DataFrame, tmp_path: Path
) -> None:
    ref = sample_df.iloc[:30]
    path = tmp_path / "bars.csv"
    ref.rename_axis(None).to_csv(path)
    assert path.read_text().startswith(",open,")
    pd.testing.assert_frame_equal(load_csv(path), ref)


def test_prices_nautilus_cannot_represent_are_refused_with_file_line_and_field(
    sample_lines: list[str], write_csv: WriteCsv
) -> None:
    lines = _replace(_replace(sample_lines[:HEAD], 4, 2, "2e13"), 4, 4, "2e13")
    path = write_csv(lines)
    with pytest.raises(DataValidationError) as info:
        _load_head(path)
    message = str(info.value)
    assert message.startswith(f"{path}: `high` beyond what Nautilus can represent at line 4")
    assert f"expected high <= {PRICE_MAX:,.0f}" in message


def test_a_loaded_frame_keeps_its_file_lines_through_copies_pickles_and_parquet(
    sample_csv: Path, tmp_path: Path
) -> None:
    """The file and line numbers ride in `attrs` without breaking what pandas does with them."""
    frame = load_csv(sample_csv)
    rows = file_rows(frame.iloc[10:20].copy())
    assert rows is not None and rows.path == str(sample_csv)
    assert rows.line(int(frame.index[10].value)) == 12  # header, then rows from line 2
    copied = pickle.loads(pickle.dumps(frame))
    assert file_rows(copied) is not None and file_rows(copied).line(frame.index[0].value) == 2
    parquet = tmp_path / "bars.parquet"
    frame.to_parquet(parquet)  # pandas writes attrs as JSON: the path, as a string
    pd.testing.assert_frame_equal(load_parquet(parquet), frame)
    both = pd.concat([frame.iloc[:5], frame.iloc[5:10]])
    assert file_rows(both) is not None


def _sp500_table(repo_root: Path) -> pd.DataFrame:
    """The bundled S&P 500 file as pandas reads it: the reference the loader must reproduce."""
    return pd.read_csv(repo_root / "data" / SAMPLE_SP500_FILE, index_col="Date")


@pytest.fixture(scope="module")
def sp500() -> dict[str, pd.DataFrame]:
    return load_sample_sp500()


def test_sp500_sample_loads_20_close_only_daily_frames_of_the_whole_file(
    sp500: dict[str, pd.DataFrame], repo_root: Path
) -> None:
    table = _sp500_table(repo_root)
    assert list(sp500) == list(SP500_SYMBOLS) == list(table.columns)
    for symbol, frame in sp500.items():
        pd.testing.assert_frame_equal(validate_ohlcv(frame), frame)
        assert len(frame) == len(table) == 8313
        assert frame.index[0] == pd.Timestamp("1990-01-02", tz="UTC")
        assert frame.index[-1] == pd.Timestamp("2022-12-28", tz="UTC")
        for column in ("open", "high", "low"):
            assert frame[column].equals(frame["close"])
        assert (frame["close"].to_numpy() == table[symbol].to_numpy()).all()
        assert (frame["volume"] == CLOSE_ONLY_VOLUME).all()
    assert (sp500["AAPL"].index.dayofweek < 5).all()  # trading days only: gaps are normal


def test_sp500_frames_name_their_file_line_for_later_checks(
    sp500: dict[str, pd.DataFrame],
) -> None:
    rows = file_rows(sp500["MSFT"])
    assert rows is not None and rows.path.endswith(SAMPLE_SP500_FILE)
    assert str(rows.describe(sp500["MSFT"].index[2])).startswith("line 4 (timestamp 1990-01-04")


def test_sp500_symbols_select_and_order_the_frames(sp500: dict[str, pd.DataFrame]) -> None:
    chosen = load_sample_sp500(["XOM", "AAPL"])
    assert list(chosen) == ["XOM", "AAPL"]
    pd.testing.assert_frame_equal(chosen["XOM"], sp500["XOM"])


@pytest.mark.parametrize("symbols", [["AAPL", "TSLA"], "AAPL", []])
def test_an_unknown_sp500_symbol_is_refused_naming_it_and_the_20(symbols: object) -> None:
    with pytest.raises(ConfigError, match="`symbols`") as info:
        load_sample_sp500(symbols)  # type: ignore[arg-type]
    if symbols == ["AAPL", "TSLA"]:
        assert "'TSLA'" in str(info.value) and ", ".join(SP500_SYMBOLS) in str(info.value)


def test_a_changed_sp500_header_names_the_file(
    tmp_path: Path, repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = _sp500_table(repo_root).iloc[:5].rename(columns={"AAPL": "APPL"})
    table.to_csv(tmp_path / SAMPLE_SP500_FILE)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataValidationError, match=rf"{SAMPLE_SP500_FILE}: header .*APPL"):
        load_sample_sp500()
