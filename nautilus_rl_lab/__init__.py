"""nautilus_rl_lab: reinforcement-learning agents trained and run on NautilusTrader's real engine.

Importing the package registers `NautilusTrading-v0` with Gymnasium. The most used names are
available at the top level and imported lazily, so `import nautilus_rl_lab` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "TrainingNode": "nautilus_rl_lab.nodes.training",
    "TrainingNodeConfig": "nautilus_rl_lab.nodes.training",
    "PortfolioAsset": "nautilus_rl_lab.nodes.portfolio",
    "LiveNode": "nautilus_rl_lab.nodes.live",
    "LiveNodeConfig": "nautilus_rl_lab.nodes.live",
    "check_env": "nautilus_rl_lab.checks",
    "TrainConfig": "nautilus_rl_lab.training.config",
    "train": "nautilus_rl_lab.training.train",
    "RLAgent": "nautilus_rl_lab.agents.rl_agent",
    "RLAgentConfig": "nautilus_rl_lab.agents.rl_agent",
    "load_agent": "nautilus_rl_lab.agents.base",
    "fast_mode": "nautilus_rl_lab.fast",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nautilus_rl_lab' has no attribute {name!r}")


def _register_envs() -> None:
    """Register `NautilusTrading-v0` so `gymnasium.make` can build a `TrainingNode`."""
    import gymnasium

    if "NautilusTrading-v0" not in gymnasium.registry:
        gymnasium.register(
            id="NautilusTrading-v0",
            entry_point="nautilus_rl_lab.nodes.training:TrainingNode",
            disable_env_checker=False,
        )


_register_envs()
