"""Fast mode: read at every call, switched in a running kernel with `fast_mode(True/False)`."""

from __future__ import annotations

import os

import pytest

import nautilus_rl_lab
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.scenarios.builtins import FAST_BARS, default_bars
from nautilus_rl_lab.training.demo import demo_config


@pytest.fixture(autouse=True)
def _restore_nrl_fast(monkeypatch):
    monkeypatch.delenv("NRL_FAST", raising=False)  # monkeypatch puts the old value back


@pytest.mark.parametrize(
    ("value", "on"),
    [("1", True), (" Yes", True), ("true", True), ("0", False), ("no", False), ("", False)],
)
def test_nrl_fast_is_read_at_every_call(monkeypatch, value, on) -> None:
    assert nautilus_rl_lab.fast_mode() is False  # unset
    monkeypatch.setenv("NRL_FAST", value)
    assert nautilus_rl_lab.fast_mode() is on
    assert (demo_config("unused").total_timesteps == 1_024) is on


def test_the_setter_switches_the_library_without_a_restart() -> None:
    assert nautilus_rl_lab.fast_mode(True) is True
    assert os.environ["NRL_FAST"] == "1"  # so worker processes started from here agree
    assert default_bars() == FAST_BARS and demo_config("unused").total_timesteps == 1_024
    assert nautilus_rl_lab.fast_mode(False) is False
    assert default_bars() != FAST_BARS and demo_config("unused").total_timesteps == 40_000


def test_a_value_that_is_neither_on_nor_off_is_refused_naming_it(monkeypatch) -> None:
    monkeypatch.setenv("NRL_FAST", "on")
    with pytest.raises(ConfigError, match=r"`NRL_FAST` must be .*was 'on'"):
        nautilus_rl_lab.fast_mode()
    with pytest.raises(ConfigError, match=r"`on` must be True or False"):
        nautilus_rl_lab.fast_mode("yes")
