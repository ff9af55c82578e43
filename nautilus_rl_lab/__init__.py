"""nautilus_rl_lab: reinforcement-learning agents trained and run on NautilusTrader's real engine."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]


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
