"""Deprecated alias: the research figures moved to `nautilus_rl_lab.research.plots` (they warn)."""

from nautilus_rl_lab.deprecation import moved

__getattr__ = moved(__name__, "nautilus_rl_lab.research.plots")
