from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from nautilus_rl_lab.data import synthetic
from nautilus_rl_lab.data.source import DataSourceConfig, load_frame
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.widgets import data_explorer
from nautilus_rl_lab.widgets.explorer import candle_rule
from tests.widgets.conftest import TWO_WEEKS


def test_moving_the_date_range_redraws_and_recomputes_the_summary() -> None:
    explorer = data_explorer({"two weeks": TWO_WEEKS, "gbm": synthetic.gbm(300, seed=2)})
    bars = load_frame(TWO_WEEKS)
    assert explorer.frame is not None and len(explorer.frame) == len(bars)
    first_png, first_summary = explorer.figure_view.image.value, explorer.summary.value
    explorer.start.value = dt.date(2017, 3, 6)
    explorer.end.value = dt.date(2017, 3, 8)
    explorer.debouncer.wait()
    expected = bars[(bars.index >= "2017-03-06") & (bars.index < "2017-03-08")]
    pd.testing.assert_frame_equal(explorer.frame, expected)
    assert explorer.figure_view.image.value != first_png
    assert explorer.summary.value != first_summary
    assert f">{len(expected)}<" in explorer.summary.value
    assert explorer.debouncer.runs == 1  # two changes, one redraw


def test_switching_source_resets_the_range_and_shows_its_gaps() -> None:
    gappy = synthetic.with_gaps(synthetic.gbm(400, seed=1), drop_fraction=0.05, seed=1)
    explorer = data_explorer({"two weeks": TWO_WEEKS, "gappy": gappy})
    assert "<b>2 gaps" in explorer.gaps.value  # the two weekends
    explorer.source.value = "gappy"
    assert len(explorer.frame) == len(gappy)
    assert explorer.start.value == gappy.index[0].date()
    gap_count = int(explorer.gaps.value.split("<b>")[1].split(" ")[0])
    assert gap_count > 0


def test_a_range_without_bars_shows_an_error_and_keeps_the_picture() -> None:
    explorer = data_explorer({"two weeks": TWO_WEEKS})
    before = explorer.figure_view.image.value
    explorer.start.value = dt.date(2018, 1, 1)
    explorer.debouncer.wait()
    assert "widen them" in explorer.status.value
    assert explorer.figure_view.image.value == before


def test_long_ranges_are_drawn_as_coarser_candles() -> None:
    frame = synthetic.gbm(2_000, seed=1)
    assert candle_rule(frame.iloc[:200], 300) is None
    assert candle_rule(frame, 300) == "1D"


def test_no_sources_is_refused() -> None:
    with pytest.raises(ConfigError, match="`sources`"):
        data_explorer({})


def test_start_and_end_preset_the_range() -> None:
    explorer = data_explorer({"two weeks": TWO_WEEKS}, start="2017-03-07", end="2017-03-08")
    bars = load_frame(TWO_WEEKS)
    expected = bars[(bars.index >= "2017-03-07") & (bars.index < "2017-03-08")]
    pd.testing.assert_frame_equal(explorer.frame, expected)
    assert explorer.figure_view.redraws == 2  # full range, then the preset one


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sources": [TWO_WEEKS]}, r"`sources` must be a mapping of names to DataSourceConfigs"),
        ({"sources": {"a": 5}}, r"`sources\['a'\]` must be a DataSourceConfig or a DataFrame"),
        ({"start": "2017-02-30"}, r"`start` '2017-02-30' is not a date such as '2017-03-01'"),
        ({"end": 5.5}, r"`end` must be a date or an ISO date string .*, was 5.5 \(float\)"),
        ({"max_candles": "many"}, r"`max_candles` must be an int >= 1, was 'many'"),
        ({"max_candles": 0}, r"`max_candles` must be an int >= 1, was 0"),
    ],
)
def test_wrong_arguments_are_one_config_error_naming_them(kwargs, message) -> None:
    with pytest.raises(ConfigError, match=message):
        data_explorer(**kwargs)


def test_a_source_that_fails_to_load_shows_its_error_in_the_view(tmp_path) -> None:
    missing = DataSourceConfig(kind="csv", path=str(tmp_path / "missing.csv"))
    explorer = data_explorer({"two weeks": TWO_WEEKS, "missing": missing})
    shown = explorer.frame
    explorer.source.value = "missing"  # what picking it in the dropdown does; must not raise
    assert "missing.csv" in explorer.status.value and "color:#b00" in explorer.status.value
    assert explorer.frame is shown  # the last good picture stays


def test_the_gap_table_has_a_header_per_column_or_says_there_are_none() -> None:
    explorer = data_explorer({"two weeks": TWO_WEEKS}, start="2017-03-06", end="2017-03-09")
    assert "no gaps" in explorer.gaps.value and "<table" not in explorer.gaps.value
    explorer.start.value, explorer.end.value = dt.date(2017, 3, 1), dt.date(2017, 3, 15)
    explorer.debouncer.wait()
    html = explorer.gaps.value
    assert html.startswith("<b>2 gaps, longest 2</b>")
    header = re.search(r"<thead>(.*?)</thead>", html, re.S)
    rows = re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1], re.S)
    assert header is not None and len(rows) == 2
    headers = re.findall(r"<th\b[^>]*>([^<]*)</th>", header.group(1))
    assert headers == ["last bar before", "first bar after", "duration", "bars missing"]
    assert all(len(re.findall(r"<t[hd]\b", row)) == len(headers) for row in rows)
