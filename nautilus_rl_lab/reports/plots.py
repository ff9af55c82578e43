"""Matplotlib figures researchers look at: an episode's price, fills and equity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def plot_episode(history: Sequence[dict[str, Any]], fills: pd.DataFrame | None = None) -> Figure:
    """Two panels: close price with buy/sell fills, and equity with the position underneath."""
    frame = pd.DataFrame(list(history))
    times = pd.to_datetime(frame["ts"], utc=True)
    figure, (price_ax, equity_ax) = plt.subplots(
        2, 1, figsize=(10, 6), sharex=True, gridspec_kw={"height_ratios": [2, 1]}
    )
    price_ax.plot(times, frame["close"], color="0.3", lw=1, label="close")
    _scatter_fills(price_ax, fills)
    price_ax.set_ylabel("price")
    price_ax.legend(loc="upper left")
    equity_ax.plot(times, frame["equity"], color="tab:blue", lw=1.2)
    equity_ax.set_ylabel("equity")
    position_ax = equity_ax.twinx()
    position_ax.fill_between(times, frame["position"], step="post", alpha=0.2, color="tab:orange")
    position_ax.set_ylabel("position")
    figure.tight_layout()
    return figure


def _scatter_fills(ax: plt.Axes, fills: pd.DataFrame | None) -> None:
    """Buy (green ^) and sell (red v) markers at each fill's time and price."""
    if fills is None or fills.empty:
        return
    fill_times = pd.to_datetime(fills["ts_event"], utc=True)
    prices = fills["last_px"].astype(float)
    for side, marker, color in (("BUY", "^", "tab:green"), ("SELL", "v", "tab:red")):
        mask = (fills["order_side"] == side).to_numpy()
        ax.scatter(
            fill_times[mask], prices[mask], marker=marker, color=color, s=30, label=side.lower()
        )


def figure_to_rgb(figure: Figure) -> np.ndarray:
    """Render `figure` to an RGB array (Gymnasium's `rgb_array` mode) and close it."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[..., :3].copy()
    plt.close(figure)
    return rgb


def plot_equity_curves(equity: pd.DataFrame, title: str = "Equity (out of sample)") -> Figure:
    """One line per agent: the account's mark-to-market equity over time."""
    figure, ax = plt.subplots(figsize=(10, 4.5))
    for name in equity.columns:
        ax.plot(
            equity.index, equity[name], lw=1.8 if name == equity.columns[0] else 1.0, label=name
        )
    ax.set_title(title)
    ax.set_ylabel("equity")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def drawdowns(equity: pd.DataFrame) -> pd.DataFrame:
    """Drawdown from the running peak, in percent (<= 0), per column."""
    return (equity / equity.cummax() - 1.0) * 100.0


def plot_drawdowns(equity: pd.DataFrame, title: str = "Drawdown") -> Figure:
    """Drawdown from the running peak (%) per agent."""
    figure, ax = plt.subplots(figsize=(10, 3.5))
    dd = drawdowns(equity)
    for name in dd.columns:
        ax.plot(dd.index, dd[name], lw=1.0, label=name)
    ax.fill_between(dd.index, dd[dd.columns[0]], 0.0, alpha=0.2)
    ax.set_title(title)
    ax.set_ylabel("drawdown (%)")
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def plot_trades(close: pd.Series, fills: pd.DataFrame, position: pd.Series | None = None) -> Figure:
    """Close price with buy/sell fills (Nautilus' fills report), and the position underneath."""
    figure, (price_ax, position_ax) = plt.subplots(
        2, 1, figsize=(10, 5.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    price_ax.plot(close.index, close.to_numpy(), color="0.3", lw=0.8, label="close")
    _scatter_fills(price_ax, fills)
    price_ax.set_title(f"Trades ({len(fills)} fills)")
    price_ax.set_ylabel("price")
    price_ax.legend(loc="upper left")
    if position is not None:
        position_ax.fill_between(position.index, position.to_numpy(), step="post", alpha=0.4)
    position_ax.set_ylabel("position")
    figure.tight_layout()
    return figure
