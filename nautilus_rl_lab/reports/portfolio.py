"""A portfolio's tear sheet: equity and drawdown of every run, one run's weights over time, and
its turnover, costs and contribution per instrument (`evaluation.portfolio`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from nautilus_rl_lab.evaluation.portfolio import PortfolioRun
from nautilus_rl_lab.plots import draw_drawdowns, draw_equity, draw_weights, plain_axes

PER_ASSET_PANELS = (
    ("turnover", "turnover (x mean equity)"),
    ("costs", "commissions (account currency)"),
    ("contribution", "contribution to return"),
)


def portfolio_tearsheet(runs: dict[str, PortfolioRun], agent: str) -> Figure:
    """Equity and drawdown of every run in `runs` (`agent` first, drawn thicker), `agent`'s
    weights as stacked areas, and its turnover, costs and contribution per instrument."""
    if agent not in runs:
        raise KeyError(f"`agent` {agent!r} is not one of the runs {sorted(runs)}")
    order = [agent, *(name for name in runs if name != agent)]
    equity = pd.DataFrame({name: runs[name].equity for name in order})
    figure = plt.figure(figsize=(11, 12), layout="constrained")
    grid = figure.add_gridspec(4, 3, height_ratios=[1.2, 0.8, 1.1, 0.9])
    draw_equity(figure.add_subplot(grid[0, :]), equity, "Equity (out of sample)")
    draw_drawdowns(figure.add_subplot(grid[1, :]), equity)
    run = runs[agent]
    draw_weights(figure.add_subplot(grid[2, :]), run.weights, f"{agent}: weights over time")
    per_asset = run.per_asset
    for column, (field, label) in enumerate(PER_ASSET_PANELS):
        ax = figure.add_subplot(grid[3, column])
        values = per_asset[field]
        ax.bar(
            range(len(values)), values.to_numpy(), color=[f"C{i % 10}" for i in range(len(values))]
        )
        ax.set_xticks(
            range(len(values)), [name.split(".")[0] for name in values.index], rotation=90
        )
        ax.set_title(label, fontsize="small")
        plain_axes(ax, dates=False)
    return figure


def portfolio_table(runs: dict[str, PortfolioRun], n_trials: int = 1) -> pd.DataFrame:
    """Each run's `stats` (rows: runs), the figures a researcher compares first."""
    return pd.DataFrame({name: run.stats(n_trials) for name, run in runs.items()}).T
