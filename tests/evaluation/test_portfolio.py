"""Portfolio backtests: the same decisions as the env, skfolio baselines fitted on the past only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import msgspec
import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.agents.base import Agent
from nautilus_rl_lab.agents.portfolio_baselines import METHODS, PortfolioBaseline, fit_weights
from nautilus_rl_lab.data.source import load_frame
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation.portfolio import compare_portfolios, run_portfolio_backtest
from nautilus_rl_lab.nodes import TrainingNode, default_venue
from nautilus_rl_lab.nodes.venue_models import per_unit_commission
from tests.conftest import REPO_ROOT
from tests.portfolios import IDS, SYMBOLS, portfolio_config

N_ASSETS = len(SYMBOLS)


class ObservationPolicy(Agent):
    """A deterministic policy of the observation: long the assets whose last close return was
    up, short the others (what the env and the backtest must trade alike)."""

    def act(self, observation: np.ndarray) -> list[float]:
        per_asset = (observation.size - 2) // N_ASSETS
        last_returns = observation[: N_ASSETS * per_asset].reshape(N_ASSETS, per_asset)[:, 18]
        return [0.3 if r > 0 else -0.2 for r in last_returns]

    def save(self, path: str | os.PathLike[str]) -> Path:
        raise NotImplementedError

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Agent:
        raise NotImplementedError


def test_a_policy_trades_identically_in_the_env_and_in_a_portfolio_backtest() -> None:
    policy, cfg = ObservationPolicy(), portfolio_config()
    env = TrainingNode(cfg)
    try:
        observation, _ = env.reset()
        done = False
        while not done:
            observation, _, terminated, truncated, info = env.step(policy.act(observation))
            done = terminated or truncated
        env_fills = env.fills()
        env_equity = info["equity"]
    finally:
        env.close()
    run = run_portfolio_backtest(policy, cfg)
    columns = ["instrument_id", "order_side", "last_qty", "last_px", "ts_event", "commission"]
    pd.testing.assert_frame_equal(
        env_fills[columns].reset_index(drop=True), run.fills[columns].reset_index(drop=True)
    )
    assert len(env_fills) > 50
    assert run.equity.iloc[-1] == env_equity


class SpyBaseline(PortfolioBaseline):
    """Records, at each rebalance, the latest price time it knew and the weights it chose."""

    def reset(self) -> None:
        super().reset()
        self.rebalances: list[tuple[pd.Timestamp, np.ndarray]] = []

    def weights(self) -> np.ndarray:
        chosen = super().weights()
        self.rebalances.append((self.prices().index[-1], chosen))
        return chosen


@pytest.mark.parametrize("method", ["min_variance", "inverse_volatility", "hrp", "risk_parity"])
def test_a_baseline_is_fitted_on_the_prices_up_to_each_decision_only(method: str) -> None:
    cfg = portfolio_config()
    baseline = SpyBaseline(IDS, method, rebalance_every=10, lookback=30)
    run = run_portfolio_backtest(baseline, cfg)
    closes = pd.DataFrame(
        {i: load_frame(asset.data)["close"] for i, asset in zip(IDS, cfg.assets, strict=True)}
    )
    closes.index = closes.index + pd.Timedelta(days=1)  # a day's close is known at its end
    decisions = list(run.equity.index)
    assert len(baseline.rebalances) == len(range(0, len(decisions), 10))
    for k, (known, chosen) in enumerate(baseline.rebalances):
        decision = decisions[10 * k]
        assert known == decision  # no bar after the decision was seen
        past = closes.loc[:decision].iloc[-31:]
        np.testing.assert_allclose(chosen, fit_weights(method, past), atol=1e-6)


def test_a_history_reaching_into_the_run_is_refused_as_a_look_ahead() -> None:
    cfg = portfolio_config()
    frames = {i: load_frame(asset.data)["close"] for i, asset in zip(IDS, cfg.assets, strict=True)}
    history = pd.DataFrame(frames)
    with pytest.raises(ConfigError, match="must not know yet"):
        run_portfolio_backtest(PortfolioBaseline(IDS, "min_variance", history=history), cfg)
    before = history.iloc[:1] - 0  # only a day before the run: accepted
    before.index = before.index - pd.Timedelta(days=30)
    run_portfolio_backtest(PortfolioBaseline(IDS, "min_variance", history=before), cfg)


def test_every_baseline_runs_through_the_engine_and_buy_and_hold_trades_once() -> None:
    agents = {
        m: PortfolioBaseline(IDS, m, rebalance_every=20, lookback=40, seed=3) for m in METHODS
    }
    runs, table = compare_portfolios(agents, portfolio_config())
    assert list(table.index) == list(METHODS)
    assert table[["sharpe", "psr", "turnover", "costs"]].notna().all().all()
    hold = runs["buy_and_hold"]
    assert len(hold.orders) == N_ASSETS  # one purchase each, then held
    assert (hold.positions.iloc[2:].diff().dropna() == 0).all().all()
    for run in runs.values():
        assert run.weights.sum(axis=1).max() <= 1.0 + 0.05  # fully invested at most (drift)
        assert run.per_asset["costs"].sum() == pytest.approx(run.commissions.iloc[-1], rel=1e-9)
        assert run.orders_denied == run.orders_rejected == 0


HASH_SEED_RUN = """
from nautilus_rl_lab.agents.portfolio_baselines import PortfolioBaseline
from nautilus_rl_lab.evaluation.portfolio import run_portfolio_backtest
from tests.portfolios import IDS, portfolio_config
run = run_portfolio_backtest(PortfolioBaseline(IDS, "random", rebalance_every=1, seed=4), portfolio_config())
print([repr(v) for v in run.equity])
"""


def test_a_portfolios_equity_is_the_same_to_the_last_digit_whatever_the_hash_seed() -> None:
    # several instruments' P&L summed in an order that must not depend on the process
    outputs = []
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", HASH_SEED_RUN],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        )
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 1000


def test_a_backtest_over_two_venues_sums_their_accounts_and_charges_each_venues_fees() -> None:
    base = portfolio_config()
    assets = list(base.assets)
    ccc = assets[2]
    assets[2] = msgspec.structs.replace(
        ccc, instrument=msgspec.structs.replace(ccc.instrument, venue="XNYS")
    )
    xnys = default_venue(
        name="XNYS",
        leverage=2,
        starting_balance="500000 USD",
        fee_model=per_unit_commission("0.01 USD"),
    )
    config = msgspec.structs.replace(base, instruments=assets, venues=[xnys])
    config.__post_init__()  # `replace` skips the checks
    ids = [*IDS[:2], "CCC.XNYS"]
    run = run_portfolio_backtest(PortfolioBaseline(ids, "buy_and_hold"), config)
    assert run.equity.iloc[0] == 1_500_000.0  # 1,000,000 at SIM + 500,000 at XNYS
    fills = run.fills.set_index("instrument_id")
    assert sorted(fills.index) == sorted(ids)  # one purchase each
    for instrument_id, fill in fills.iterrows():
        quantity, price = float(fill["last_qty"]), float(fill["last_px"])
        fee = 0.01 * quantity if instrument_id == "CCC.XNYS" else 0.0005 * quantity * price
        assert run.per_asset.loc[instrument_id, "costs"] == pytest.approx(fee, abs=0.01)
