"""Figures and tear sheets for episodes, backtests and training runs."""

from nautilus_rl_lab.plots import figure_to_rgb, plot_episode

__all__ = ["figure_to_rgb", "plot_episode"]
