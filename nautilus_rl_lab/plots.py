"""Matplotlib figures researchers look at: episodes, equity, drawdowns, trades and candlesticks.

Each picture has an axes-level `draw_*` function (used by the interactive widgets, which
redraw one reused `Figure`) and, where scripts want a whole figure, a `plot_*` function that
makes a pyplot figure and calls it. Prices and equity are shown without an offset
(`+1e5`-style) axis, and times with concise date labels that do not collide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend


def plain_axes(ax: Axes, *, dates: bool = True) -> None:
    """Plain numbers on the y axis (no offset or scientific notation) and concise date labels."""
    ax.ticklabel_format(axis="y", useOffset=False, style="plain")
    if dates:
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(alpha=0.3)


def legend_outside(
    ax: Axes,
    handles: Sequence[Artist] | None = None,
    labels: Sequence[str] | None = None,
    *,
    above: bool = False,
) -> Legend:
    """A legend outside the data area, right of the axes (or in one row above them), so it never
    hides a line; the figure's tight or constrained layout makes room for it."""
    if handles is None or labels is None:
        handles, labels = ax.get_legend_handles_labels()
    style = {"borderaxespad": 0.0, "frameon": False, "fontsize": "small"}
    if above:
        return ax.legend(
            handles, labels, loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=max(1, len(labels)),
            **style,
        )  # fmt: skip
    return ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), **style)


def draw_episode(
    figure: Figure,
    history: Sequence[dict[str, Any]],
    fills: pd.DataFrame | None = None,
    title: str = "Episode",
) -> Figure:
    """Draw on `figure`: close price with buy/sell fills, and equity with the position underneath."""
    frame = pd.DataFrame(list(history))
    times = pd.to_datetime(frame["ts"], utc=True)
    price_ax, equity_ax = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    price_ax.plot(times, frame["close"], color="0.3", lw=1, label="close")
    _scatter_fills(price_ax, fills)
    price_ax.set_title(title)
    price_ax.set_ylabel("price")
    legend_outside(price_ax)
    plain_axes(price_ax)
    equity_ax.plot(times, frame["equity"], color="tab:blue", lw=1.2, label="equity")
    equity_ax.set_ylabel("equity")
    equity_ax.set_xlabel("bar close (UTC)")
    plain_axes(equity_ax)
    position_ax = equity_ax.twinx()
    position_ax.fill_between(
        times, frame["position"], step="post", alpha=0.2, color="tab:orange", label="position"
    )
    position_ax.set_ylabel("position (units)")
    position_ax.ticklabel_format(axis="y", useOffset=False, style="plain")
    handles = equity_ax.get_legend_handles_labels()
    extra = position_ax.get_legend_handles_labels()
    # above the panel: the twin axis' labels take its right side
    legend_outside(equity_ax, handles[0] + extra[0], handles[1] + extra[1], above=True)
    figure.tight_layout()
    return figure


def draw_weights(ax: Axes, weights: pd.DataFrame, title: str = "Weights") -> None:
    """Each instrument's weight over time as stacked areas (longs above zero, shorts below),
    so the height above zero is the long exposure and what is left to 1 the cash."""
    longs, shorts = weights.clip(lower=0.0), weights.clip(upper=0.0)
    colours = [f"C{i % 10}" for i in range(weights.shape[1])]
    ax.stackplot(weights.index, longs.T.to_numpy(), labels=list(weights.columns), colors=colours,
                 step="post", alpha=0.85)  # fmt: skip
    if (shorts < 0).any().any():
        ax.stackplot(weights.index, shorts.T.to_numpy(), colors=colours, step="post", alpha=0.5)
    ax.axhline(0.0, color="0.3", lw=0.8)
    ax.set_title(title)
    ax.set_ylabel("weight (of equity)")
    legend_outside(ax)
    plain_axes(ax)


def draw_portfolio_episode(
    figure: Figure, history: Sequence[dict[str, Any]], names: Sequence[str], title: str
) -> Figure:
    """Draw on `figure`: a portfolio env's equity, and each instrument's weight underneath."""
    frame = pd.DataFrame(list(history))
    times = pd.to_datetime(frame["ts"], utc=True)
    equity_ax, weights_ax = figure.subplots(
        2, 1, sharex=True, gridspec_kw={"height_ratios": [1, 1]}
    )
    equity_ax.plot(times, frame["equity"], color="tab:blue", lw=1.2, label="equity")
    equity_ax.set_title(title)
    equity_ax.set_ylabel("equity")
    legend_outside(equity_ax)
    plain_axes(equity_ax)
    weights = pd.DataFrame(frame["weights"].tolist(), index=times, columns=list(names))
    draw_weights(weights_ax, weights, "Weights")
    weights_ax.set_xlabel("decision (UTC)")
    figure.tight_layout()
    return figure


def plot_episode(
    history: Sequence[dict[str, Any]],
    fills: pd.DataFrame | None = None,
    title: str = "Episode",
) -> Figure:
    """Two panels: close price with buy/sell fills, and equity with the position underneath."""
    return draw_episode(plt.figure(figsize=(10, 6)), history, fills, title)


def _scatter_fills(ax: Axes, fills: pd.DataFrame | None) -> None:
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


def draw_equity(ax: Axes, equity: pd.DataFrame, title: str = "Equity") -> None:
    """One line per column (the first drawn thicker): Nautilus equity over time."""
    for name in equity.columns:
        ax.plot(
            equity.index, equity[name], lw=1.8 if name == equity.columns[0] else 1.0, label=name
        )
    ax.set_title(title)
    ax.set_ylabel("equity")
    legend_outside(ax)
    plain_axes(ax)


def plot_equity_curves(equity: pd.DataFrame, title: str = "Equity (out of sample)") -> Figure:
    """One line per agent: the account's mark-to-market equity over time."""
    figure, ax = plt.subplots(figsize=(10, 4.5))
    draw_equity(ax, equity, title)
    figure.tight_layout()
    return figure


def drawdowns(equity: pd.DataFrame) -> pd.DataFrame:
    """Drawdown from the running peak, in percent (<= 0), per column."""
    return (equity / equity.cummax() - 1.0) * 100.0


def draw_drawdowns(ax: Axes, equity: pd.DataFrame, title: str = "Drawdown") -> None:
    """Drawdown from the running peak (%) per column; the first one's area shaded in its colour
    and named in the legend, so the shading belongs to one series."""
    dd = drawdowns(equity)
    lines = [ax.plot(dd.index, dd[name], lw=1.0, label=name)[0] for name in dd.columns]
    if lines:
        first = dd.columns[0]
        ax.fill_between(
            dd.index, dd[first], 0.0, alpha=0.2, color=lines[0].get_color(), label=f"{first} (area)"
        )
    ax.set_title(title)
    ax.set_ylabel("drawdown (%)")
    legend_outside(ax)
    plain_axes(ax)


def plot_drawdowns(equity: pd.DataFrame, title: str = "Drawdown") -> Figure:
    """Drawdown from the running peak (%) per agent."""
    figure, ax = plt.subplots(figsize=(10, 3.5))
    draw_drawdowns(ax, equity, title)
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
    legend_outside(price_ax)
    plain_axes(price_ax)
    if position is not None:
        position_ax.fill_between(position.index, position.to_numpy(), step="post", alpha=0.4)
    position_ax.set_ylabel("position")
    plain_axes(position_ax)
    figure.tight_layout()
    return figure


def draw_candlesticks(price_ax: Axes, volume_ax: Axes | None, frame: pd.DataFrame) -> None:
    """OHLC candles (green up, red down) on `price_ax` and volume bars on `volume_ax`.

    Candles sit at the bar open time and are 0.8 of the most common bar spacing wide, so
    gaps (weekends) show as gaps.
    """
    times = mdates.date2num(frame.index.tz_convert("UTC").tz_localize(None))
    spacing = float(np.median(np.diff(times))) if len(times) > 1 else 1 / 24
    width = 0.8 * spacing
    up = (frame["close"] >= frame["open"]).to_numpy()
    colors = np.where(up, "tab:green", "tab:red")
    price_ax.vlines(times + width / 2, frame["low"], frame["high"], color=colors, lw=0.8)
    bottom = np.minimum(frame["open"], frame["close"]).to_numpy()
    height = (frame["close"] - frame["open"]).abs().to_numpy()
    floor = 1e-4 * float(frame["close"].abs().mean() or 1.0)
    price_ax.bar(times, np.maximum(height, floor), width, bottom=bottom, color=colors, align="edge")
    price_ax.set_ylabel("price")
    price_ax.xaxis_date()
    plain_axes(price_ax)
    if volume_ax is not None:
        volume_ax.bar(times, frame["volume"], width, color=colors, alpha=0.6, align="edge")
        volume_ax.set_ylabel("volume")
        volume_ax.xaxis_date()
        plain_axes(volume_ax)
