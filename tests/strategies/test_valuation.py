"""Account valuation: equity is the mark-to-market value on every account type, from real engines.

Each test runs a `TrainingNode` (a real Nautilus backtest) on a tiny synthetic frame with a
fixed spread, so the expected numbers follow from the prices, the spread and the commissions
Nautilus charged (read back from its fills); nothing is pasted.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.agents.simple import BuyAndHoldAgent, RandomAgent
from nautilus_rl_lab.data.instruments import InstrumentSpec
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation.backtest import market_for, run_backtest
from nautilus_rl_lab.nodes.training import TrainingNode, TrainingNodeConfig
from nautilus_rl_lab.nodes.venue_config import VenueConfig
from nautilus_rl_lab.nt.accounting import account_balances, account_facts
from nautilus_rl_lab.nt.model import Currency, Venue
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.schemes.registry import build_action
from nautilus_rl_lab.strategies import valuation
from nautilus_rl_lab.strategies.valuation import account_value
from tests.nodes.conftest import small_config

START = 100_000.0
EQUITY = InstrumentSpec(
    symbol="ACME", kind="equity", price_precision=2, lot_size=1, min_quantity=1, max_quantity=None
)
LONG_ONLY = {"name": "target_position", "params": {"trade_size": 100, "allow_short": False}}
FLAT, LONG, SHORT = 1, 2, 0  # target_position with shorts
CASH_FLAT, CASH_LONG = 0, 1  # target_position long-only


def _frame(closes: np.ndarray, freq: str = "1h") -> pd.DataFrame:
    index = pd.date_range("2020-01-01", periods=len(closes), freq=freq, tz="UTC", name="timestamp")
    opens = np.r_[closes[0], closes[:-1]]
    return pd.DataFrame(
        {
            "open": opens,
            "high": np.maximum(opens, closes),
            "low": np.minimum(opens, closes),
            "close": closes,
            "volume": 1_000.0,
        },
        index=index,
    )


def _venue(account_type: str, balances: list[str], base: str | None, **kw: Any) -> Any:
    return VenueConfig(
        name="SIM",
        oms_type="NETTING",
        account_type=account_type,
        starting_balances=balances,
        base_currency=base,
        **kw,
    )


def _node(venue: Any, instrument: InstrumentSpec, action: dict, spread: float) -> Any:
    return TrainingNodeConfig(
        venue=venue,
        instrument=instrument,
        data=DataSourceConfig(kind="frame", spread=spread),
        observation=SchemeConfig(name="window", params={"window": 2}),
        action=SchemeConfig(**action),
        episode_length=None,
        random_start=False,
    )


# issue 24 hazard (3): the per-bar account read equals the account's own balances exactly
# (cash, margin and cross-currency accounts below), read through the strategy's portfolio
def _balances(env: TrainingNode) -> dict[str, float]:
    """The per-bar balances read (`account_balances`: through `Portfolio.equity` on
    NautilusTrader 2), checked against the account's own on every call."""
    strategy = env.strategy  # the engine's portfolio cannot be read while a step is paused
    account = strategy.portfolio.account(Venue("SIM"))
    facts = account_facts(account)
    positions = strategy.cache.positions_open(venue=facts.venue)
    fast = account_balances(strategy.portfolio, strategy.cache, facts, positions)
    assert fast is not None
    read, held = (
        {c.code: m.as_double() for c, m in b.items()} for b in (fast, account.balances_total())
    )
    assert {c: v for c, v in read.items() if v} == {c: v for c, v in held.items() if v}
    return read


def _run(config: TrainingNodeConfig, closes: np.ndarray, actions: list[int]) -> list[dict]:
    """Step the actions; return info after reset and after each step (with the bar's close);
    the per-bar balances read equals the account's at every step."""
    env = TrainingNode(config, frame=_frame(closes))
    try:
        _, info = env.reset()
        _balances(env)
        infos = [info]
        for action in actions:
            infos.append(env.step(action)[-1])
            _balances(env)
        for info in infos:
            info["close"] = float(closes[env.market.bar_timestamps.index(info["timestamp"])])
        charged = [str(c).split() for c in env.fills()["commission"]]
        if all(code == "USD" for _, code in charged):  # info's commissions are Nautilus' own
            for info in infos:
                paid = sum(float(amount) for amount, _ in charged[: info["trades"]])
                assert info["commissions"] == pytest.approx(paid, abs=1e-9)
        return infos
    finally:
        env.close()


def test_cash_equity_flat_price_buy_hold_sell_costs_only_commission_and_spread() -> None:
    spread, qty = 0.02, 100
    config = _node(_venue("CASH", ["100000 USD"], "USD"), EQUITY, LONG_ONLY, spread)
    infos = _run(config, np.full(12, 50.0), [CASH_LONG, CASH_LONG, CASH_LONG, CASH_FLAT, CASH_FLAT])
    assert infos[0]["equity"] == START
    # The buy paid the ask; the position is marked at the bid: one spread, plus commission.
    for info in infos[1:4]:
        assert info["position"] == qty
        assert info["balance"] < START - qty * 49  # the shares' cost left the cash balance
        assert info["equity"] == pytest.approx(START - info["commissions"] - qty * spread)
    for info in infos[4:]:
        assert info["position"] == 0 and info["trades"] == 2
        assert info["equity"] == pytest.approx(START - info["commissions"] - qty * spread)
        assert info["equity"] == pytest.approx(info["balance"])


def test_cash_equity_buy_and_hold_tracks_the_positions_market_value_bar_by_bar() -> None:
    spread, qty = 0.02, 100
    closes = 50.0 + 0.5 * np.arange(12)
    config = _node(_venue("CASH", ["100000 USD"], "USD"), EQUITY, LONG_ONLY, spread)
    infos = _run(config, closes, [CASH_LONG] * 8)
    held = infos[1:]
    for info in held:
        bid = info["close"] - spread
        assert info["equity"] == pytest.approx(info["balance"] + qty * bid)
    for before, after in pairwise(held):
        assert after["equity"] - before["equity"] == pytest.approx(
            qty * (after["close"] - before["close"])
        )


def test_fx_on_multi_currency_cash_account_values_both_balances() -> None:
    spread, qty = 0.0002, 10_000
    closes = 1.10 + 0.001 * np.arange(12)
    fx = InstrumentSpec(max_quantity=None)
    action = {"name": "target_position", "params": {"trade_size": qty, "allow_short": False}}
    config = _node(_venue("CASH", ["100000 USD"], None), fx, action, spread)
    env = TrainingNode(config, frame=_frame(closes))
    try:
        env.reset()
        for _ in range(4):
            info = env.step(CASH_LONG)[-1]
            balances = _balances(env)
            bid = closes[env.market.bar_timestamps.index(info["timestamp"])] - spread
            assert balances["EUR"] == qty  # Nautilus books the bought EUR as a balance
            assert info["equity"] == pytest.approx(balances["USD"] + qty * bid)
        info = env.step(CASH_FLAT)[-1]
        assert info["equity"] == pytest.approx(info["balance"])
    finally:
        env.close()


def test_usd_jpy_on_a_usd_margin_account_is_valued_in_usd() -> None:
    spread, qty = 0.02, 10_000
    closes = 110.0 + 0.1 * np.arange(12)
    pair = InstrumentSpec(symbol="USD/JPY", price_precision=3, max_quantity=None)
    action = {"name": "target_position", "params": {"trade_size": qty}}
    venue = _venue("MARGIN", ["100000 USD"], "USD", default_leverage=30.0)
    infos = _run(_node(venue, pair, action, spread), closes, [LONG] * 6)
    for before, after in pairwise(infos[1:]):
        # 10,000 USD long gains 0.1 JPY per USD per bar: 1,000 JPY, about 9 USD, not 1,000.
        gain_usd = qty * (after["close"] - before["close"]) / after["close"]
        assert after["equity"] - before["equity"] == pytest.approx(gain_usd, rel=0.01)
        assert after["equity"] == pytest.approx(after["balance"] + after["unrealized_pnl"])


def test_multi_currency_margin_account_values_in_the_quote_currency() -> None:
    spread, qty = 0.0002, 10_000
    closes = 1.10 + 0.001 * np.arange(12)
    action = {"name": "target_position", "params": {"trade_size": qty}}
    venue = _venue("MARGIN", ["100000 USD"], None, default_leverage=30.0)
    fx = InstrumentSpec(max_quantity=None)
    infos = _run(_node(venue, fx, action, spread), closes, [LONG] * 4)
    for before, after in pairwise(infos[1:]):
        assert after["equity"] - before["equity"] == pytest.approx(
            qty * (after["close"] - before["close"])
        )


def test_short_equity_on_a_margin_account_gains_when_the_price_falls() -> None:
    spread, qty = 0.02, 100
    closes = 80.0 - 0.5 * np.arange(12)
    action = {"name": "target_position", "params": {"trade_size": qty}}
    venue = _venue("MARGIN", ["100000 USD"], "USD", default_leverage=2.0)
    infos = _run(_node(venue, EQUITY, action, spread), closes, [SHORT] * 6 + [FLAT])
    for before, after in pairwise(infos[1:7]):
        assert after["position"] == -qty
        assert after["equity"] - before["equity"] == pytest.approx(
            qty * (before["close"] - after["close"])
        )
    assert infos[-1]["position"] == 0
    assert infos[-1]["equity"] > START


def test_backtest_buy_and_hold_on_a_cash_account_rises_with_the_shares_value() -> None:
    spread = 0.02
    closes = 50.0 + 0.5 * np.arange(30)
    config = _node(_venue("CASH", ["100000 USD"], "USD"), EQUITY, LONG_ONLY, spread)
    market = market_for(config, _frame(closes))
    run = run_backtest(BuyAndHoldAgent(config.action), config, market=market)
    # Buy-and-hold of 100 shares on a rising price: the curve rises with the shares' value
    # (the old balance + unrealised P&L reading dropped by their cost on the buy).
    assert run.equity.iloc[-1] > START
    assert run.equity.min() >= START - 100 * spread - 1.0
    assert run.stats["orders_denied"] == 0 and run.stats["orders_rejected"] == 0


def test_cash_account_refuses_an_action_that_can_go_short() -> None:
    action = {"name": "target_position", "params": {"trade_size": 100}}
    with pytest.raises(ConfigError, match=r"`venue.account_type` is CASH"):
        _node(_venue("CASH", ["100000 USD"], "USD"), EQUITY, action, 0.02)


def test_account_value_is_in_the_base_currency_and_starts_at_the_balance() -> None:
    config = _node(_venue("CASH", ["100000 USD"], "USD"), EQUITY, LONG_ONLY, 0.02)
    env = TrainingNode(config, frame=_frame(np.full(8, 50.0)))
    try:
        env.reset()
        strategy = env.strategy  # the engine's portfolio cannot be read while a step is paused
        account = strategy.portfolio.account(Venue("SIM"))
        value = account_value(strategy.portfolio, strategy.cache, account, Currency.from_str("USD"))
        assert (value.currency.code, value.balance, value.equity) == ("USD", START, START)
    finally:
        env.close()


def _count_account_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the reads of the account object (`valuation.read_account`, which calls Nautilus':
    on NautilusTrader 2 a copy of every account event)."""
    calls: list[int] = []
    read = valuation.read_account

    def counted(portfolio: object, venue: Venue) -> object:
        calls.append(1)
        return read(portfolio, venue)

    monkeypatch.setattr(valuation, "read_account", counted)
    return calls


def test_a_backtest_reads_the_account_object_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_account_reads(monkeypatch)
    config = small_config()
    run = run_backtest(RandomAgent(build_action(config.action).space, seed=1), config)
    assert len(run.fills) > 0 and len(run.equity) > 100
    assert len(calls) == 1  # its type and base currency; the balances come once a bar


def test_a_training_episode_reads_the_account_object_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _count_account_reads(monkeypatch)
    env = TrainingNode(small_config())
    try:
        for episode in (1, 2):
            env.reset(options={"start": 20})
            for action in (2, 0, 1, 2, 2, 0):
                env.step(action)
            assert len(calls) == episode
        assert env.fills().shape[0] > 0
    finally:
        env.close()
