"""Figures of a scenario run: a scenario x agent heat map and small-multiple equity curves, and
the scenarios' claims as a table whose descriptions wrap instead of being cut short."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Protocol

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from pandas.io.formats.style import Styler


class Described(Protocol):
    """Anything with a `description` (a `ScenarioConfig`; not imported: scenarios import us)."""

    @property
    def description(self) -> str: ...


def plot_scenario_heatmap(table: pd.DataFrame, metric: str = "total_return_%") -> Figure:
    """Heat map of a scenario (rows) x agent (columns) frame, each cell annotated with its value.

    The colour scale is diverging around 0 when the values have both signs.
    """
    values = table.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    norm = TwoSlopeNorm(0.0, min(low, -1e-12), max(high, 1e-12)) if low < 0 < high else None
    figure, ax = plt.subplots(
        figsize=(1.6 + 1.3 * table.shape[1], 1.0 + 0.45 * table.shape[0]), layout="constrained"
    )
    image = ax.imshow(values, cmap="RdYlGn", norm=norm, aspect="auto")
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns], rotation=30, ha="right")
    ax.set_yticks(range(table.shape[0]), [str(i) for i in table.index])
    for (row, col), value in np.ndenumerate(values):
        text = "n/a" if not math.isfinite(value) else f"{value:.2f}"
        ax.text(col, row, text, ha="center", va="center", fontsize=8)
    ax.set_title(metric)
    figure.colorbar(image, ax=ax, shrink=0.8)
    return figure


def plot_scenario_curves(curves: pd.DataFrame, columns: int = 4) -> Figure:
    """One panel per scenario: every agent's equity relative to its start (long-format `curves`)."""
    scenarios = list(dict.fromkeys(curves["scenario"]))
    rows = math.ceil(len(scenarios) / columns)
    figure, axes = plt.subplots(
        rows,
        min(columns, len(scenarios)),
        figsize=(3.2 * min(columns, len(scenarios)), 2.4 * rows),
        squeeze=False,
        layout="constrained",
    )
    for ax, scenario in zip(axes.flat, scenarios, strict=False):
        for agent, curve in curves[curves["scenario"] == scenario].groupby("agent", sort=False):
            equity = curve["equity"].to_numpy(dtype=float)
            ax.plot(pd.to_datetime(curve["ts"]), equity / equity[0], lw=1, label=str(agent))
        ax.set_title(scenario, fontsize=9)
        ax.tick_params(labelsize=7)
        locator = mdates.AutoDateLocator(minticks=2, maxticks=4)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    for ax in axes.flat[len(scenarios) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=len(labels), fontsize=8)
    return figure


def scenario_table(scenarios: Mapping[str, Described]) -> Styler:
    """Each scenario's claim (its description) in full, wrapped in its cell, never cut short."""
    table = pd.DataFrame(
        {"claim": [s.description for s in scenarios.values()]}, index=list(scenarios)
    )
    return table.style.format(escape="html").set_properties(
        **{"white-space": "normal", "text-align": "left", "max-width": "60em"}
    )
