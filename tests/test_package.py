"""The package's top level: lazy public names and the Gymnasium registration."""

from __future__ import annotations

import gymnasium
import pytest

import nautilus_rl_lab


@pytest.mark.parametrize("name", [n for n in nautilus_rl_lab.__all__ if n != "__version__"])
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(nautilus_rl_lab, name) is not None


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = nautilus_rl_lab.nope


def test_environment_is_registered() -> None:
    assert "NautilusTrading-v0" in gymnasium.registry
