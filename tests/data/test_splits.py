"""Train / validation / test ranges of one experiment never overlap on the same data."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from nautilus_rl_lab.data import to_bars, write_catalog
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.data.splits import check_disjoint, overlap
from nautilus_rl_lab.errors import ConfigError


def sample(start: str | None, end: str | None) -> DataSourceConfig:
    return DataSourceConfig(kind="sample", start=start, end=end)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (("2017-01-01", "2017-09-01"), ("2017-09-01", "2017-10-01"), False),  # half-open: touch
        (("2017-01-01", "2017-09-02"), ("2017-09-01", "2017-10-01"), True),
        ((None, None), ("2017-10-01", None), True),  # the whole file contains everything
        ((None, "2017-10-01"), ("2017-10-01", None), False),
        (("2017-03-01T00:00:00+02:00", None), (None, "2017-02-28T23:00:00Z"), True),
    ],
)
def test_overlap_of_half_open_utc_ranges(a, b, expected) -> None:
    assert overlap(sample(*a), sample(*b)) is expected
    assert overlap(sample(*b), sample(*a)) is expected


def test_ranges_of_different_sources_never_overlap() -> None:
    synthetic = DataSourceConfig(kind="synthetic", generator="gbm", params={"seed": 1})
    other_seed = DataSourceConfig(kind="synthetic", generator="gbm", params={"seed": 2})
    assert not overlap(sample(None, None), synthetic)
    assert not overlap(synthetic, other_seed)
    assert overlap(
        synthetic, DataSourceConfig(kind="synthetic", generator="gbm", params={"seed": 1})
    )


def test_overlap_is_an_error_naming_both_fields_unless_allowed(caplog) -> None:
    ranges = {
        "eval_data": sample("2017-09-01", "2017-11-01"),
        "test_data": sample("2017-10-01", None),
    }
    with pytest.raises(ConfigError, match=r"`eval_data` .* and `test_data` .* overlap"):
        check_disjoint(ranges)
    with caplog.at_level(logging.WARNING):
        check_disjoint(ranges, allow_overlap=True)
    assert "allowed by `allow_overlap`" in caplog.text
    check_disjoint({"a": sample(None, "2017-09-01"), "b": None, "c": sample("2017-09-01", None)})


def test_the_same_file_through_a_symlink_a_relative_path_or_a_copy_is_the_same_data(
    sample_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(sample_csv)
    copy = tmp_path / "copy.csv"
    shutil.copyfile(sample_csv, copy)
    monkeypatch.chdir(sample_csv.parent)
    train = DataSourceConfig(kind="csv", path=str(sample_csv), end="2017-10-01")
    for path in (str(link), str(copy), sample_csv.name):
        test = DataSourceConfig(kind="csv", path=path, start="2017-09-01")
        assert overlap(train, test), path
        with pytest.raises(ConfigError, match=r"`env.data` .* and `test_data` .* overlap"):
            check_disjoint({"env.data": train, "test_data": test})
    assert overlap(sample(None, "2017-10-01"), DataSourceConfig(kind="csv", path=str(copy)))
    other = tmp_path / "other.csv"
    other.write_text(sample_csv.read_text().replace("1.0", "2.0", 1))
    assert not overlap(train, DataSourceConfig(kind="csv", path=str(other), start="2017-09-01"))


def test_a_copied_catalog_holds_the_same_bars(sample_df, eurusd, eurusd_bar_type, tmp_path) -> None:
    write_catalog(
        tmp_path / "catalog", eurusd, to_bars(sample_df.iloc[:500], eurusd_bar_type, eurusd)
    )
    shutil.copytree(tmp_path / "catalog", tmp_path / "copy")
    (tmp_path / "link").symlink_to(tmp_path / "catalog")
    write_catalog(
        tmp_path / "other", eurusd, to_bars(sample_df.iloc[500:900], eurusd_bar_type, eurusd)
    )

    def catalog(name: str, start: str | None = None) -> DataSourceConfig:
        path = str(tmp_path / name)
        return DataSourceConfig(
            kind="catalog", path=path, bar_type=str(eurusd_bar_type), start=start
        )

    assert overlap(catalog("catalog"), catalog("copy", "2017-01-10"))
    assert overlap(catalog("catalog"), catalog("link", "2017-01-10"))
    assert not overlap(catalog("catalog"), catalog("other", "2017-01-10"))


def test_sp500_symbols_are_one_market_and_not_the_eurusd_sample() -> None:
    def stock(symbol: str, start: str | None, end: str | None) -> DataSourceConfig:
        return DataSourceConfig(sample="sp500", symbol=symbol, start=start, end=end, spread=0.0)

    assert overlap(stock("AAPL", None, "2010-01-01"), stock("MSFT", "2009-01-01", None))
    assert not overlap(stock("AAPL", None, "2010-01-01"), stock("MSFT", "2010-01-01", None))
    assert not overlap(stock("AAPL", "2017-01-01", "2018-01-01"), sample(None, None))
