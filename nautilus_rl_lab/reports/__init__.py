"""Figures and tear sheets for episodes, backtests and training runs."""

from nautilus_rl_lab.plots import figure_to_rgb, plot_episode
from nautilus_rl_lab.reports.display import show_tearsheet

__all__ = ["figure_to_rgb", "plot_episode", "show_tearsheet"]
