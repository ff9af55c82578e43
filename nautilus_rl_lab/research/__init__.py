"""Research protocols above training, evaluation and tuning: walk-forward and multi-seed runs."""

from nautilus_rl_lab.research.seeds import SeedsResult, train_seeds
from nautilus_rl_lab.research.walk_forward import (
    WalkForwardResult,
    Window,
    portfolio_window,
    walk_forward,
    walk_forward_baseline,
    walk_forward_rule,
    walk_forward_windows,
)

__all__ = [
    "SeedsResult",
    "WalkForwardResult",
    "Window",
    "portfolio_window",
    "train_seeds",
    "walk_forward",
    "walk_forward_baseline",
    "walk_forward_rule",
    "walk_forward_windows",
]
