"""Scenario figures: the heat map shows every cell's value, the curves one panel per scenario."""

from __future__ import annotations

import html
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import TwoSlopeNorm

from nautilus_rl_lab.reports.scenarios import (
    plot_scenario_curves,
    plot_scenario_heatmap,
    scenario_table,
)
from nautilus_rl_lab.scenarios import builtin_scenarios
from tests.test_plots import assert_legends_clear_of_data, assert_tick_labels_apart, drawn


def test_heatmap_annotates_each_cell_and_centres_mixed_signs_on_zero() -> None:
    table = pd.DataFrame(
        {"a": [1.5, -2.25], "b": [math.nan, 0.5]}, index=pd.Index(["up", "down"], name="scenario")
    )
    figure = plot_scenario_heatmap(table, "total_return_%")
    ax = figure.axes[0]
    assert sorted(t.get_text() for t in ax.texts) == sorted(["1.50", "-2.25", "n/a", "0.50"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["up", "down"]
    assert ax.get_title() == "total_return_%"
    norm = ax.images[0].norm
    assert isinstance(norm, TwoSlopeNorm) and norm.vcenter == 0.0
    plt.close(figure)


def test_curves_get_one_visible_panel_per_scenario_with_a_line_per_agent() -> None:
    times = pd.date_range("2020-01-01", periods=5, freq="1h", tz="UTC")
    rows = [
        {"scenario": s, "agent": a, "ts": t, "equity": 100.0 + i, "position": 0.0, "close": 1.0}
        for s in ("s1", "s2", "s3", "s4", "s5")
        for a in ("x", "y")
        for i, t in enumerate(times)
    ]
    figure = plot_scenario_curves(pd.DataFrame(rows), columns=4)
    visible = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["s1", "s2", "s3", "s4", "s5"]
    assert all(len(ax.lines) == 2 for ax in visible)
    np.testing.assert_allclose(visible[0].lines[0].get_ydata(), (100 + np.arange(5)) / 100)
    plt.close(figure)


@pytest.mark.parametrize("bars", [300, 1_500])  # fast mode's and the full scenarios' length
def test_scenario_curves_keep_legend_and_dates_readable(bars) -> None:
    times = pd.date_range("2020-01-01", periods=bars, freq="1h", tz="UTC")
    rows = [
        {"scenario": s, "agent": a, "ts": t, "equity": 100.0 + i + k, "position": 0.0, "close": 1.0}
        for s in ("trend_up", "flash_crash", "wide_spread", "regime_switch", "low_vol")
        for k, a in enumerate(("ppo", "buy_and_hold", "random_mean", "bollinger"))
        for i, t in enumerate(times)
    ]
    figure = drawn(plot_scenario_curves(pd.DataFrame(rows), columns=4))
    assert [t.get_text() for t in figure.legends[0].get_texts()] == [
        "ppo", "buy_and_hold", "random_mean", "bollinger"
    ]  # fmt: skip
    assert_legends_clear_of_data(figure)
    assert_tick_labels_apart(figure)
    plt.close(figure)


def test_scenario_claims_are_shown_in_full() -> None:
    scenarios = builtin_scenarios()
    page = scenario_table(scenarios).to_html()
    longest = max((s.description for s in scenarios.values()), key=len)
    assert len(longest) > pd.get_option("display.max_colwidth")  # pandas' repr would cut it
    for scenario in scenarios.values():
        assert scenario.description in html.unescape(page)
    assert "..." not in page and "\u2026" not in page
