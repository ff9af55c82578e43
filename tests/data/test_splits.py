"""Train / validation / test ranges of one experiment never overlap on the same data."""

from __future__ import annotations

import logging

import pytest

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
