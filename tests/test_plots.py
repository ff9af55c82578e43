"""Figures: legends beside the data (never over a line), date labels that do not collide."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from nautilus_rl_lab.plots import plot_drawdowns, plot_episode, plot_equity_curves, plot_trades

INDEX = pd.date_range("2017-10-02", periods=240, freq="1h", tz="UTC")
EQUITY = pd.DataFrame(
    {
        name: 100_000 * np.exp(np.cumsum(np.random.default_rng(seed).normal(0, 1e-3, len(INDEX))))
        for seed, name in enumerate(("agent", "buy_and_hold", "random_mean", "bollinger"))
    },
    index=INDEX,
)


def drawn(figure: Figure) -> Figure:
    """`figure` rendered, so every artist has its final place."""
    figure.canvas.draw()
    return figure


def assert_legends_clear_of_data(figure: Figure) -> None:
    """Every legend lies inside the figure and off every visible axes' data area."""
    renderer = figure.canvas.get_renderer()
    legends = [ax.get_legend() for ax in figure.axes if ax.get_legend()] + figure.legends
    assert legends, "no legend"
    page = figure.bbox
    for legend in legends:
        box = legend.get_window_extent(renderer)
        assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1, "legend cut off"
        assert page.y0 - 1 <= box.y0 and box.y1 <= page.y1 + 1, "legend cut off"
        for ax in figure.axes:
            if ax.get_visible():
                assert not box.overlaps(ax.get_window_extent(renderer)), ax.get_title()


def assert_tick_labels_apart(figure: Figure) -> None:
    """No two x tick labels of an axes overlap."""
    renderer = figure.canvas.get_renderer()
    for ax in figure.axes:
        if not ax.get_visible():
            continue
        boxes = [
            label.get_window_extent(renderer)
            for label in ax.get_xticklabels()
            if label.get_visible() and label.get_text()
        ]
        for a, b in itertools.combinations(boxes, 2):
            assert not Bbox.intersection(a, b), [t.get_text() for t in ax.get_xticklabels()]


def episode_history() -> list[dict]:
    close = EQUITY["agent"] / 1e5
    position = np.where(np.arange(len(INDEX)) % 40 < 20, 100_000.0, -100_000.0)
    return [
        {"ts": ts.value, "close": c, "equity": e, "position": p}
        for ts, c, e, p in zip(INDEX, close, EQUITY["agent"], position, strict=True)
    ]


FILLS = pd.DataFrame(
    {
        "ts_event": INDEX[[10, 50]],
        "last_px": ["1.0", "1.01"],
        "order_side": ["BUY", "SELL"],
    }
)


@pytest.mark.parametrize(
    "make",
    [
        lambda: plot_equity_curves(EQUITY, "Equity, test range"),
        lambda: plot_drawdowns(EQUITY, "Drawdown"),
        lambda: plot_trades(EQUITY["agent"] / 1e5, FILLS, EQUITY["agent"] * 0 + 1),
        lambda: plot_episode(episode_history(), FILLS, "episode 0"),
    ],
    ids=["equity", "drawdown", "trades", "episode"],
)
def test_legends_sit_beside_the_data_and_inside_the_figure(make) -> None:
    figure = drawn(make())
    assert_legends_clear_of_data(figure)
    assert_tick_labels_apart(figure)
    plt.close(figure)


def test_the_drawdown_shading_belongs_to_the_first_series_by_name() -> None:
    figure = plot_drawdowns(EQUITY)
    ax = figure.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [*EQUITY.columns, "agent (area)"]
    (area,) = ax.collections
    np.testing.assert_allclose(area.get_facecolor()[0][:3], plt.matplotlib.colors.to_rgb(
        ax.lines[0].get_color()))  # fmt: skip
    plt.close(figure)
