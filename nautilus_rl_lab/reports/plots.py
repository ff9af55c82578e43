"""Matplotlib figures researchers look at: an episode's price, fills and equity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def plot_episode(history: Sequence[dict[str, Any]], fills: pd.DataFrame | None = None) -> Figure:
    """Two panels: close price with buy/sell fills, and equity with the position underneath."""
    frame = pd.DataFrame(list(history))
    times = pd.to_datetime(frame["ts"], utc=True)
    figure, (price_ax, equity_ax) = plt.subplots(
        2, 1, figsize=(10, 6), sharex=True, gridspec_kw={"height_ratios": [2, 1]}
    )
    price_ax.plot(times, frame["close"], color="0.3", lw=1, label="close")
    if fills is not None and not fills.empty:
        fill_times = pd.to_datetime(fills["ts_event"], utc=True)
        prices = fills["last_px"].astype(float)
        for side, marker, color in (("BUY", "^", "tab:green"), ("SELL", "v", "tab:red")):
            mask = (fills["order_side"] == side).to_numpy()
            price_ax.scatter(
                fill_times[mask], prices[mask], marker=marker, color=color, s=30, label=side.lower()
            )
    price_ax.set_ylabel("price")
    price_ax.legend(loc="upper left")
    equity_ax.plot(times, frame["equity"], color="tab:blue", lw=1.2)
    equity_ax.set_ylabel("equity")
    position_ax = equity_ax.twinx()
    position_ax.fill_between(times, frame["position"], step="post", alpha=0.2, color="tab:orange")
    position_ax.set_ylabel("position")
    figure.tight_layout()
    return figure


def figure_to_rgb(figure: Figure) -> np.ndarray:
    """Render `figure` to an RGB array (Gymnasium's `rgb_array` mode) and close it."""
    figure.canvas.draw()
    rgb = np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()
    plt.close(figure)
    return rgb
