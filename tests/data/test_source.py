"""DataSourceConfig: every source kind loads a validated frame; bad configs name the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from nautilus_rl_lab.data import (
    InstrumentSpec,
    bar_type_for,
    load_sample_eurusd,
    load_sample_sp500,
    make_instrument,
    to_bars,
    write_catalog,
)
from nautilus_rl_lab.data.source import DataSourceConfig, load_frame, source_bar_type
from nautilus_rl_lab.data.synthetic import correlated_markets
from nautilus_rl_lab.errors import ConfigError, DataValidationError
from tests.conftest import assert_python_error


def test_sample_source_cuts_a_half_open_date_range() -> None:
    frame = load_frame(DataSourceConfig(start="2017-10-01", end="2017-11-01"))
    assert frame.index.min() >= load_sample_eurusd().index[0]
    assert frame.index.min().month == 10 and frame.index.max().month == 10


def test_csv_parquet_and_catalog_sources_give_the_sample_back(
    sample_csv: Path, tmp_path: Path
) -> None:
    sample = load_sample_eurusd().iloc[:200]
    parquet = tmp_path / "bars.parquet"
    sample.to_parquet(parquet)
    instrument = make_instrument(InstrumentSpec())
    bar_type = bar_type_for(instrument.id)
    write_catalog(tmp_path / "catalog", instrument, to_bars(sample, bar_type, instrument))
    from_csv = load_frame(DataSourceConfig(kind="csv", path=str(sample_csv), end="2017-01-12"))
    from_parquet = load_frame(DataSourceConfig(kind="parquet", path=str(parquet)))
    from_catalog = load_frame(
        DataSourceConfig(kind="catalog", path=str(tmp_path / "catalog"), bar_type=str(bar_type))
    )
    assert from_parquet.equals(sample)
    assert from_catalog.index.equals(sample.index)
    assert (from_catalog["close"] - sample["close"]).abs().max() < 1e-9
    assert from_csv.iloc[:10].equals(sample.iloc[:10])


def test_synthetic_source_is_seeded() -> None:
    config = DataSourceConfig(
        kind="synthetic", generator="ornstein_uhlenbeck", params={"n_bars": 300, "seed": 3}
    )
    assert load_frame(config).equals(load_frame(config))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "ftp"}, "`data.kind`"),
        ({"kind": "csv"}, "`data.path`"),
        ({"kind": "catalog", "path": "x"}, "`data.bar_type`"),
        ({"kind": "synthetic", "generator": "nope"}, "`data.generator`"),
        ({"spread": -1.0}, "`data.spread`"),
    ],
)
def test_bad_source_config_names_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        DataSourceConfig(**kwargs)


def test_empty_date_range_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="leave no bars"):
        load_frame(DataSourceConfig(start="2030-01-01"))


@pytest.mark.parametrize(
    ("bar_type", "fragment"),
    [
        ("EUR/USD.SIM-1-HOURS-ASK-EXTERNAL", "`aggregation` must be one of"),
        ("EUR/USD.SIM-1-HOUR-ASKX-EXTERNAL", "`price_type` must be one of"),
        ("garbage", "is not a bar type"),
    ],
)
def test_a_bad_catalog_bar_type_is_an_error_not_an_abort(bar_type: str, fragment: str) -> None:
    # In a subprocess: had the string reached Nautilus' enum parser, the process would abort.
    assert_python_error(
        "from nautilus_rl_lab.data.source import DataSourceConfig\n"
        f"DataSourceConfig(kind='catalog', path='x', bar_type={bar_type!r})",
        "ConfigError",
        "`data.bar_type`",
        fragment,
    )


def test_a_catalog_source_uses_the_catalogs_own_bar_type(tmp_path: Path) -> None:
    sample = load_sample_eurusd().iloc[:200]
    daily = sample.resample("1D").agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    )
    daily = daily.dropna()
    instrument = make_instrument(InstrumentSpec())
    stored = bar_type_for(instrument.id, aggregation="DAY", price_type="BID")
    write_catalog(tmp_path, instrument, to_bars(daily, stored, instrument))
    config = DataSourceConfig(kind="catalog", path=str(tmp_path), bar_type=str(stored))
    # The node's defaults say 1-HOUR-ASK; the catalog's 1-DAY-BID wins.
    bar_type = source_bar_type(config, instrument.id, 1, "HOUR", "ASK")
    assert bar_type == stored
    bars = to_bars(load_frame(config), bar_type, instrument)
    assert [b.ts_event for b in bars] == (daily.index + pd.Timedelta("1D")).as_unit(
        "ns"
    ).asi8.tolist()
    other = make_instrument(InstrumentSpec(symbol="GBP/USD"))
    with pytest.raises(ConfigError, match=r"`data.bar_type` .* is for EUR/USD\.SIM"):
        source_bar_type(config, other.id, 1, "HOUR", "ASK")


def test_other_sources_use_the_configured_bar_type() -> None:
    instrument = make_instrument(InstrumentSpec())
    bar_type = source_bar_type(DataSourceConfig(), instrument.id, 4, "hour", "bid")
    assert str(bar_type) == "EUR/USD.SIM-4-HOUR-BID-EXTERNAL"
    with pytest.raises(ConfigError, match="`bar_aggregation`"):
        source_bar_type(DataSourceConfig(), instrument.id, 1, "HOURS", "ASK")


def test_time_format_null_infers_the_format_as_load_csv_does(tmp_path: Path) -> None:
    sample = load_sample_eurusd().iloc[:48]
    path = tmp_path / "iso.csv"
    sample.to_csv(path, date_format="%Y-%m-%dT%H:%M:%S%z")
    config = DataSourceConfig.parse(
        json.dumps({"kind": "csv", "path": str(path), "time_format": None})
    )
    assert config.time_format is None
    pd.testing.assert_frame_equal(load_frame(config), sample)
    dayfirst = tmp_path / "dayfirst.csv"
    sample.to_csv(dayfirst, date_format="%d/%m/%Y %H:%M")
    with pytest.raises(DataValidationError, match="ambiguous timestamp"):
        load_frame(DataSourceConfig(kind="csv", path=str(dayfirst)))
    loaded = load_frame(DataSourceConfig(kind="csv", path=str(dayfirst), dayfirst=True))
    pd.testing.assert_frame_equal(loaded, sample)


def _bar_type(aggregation: str = "HOUR") -> object:
    return bar_type_for(make_instrument(InstrumentSpec()).id, 1, aggregation)


def test_close_stamped_bars_load_as_the_same_open_stamped_bars(tmp_path: Path) -> None:
    """The same bars, stamped at their close (open + 1 h), load with the same open times."""
    sample = load_sample_eurusd().iloc[:100]
    opened, closed = tmp_path / "open.csv", tmp_path / "close.csv"
    sample.to_csv(opened)
    sample.set_axis(sample.index + pd.Timedelta("1h")).to_csv(closed)
    bar_type = _bar_type()
    as_open = load_frame(DataSourceConfig(kind="csv", path=str(opened)), bar_type=bar_type)
    as_close = load_frame(
        DataSourceConfig(kind="csv", path=str(closed), timestamps="close"), bar_type=bar_type
    )
    pd.testing.assert_frame_equal(as_close, sample)
    pd.testing.assert_frame_equal(as_open, sample)
    # `start`/`end` cut open times whatever the file's convention
    cut = DataSourceConfig(
        kind="csv", path=str(closed), timestamps="close", start=str(sample.index[10])
    )
    assert load_frame(cut, bar_type=bar_type).index[0] == sample.index[10]


def _monthly(labels: list[str]) -> pd.DataFrame:
    prices = [1.1 + i / 100 for i in range(len(labels))]
    return pd.DataFrame(
        {"open": prices, "high": prices, "low": prices, "close": prices, "volume": 1.0},
        index=pd.DatetimeIndex(labels, tz="UTC"),
    )


def test_month_end_dates_and_month_start_instants_both_close_the_month() -> None:
    month_end = _monthly(["2020-01-31", "2020-02-29", "2020-03-31 23:59"])
    next_start = _monthly(["2020-02-01", "2020-03-01", "2020-04-01"])
    opens = pd.DatetimeIndex(["2020-01-01", "2020-02-01", "2020-03-01"], tz="UTC")
    config = DataSourceConfig(kind="frame", timestamps="close")
    for frame in (month_end, next_start):
        loaded = load_frame(config, frame, bar_type=_bar_type("MONTH"))
        assert loaded.index.equals(opens.rename("timestamp").as_unit("ns"))
    mid_month = _monthly(["2020-01-31", "2020-02-15"])
    with pytest.raises(DataValidationError, match=r"row 1 .*not the close of a calendar month"):
        load_frame(config, mid_month, bar_type=_bar_type("MONTH"))


def test_close_stamps_need_a_bar_type_and_user_data() -> None:
    with pytest.raises(ConfigError, match=r"`bar_type`"):
        load_frame(DataSourceConfig(kind="frame", timestamps="close"), _monthly(["2020-01-31"]))
    with pytest.raises(ConfigError, match=r"`data.timestamps` 'close' applies to kinds"):
        DataSourceConfig(kind="sample", timestamps="close")
    with pytest.raises(ConfigError, match=r"`data.timestamps` must be one of"):
        DataSourceConfig(kind="csv", path="x.csv", timestamps="end")


def test_tz_reads_naive_file_times_in_that_zone_as_load_csv_does(tmp_path: Path) -> None:
    sample = load_sample_eurusd().iloc[:48]
    path = tmp_path / "berlin.csv"
    sample.set_axis(sample.index.tz_convert("Europe/Berlin").tz_localize(None)).to_csv(path)
    parquet = tmp_path / "berlin.parquet"
    pd.read_csv(path).to_parquet(parquet)
    for kind, file in (("csv", path), ("parquet", parquet)):
        loaded = load_frame(DataSourceConfig(kind=kind, path=str(file), tz="Europe/Berlin"))
        pd.testing.assert_frame_equal(loaded, sample)
    assert load_frame(DataSourceConfig(kind="csv", path=str(path))).index[0] == sample.index[
        0
    ] + pd.Timedelta("1h")  # read as UTC by default: an hour off in Berlin's winter
    with pytest.raises(ConfigError, match=r"`data.tz` must be a time zone"):
        DataSourceConfig(kind="csv", path=str(path), tz="Mars/Olympus")
    with pytest.raises(ConfigError, match=r"`data.tz` applies to naive times"):
        DataSourceConfig(kind="sample", tz="Europe/Berlin")


def test_absolute_and_relative_spread_are_exclusive() -> None:
    with pytest.raises(ConfigError, match=r"`data.spread` .* `data.spread_bps` .* both set"):
        DataSourceConfig(spread=0.0001, spread_bps=2.0)
    with pytest.raises(ConfigError, match=r"`data.spread_bps` must be a finite number >= 0"):
        DataSourceConfig(spread_bps=-1.0)
    assert DataSourceConfig().quote_spreads() == (0.0001, None)
    assert DataSourceConfig(spread_bps=2.0).quote_spreads() == (None, 2.0)
    assert DataSourceConfig(spread=0.0).quote_spreads() == (0.0, None)


def test_an_sp500_sample_source_loads_one_symbol_cut_to_its_range() -> None:
    config = DataSourceConfig(
        kind="sample",
        sample="sp500",
        symbol="AAPL",
        start="2020-03-02",
        end="2020-04-01",
        spread=0.0,
    )
    frame = load_frame(config)
    whole = load_sample_sp500(["AAPL"])["AAPL"]
    expected = whole[(whole.index >= "2020-03-02") & (whole.index < "2020-04-01")]
    pd.testing.assert_frame_equal(frame, expected)
    assert len(frame) == 22  # the trading days of March 2020
    assert frame.index[0] == pd.Timestamp("2020-03-02", tz="UTC")


def test_the_sample_defaults_stay_eurusd_and_write_the_json_they_wrote() -> None:
    default = DataSourceConfig()
    assert default.sample_name == "eurusd"
    assert load_frame(default).equals(load_sample_eurusd())
    written = json.loads(default.json())
    assert "sample" not in written and "symbol" not in written  # bundle hashes keep their bytes
    sp500 = DataSourceConfig(sample="sp500", symbol="MSFT", spread_bps=5.0)
    assert DataSourceConfig.parse(sp500.json()) == sp500
    assert '"sample":"sp500","symbol":"MSFT"' in sp500.json().decode()


@pytest.mark.parametrize(
    ("kwargs", "fragments"),
    [
        ({"sample": "ftse"}, ["`data.sample` 'ftse' is unknown", "eurusd, sp500"]),
        ({"sample": "sp500", "spread": 0.0}, ["`data.symbol` is required", "AAPL, AMD"]),
        ({"sample": "sp500", "symbol": "TSLA", "spread": 0.0}, ["`data.symbol` 'TSLA'", "XOM"]),
        ({"symbol": "AAPL"}, ["`data.symbol` 'AAPL' applies to sample 'sp500'"]),
        ({"sample": "sp500", "symbol": "AAPL"}, ["`data.spread` or `data.spread_bps`"]),
        ({"kind": "csv", "path": "x.csv", "sample": "sp500"}, ["`data.sample` applies to kind"]),
        ({"kind": "csv", "path": "x.csv", "symbol": "AAPL"}, ["`data.symbol` applies to kind"]),
    ],
)
def test_bad_sample_choices_are_refused_naming_the_field(
    kwargs: dict, fragments: list[str]
) -> None:
    with pytest.raises(ConfigError) as info:
        DataSourceConfig(**kwargs)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_a_generator_returning_several_markets_is_refused_naming_the_one_to_use() -> None:
    config = DataSourceConfig(
        kind="synthetic", generator="correlated_markets", params={"n_bars": 10, "seed": 1}
    )
    with pytest.raises(ConfigError, match=r"returns a dict.*'correlated_market'"):
        load_frame(config)


def test_a_correlated_asset_loads_as_that_asset_of_the_joint_draw() -> None:
    params: dict[str, Any] = {"n_bars": 50, "n_assets": 3, "seed": 4, "correlation": 0.5}
    frames = correlated_markets(**params)
    for asset in range(3):
        config = DataSourceConfig(
            kind="synthetic", generator="correlated_market", params={**params, "asset": asset}
        )
        pd.testing.assert_frame_equal(load_frame(config), frames[asset])
