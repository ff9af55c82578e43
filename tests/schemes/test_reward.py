"""Reward maths are pure functions; the schemes keep state between steps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes import (
    DifferentialSharpe,
    DrawdownPenalised,
    EquityChange,
    LogReturn,
    MarketState,
)
from nautilus_rl_lab.schemes.reward import differential_sharpe, drawdown, equity_change, log_return


def state(equity: float) -> MarketState:
    return MarketState(
        ts_ns=0,
        close=1.0,
        position=0.0,
        balance=equity,
        equity=equity,
        unrealized_pnl=0.0,
        commissions=0.0,
        position_limit=1.0,
    )


def test_equity_change_is_percent_of_initial_equity() -> None:
    assert equity_change(100_000, 101_000, 100_000) == pytest.approx(1.0)
    assert equity_change(101_000, 100_000, 100_000) == pytest.approx(-1.0)


def test_log_return_is_additive_and_punishes_ruin() -> None:
    assert log_return(100, 110) + log_return(110, 121) == pytest.approx(log_return(100, 121))
    assert log_return(100, 0) == -100.0


def test_differential_sharpe_matches_its_definition() -> None:
    a, b, eta = 0.1, 0.05, 0.01
    d, a2, b2 = differential_sharpe(0.3, a, b, eta)
    expected = (b * (0.3 - a) - 0.5 * a * (0.09 - b)) / (b - a * a) ** 1.5
    assert d == pytest.approx(expected)
    assert (a2, b2) == pytest.approx((a + eta * (0.3 - a), b + eta * (0.09 - b)))
    assert differential_sharpe(0.3, 0.0, 0.0, eta)[0] == 0.0  # no variance yet


def test_drawdown_from_peak() -> None:
    assert drawdown(90, 100) == pytest.approx(0.1)
    assert drawdown(110, 100) == 0.0


def test_scheme_rewards_sum_to_episode_result() -> None:
    equities = [100_000, 100_500, 99_800, 101_000]
    change, logret = EquityChange(), LogReturn()
    change.reset(state(equities[0]))
    logret.reset(state(equities[0]))
    total_change = sum(change.reward(state(e)) for e in equities[1:])
    total_log = sum(logret.reward(state(e)) for e in equities[1:])
    assert total_change == pytest.approx(1.0)
    assert total_log == pytest.approx(math.log(1.01) * 100)


def test_drawdown_penalty_only_charges_new_drawdown() -> None:
    scheme = DrawdownPenalised(penalty=2.0)
    scheme.reset(state(100.0))
    assert scheme.reward(state(90.0)) == pytest.approx(-10.0 - 2.0 * 10.0)
    assert scheme.reward(state(95.0)) == pytest.approx(5.0)  # recovering: no new drawdown


def test_differential_sharpe_prefers_steady_gains() -> None:
    def total(equities: list[float]) -> float:
        scheme = DifferentialSharpe(eta=0.1)
        scheme.reset(state(equities[0]))
        return sum(scheme.reward(state(e)) for e in equities[1:])

    steady = list(100 * np.cumprod([1.001] * 50))
    noisy = list(100 * np.cumprod([1.02 if i % 2 else 0.982 for i in range(50)]))
    assert total(steady) > total(noisy)


@pytest.mark.parametrize(
    ("cls", "kwargs", "field"),
    [(DifferentialSharpe, {"eta": 0}, "`eta`"), (DrawdownPenalised, {"penalty": -1}, "`penalty`")],
)
def test_bad_parameters_name_the_field(cls, kwargs, field) -> None:
    with pytest.raises(ConfigError, match=field):
        cls(**kwargs)
