"""Research figures: the seed fan's legend sits beside the curves, never over them."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from nautilus_rl_lab.research.plots import plot_seed_equity
from nautilus_rl_lab.research.seeds import SeedsResult
from tests.test_plots import EQUITY, assert_legends_clear_of_data, drawn


def test_the_seed_fans_legend_sits_beside_the_curves() -> None:
    equity = EQUITY.set_axis(range(len(EQUITY.columns)), axis=1)
    figure = drawn(plot_seed_equity(SeedsResult(pd.DataFrame(), equity)))
    assert len(figure.axes[0].get_legend().get_texts()) == len(equity.columns) + 1
    assert_legends_clear_of_data(figure)
    plt.close(figure)
