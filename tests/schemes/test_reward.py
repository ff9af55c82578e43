"""Reward maths are pure functions; the schemes keep state between steps."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes import (
    REWARD_SCHEMES,
    Calmar,
    CostPenalised,
    DifferentialSharpe,
    DifferentialSortino,
    DrawdownPenalised,
    EquityChange,
    LogReturn,
    MarketState,
    PortfolioState,
    SchemeConfig,
    build_reward,
)
from nautilus_rl_lab.schemes.reward import (
    differential_sharpe,
    drawdown,
    equity_change,
    log_return,
    portfolio_turnover,
)


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


def _state(equity: float, commissions: float = 0.0, position: float = 0.0) -> MarketState:
    return MarketState(0, 1.0, position, equity, equity, 0.0, commissions, 10_000.0)


def _rewards(scheme, equities: list[float]) -> list[float]:
    scheme.reset(_state(equities[0]))
    return [scheme.reward(_state(e)) for e in equities[1:]]


def test_differential_sortino_matches_moody_saffell_downside_deviation_ratio() -> None:
    equities = [100.0, 101.0, 99.0, 99.5, 102.0, 101.0]
    eta = 0.1
    got = _rewards(
        build_reward(SchemeConfig(name="differential_sortino", params={"eta": eta})), equities
    )
    # independent recomputation: R_t in %, A_t and DD_t^2 exponential moving averages
    returns = [100 * math.log(b / a) for a, b in itertools.pairwise(equities)]
    a = dd2 = 0.0
    expected = []
    for r in returns:
        if dd2 == 0:
            expected.append(0.0)
        elif r > 0:
            expected.append((r - a / 2) / math.sqrt(dd2))
        else:
            expected.append((dd2 * (r - a / 2) - a * r**2 / 2) / dd2**1.5)
        a, dd2 = a + eta * (r - a), dd2 + eta * (min(r, 0) ** 2 - dd2)
    assert got == pytest.approx(expected)
    assert got[0] == 0.0 and got[2] != 0.0  # no downside seen yet, then it counts
    # gains are never punished for their size: a bigger gain gives a bigger reward
    assert (
        _rewards(DifferentialSortino(eta), [100, 99, 103])[1]
        > _rewards(DifferentialSortino(eta), [100, 99, 101])[1]
    )


def test_calmar_rewards_sum_to_return_over_max_drawdown() -> None:
    equities = [100.0, 110.0, 99.0, 121.0]
    got = _rewards(Calmar(min_drawdown=0.01), equities)
    # by hand: +10% with no drawdown yet (floor 1%) = 10; -1% over 10% dd = -0.1; +21% / 10%
    assert got == pytest.approx([10.0, -0.1 - 10.0, 2.1 + 0.1])
    assert sum(got) == pytest.approx((121 / 100 - 1) / ((110 - 99) / 110))


def test_cost_penalty_wraps_any_reward_and_charges_commissions_and_turnover() -> None:
    scheme = build_reward(
        SchemeConfig(
            name="cost_penalised",
            params={
                "reward": {"name": "equity_change"},
                "cost_weight": 2.0,
                "turnover_penalty": 0.5,
            },
        )
    )
    scheme.reset(_state(100_000.0))
    # +100 equity (0.1%), 20 commission (0.02% of start, x2), 10k traded (one limit, x0.5)
    first = scheme.reward(_state(100_100.0, commissions=20.0, position=10_000.0))
    assert first == pytest.approx(0.1 - 2.0 * 0.02 - 0.5 * 1.0)
    # a flip trades two limits; no new commission
    second = scheme.reward(_state(100_100.0, commissions=20.0, position=-10_000.0))
    assert second == pytest.approx(0.0 - 0.0 - 0.5 * 2.0)
    plain = build_reward(
        SchemeConfig(name="cost_penalised", params={"reward": "log_return", "cost_weight": 0.0})
    )
    assert _rewards(plain, [100.0, 110.0]) == pytest.approx([100 * math.log(1.1)])


@pytest.mark.parametrize(
    ("params", "field"),
    [({"cost_weight": -1.0}, "cost_weight"), ({"reward": {"nam": "x"}}, "reward")],
)
def test_cost_penalty_bad_params_name_the_field(params, field) -> None:
    with pytest.raises(ConfigError, match=f"`reward.params.{field}`"):
        build_reward(SchemeConfig(name="cost_penalised", params=params))


def _portfolio(
    equity: float,
    commissions: float = 0.0,
    positions: tuple[float, ...] = (0.0, 0.0),
    weights: tuple[float, ...] = (0.0, 0.0),
) -> PortfolioState:
    return PortfolioState(
        ts_ns=0,
        closes=(1.0, 2.0),
        positions=positions,
        weights=weights,
        trading=(True, True),
        balance=equity,
        equity=equity,
        unrealized_pnl=0.0,
        commissions=commissions,
    )


@pytest.mark.parametrize("name", sorted(REWARD_SCHEMES))
def test_every_registered_reward_runs_on_portfolio_states(name: str) -> None:
    """Equal equity and commissions give equal rewards whether the env holds one asset or many."""
    equities = [100_000.0, 100_800.0, 99_500.0, 99_900.0, 101_200.0]
    single, portfolio = (build_reward(SchemeConfig(name=name)) for _ in range(2))
    single.reset(_state(equities[0]))
    portfolio.reset(_portfolio(equities[0]))
    for i, equity in enumerate(equities[1:], start=1):
        got = portfolio.reward(_portfolio(equity, commissions=5.0 * i, positions=(10.0, -3.0)))
        assert math.isfinite(got)
        assert got == pytest.approx(single.reward(_state(equity, commissions=5.0 * i)))


def test_cost_penalty_charges_portfolio_turnover_as_traded_value_not_price_drift() -> None:
    scheme = CostPenalised(reward="equity_change", cost_weight=0.0, turnover_penalty=2.0)
    scheme.reset(_portfolio(100_000.0, positions=(100.0, 0.0), weights=(0.5, 0.0)))
    # the price rises 10%: the weight drifts, nothing is traded
    drift = _portfolio(105_000.0, positions=(100.0, 0.0), weights=(0.55, 0.0))
    assert scheme.reward(drift) == pytest.approx(5.0)
    # sell 50 of asset 0 (0.0055 of equity per unit), short 10 of asset 1 (0.01 per unit)
    trade = _portfolio(105_000.0, positions=(50.0, -10.0), weights=(0.275, -0.1))
    assert scheme.reward(trade) == pytest.approx(-2.0 * (50 * 0.0055 + 10 * 0.01))
    # close asset 0: valued at its weight per unit before (it has none now)
    close = _portfolio(105_000.0, positions=(0.0, -10.0), weights=(0.0, -0.1))
    assert scheme.reward(close) == pytest.approx(-2.0 * 0.275)
    assert portfolio_turnover(trade, close) == pytest.approx(0.275)
