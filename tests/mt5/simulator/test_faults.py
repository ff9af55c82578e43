"""Fault injector: counts, unlimited faults, random rates."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5.simulator.faults import FAULTS, FaultInjector


def test_counts_are_consumed_in_order() -> None:
    faults = FaultInjector({"requote": 2})
    faults.inject("timeout")
    assert [faults.take_trade_fault() for _ in range(4)] == ["requote", "requote", "timeout", None]


def test_unlimited_until_cleared() -> None:
    faults = FaultInjector()
    faults.inject("disconnect", count=None)
    assert all(faults.take_disconnect() for _ in range(5))
    assert faults.armed() == {"disconnect": None}
    faults.clear("disconnect")
    assert not faults.take_disconnect()


def test_random_rates_are_seeded() -> None:
    draws = [FaultInjector(rates={"requote": 0.5}, seed=1).take_trade_fault() for _ in range(3)]
    assert len(set(draws)) == 1
    sequence = FaultInjector(rates={"requote": 0.5}, seed=1)
    hits = [sequence.take_trade_fault() for _ in range(200)]
    assert 50 < hits.count("requote") < 150


@pytest.mark.parametrize(
    "build",
    [
        lambda: FaultInjector({"meteor": 1}),
        lambda: FaultInjector({"requote": 0}),
        lambda: FaultInjector(rates={"disconnect": 0.1}),
        lambda: FaultInjector(rates={"requote": 1.5}),
    ],
)
def test_bad_fault_specs_are_refused(build) -> None:
    with pytest.raises(ConfigError):
        build()
    assert "disconnect" in FAULTS
