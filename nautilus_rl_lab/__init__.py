"""nautilus_rl_lab: reinforcement-learning agents trained and run on NautilusTrader's real engine."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
