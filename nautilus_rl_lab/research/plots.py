"""Figures of the research protocols: seed fans and walk-forward curves (matplotlib)."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from nautilus_rl_lab.plots import legend_outside
from nautilus_rl_lab.research.seeds import SeedsResult
from nautilus_rl_lab.research.walk_forward import WalkForwardResult


def _dates(ax: plt.Axes) -> None:
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def plot_seed_equity(result: SeedsResult, title: str = "Out-of-sample equity by seed") -> Figure:
    """Every seed's test-range equity (thin) and their median (bold)."""
    figure, ax = plt.subplots(figsize=(10, 4.5))
    equity = result.equity.ffill()
    for seed in equity.columns:
        ax.plot(equity.index, equity[seed], lw=0.8, alpha=0.5, label=f"seed {seed}")
    ax.plot(equity.index, equity.median(axis=1), color="black", lw=2, label="median")
    ax.set(title=title, ylabel="equity")
    legend_outside(ax)
    _dates(ax)
    figure.tight_layout()
    return figure


def plot_walk_forward(
    result: WalkForwardResult, title: str = "Walk-forward (out of sample)"
) -> Figure:
    """The stitched out-of-sample equity with each window's test segment shaded."""
    figure, ax = plt.subplots(figsize=(10, 4.5))
    equity = result.equity
    ax.plot(equity.index, equity, color="tab:blue", lw=1.2, label="stitched test segments")
    for window in result.windows:
        ax.axvspan(window.test_start, window.test_end, alpha=0.08 if window.index % 2 else 0.16)
    ax.set(title=title, ylabel="equity")
    legend_outside(ax)
    _dates(ax)
    figure.tight_layout()
    return figure
