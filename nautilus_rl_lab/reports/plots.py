"""Deprecated alias: the figures moved to `nautilus_rl_lab.plots` (each name read here warns)."""

from nautilus_rl_lab.deprecation import moved

__getattr__ = moved(__name__, "nautilus_rl_lab.plots")
