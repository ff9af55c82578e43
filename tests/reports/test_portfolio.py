"""The portfolio tear sheet shows every run's equity, one run's weights and its per-asset bars."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from nautilus_rl_lab.agents.portfolio_baselines import PortfolioBaseline
from nautilus_rl_lab.evaluation.portfolio import compare_portfolios
from nautilus_rl_lab.reports.portfolio import portfolio_table, portfolio_tearsheet
from tests.portfolios import IDS, portfolio_config


def test_the_tearsheet_shows_all_runs_and_the_chosen_runs_weights_and_per_asset_figures() -> None:
    agents = {m: PortfolioBaseline(IDS, m, rebalance_every=10) for m in ("hrp", "equal_weight")}
    runs, table = compare_portfolios(agents, portfolio_config())
    figure = portfolio_tearsheet(runs, "hrp")
    try:
        equity_ax, _, weights_ax, *bars = figure.axes
        assert [line.get_label() for line in equity_ax.lines] == ["hrp", "equal_weight"]
        assert [t.get_text() for t in weights_ax.get_legend().get_texts()] == IDS
        assert len(bars) == 3 and all(len(ax.patches) == len(IDS) for ax in bars)
        # the contribution bars are the run's per-asset contributions
        heights = [patch.get_height() for patch in bars[2].patches]
        assert heights == pytest.approx(list(runs["hrp"].per_asset["contribution"]))
    finally:
        plt.close(figure)
    assert portfolio_table(runs).equals(table)
    with pytest.raises(KeyError, match="nope"):
        portfolio_tearsheet(runs, "nope")
