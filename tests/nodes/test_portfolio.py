"""Portfolio TrainingNode: aligned decisions, weights to orders, cross-currency equity, parity."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import msgspec
import numpy as np
import pandas as pd
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

from nautilus_rl_lab.checks import check_env
from nautilus_rl_lab.data.instruments import InstrumentSpec
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes import TrainingNode, TrainingNodeConfig, default_venue
from nautilus_rl_lab.nodes.engine import DEFAULT_LATENCY_NS
from nautilus_rl_lab.nodes.portfolio import PortfolioAsset
from nautilus_rl_lab.nodes.venue_config import VenueConfig
from nautilus_rl_lab.nodes.venue_models import per_unit_commission
from nautilus_rl_lab.nt.model import Currency, Venue
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.strategies.risk import RiskLimits
from nautilus_rl_lab.strategies.valuation import account_value

from .conftest import SMALL_DATA

T = TypeVar("T")
OBSERVE = SchemeConfig(name="tests.nodes.portfolio_schemes:LastBars")
WEIGHTS = SchemeConfig(name="tests.nodes.portfolio_schemes:DirectWeights")
DAY_NS = 86_400_000_000_000


def equity_spec(symbol: str, **overrides: Any) -> InstrumentSpec:
    values: dict[str, Any] = {
        "symbol": symbol,
        "kind": "equity",
        "price_precision": 2,
        "lot_size": 1,
        "min_quantity": 1,
        "maker_fee": 0,
        "taker_fee": 0,
    }
    values.update(overrides)
    return InstrumentSpec(**values)


def daily_csv(
    directory: Path,
    name: str,
    closes: Sequence[float],
    drop: Sequence[int] = (),
    spread: float = 0.01,
) -> DataSourceConfig:
    """Close-only daily bars (open = high = low = close) from 2024-01-01, days `drop` left out,
    with volume large enough that no order walks the quote."""
    index = pd.date_range("2024-01-01", periods=len(closes), freq="D", tz="UTC")
    close = np.asarray(closes, dtype=np.float64)
    frame = pd.DataFrame(
        {"open": close, "high": close, "low": close, "close": close, "volume": 1e9}, index=index
    ).drop(index[list(drop)])
    frame.index.name = "time"
    path = directory / f"{name}.csv"
    frame.to_csv(path)
    return DataSourceConfig(kind="csv", path=str(path), spread=spread)


def portfolio_config(assets: list[PortfolioAsset], **overrides: Any) -> TrainingNodeConfig:
    values: dict[str, Any] = {
        "venue": default_venue(leverage=2),
        "instruments": assets,
        "bar_aggregation": "DAY",
        "observation": OBSERVE,
        "action": WEIGHTS,
        "episode_length": None,
        "random_start": False,
    }
    values.update(overrides)
    return TrainingNodeConfig(**values)


def in_env(config: TrainingNodeConfig, play: Callable[[TrainingNode], T]) -> T:
    env = TrainingNode(config)
    try:
        return play(env)
    finally:
        env.close()


def run_actions(env: TrainingNode, actions: Sequence[Sequence[float]]) -> list[dict[str, Any]]:
    """reset, then one step per action; the infos (reset's first)."""
    _, info = env.reset()
    infos = [info]
    for action in actions:
        _, _, terminated, truncated, info = env.step(np.asarray(action, dtype=np.float64))
        infos.append(info)
        if terminated or truncated:
            break
    return infos


@pytest.fixture
def two_stocks(tmp_path: Path) -> list[PortfolioAsset]:
    days = 40
    return [
        PortfolioAsset(
            instrument=equity_spec("AAA"),
            data=daily_csv(tmp_path, "AAA", 100 + np.arange(days)),
        ),
        PortfolioAsset(
            instrument=equity_spec("BBB"),
            data=daily_csv(tmp_path, "BBB", 50 - 0.5 * np.arange(days), drop=[5]),
        ),
    ]


def test_decisions_follow_the_union_of_bar_times_and_a_missing_bar_never_borrows_a_later_price(
    two_stocks: list[PortfolioAsset],
) -> None:
    def play(env: TrainingNode) -> tuple[list[np.ndarray], list[dict[str, Any]]]:
        observations = [env.reset()[0]]
        infos: list[dict[str, Any]] = []
        scheme = env.strategy.observer.scheme
        for _ in range(10):
            observation, _, terminated, _, info = env.step(np.array([0.2, 0.2]))
            observations.append(observation)
            infos.append(info)
            # every bar the agent has seen closed at or before the decision
            assert max(max(times) for times in scheme.bar_times) == info["timestamp"]
            if terminated:
                break
        return observations, infos

    observations, infos = in_env(portfolio_config(two_stocks), play)
    times = [info["timestamp"] for info in infos]
    assert np.all(np.diff(times) == DAY_NS)  # BBB's missing day is still a decision (AAA's bar)
    missing = pd.Timestamp("2024-01-07", tz="UTC").value  # day 5's bar closes on day 6's end
    step = times.index(missing)
    closes_bbb = [obs[1] for obs in observations]
    # on the day BBB has no bar: its close is the day before's, it is not trading, not traded
    assert closes_bbb[step + 1] == closes_bbb[step] == 50 - 0.5 * 4
    assert infos[step]["trading"] == (True, False)
    assert observations[step + 1][-1] == 0.0
    assert closes_bbb[step + 2] == 50 - 0.5 * 6  # and next day the next bar, no look-ahead


def test_target_weights_become_lot_rounded_orders_and_the_residual_stays_in_cash(
    two_stocks: list[PortfolioAsset],
) -> None:
    target = np.array([0.5, -0.3])

    def play(env: TrainingNode) -> tuple[dict[str, Any], dict[str, Any]]:
        _, before = env.reset()
        _, _, _, _, after = env.step(target)
        return before, after

    before, after = in_env(portfolio_config(two_stocks), play)
    closes, equity = np.asarray(before["closes"]), before["equity"]
    wanted = target * equity / closes
    assert after["positions"] == tuple(np.trunc(wanted))  # toward zero, 1-share lots
    residual = float(np.sum(np.abs(wanted - np.trunc(wanted)) * closes))
    assert after["rounding_residual"] == pytest.approx(residual, rel=1e-12)
    # the resulting weights (at the next close) are the target within one lot's value
    for weight, position, close in zip(after["weights"], after["positions"], closes, strict=True):
        assert abs(weight * after["equity"] - position * close) <= abs(position) * 1.01 + close


def test_an_order_for_an_instrument_whose_next_bar_is_missing_fills_at_its_next_open(
    two_stocks: list[PortfolioAsset],
) -> None:
    # BBB has no bar on day 5: an order decided at day 4's close (BBB at 48) waits, as at a
    # closed market, and fills at BBB's next quote, day 6's open (47), never at a seen price
    def play(env: TrainingNode) -> tuple[list[dict[str, Any]], pd.DataFrame]:
        env.reset(options={"start": 4})
        infos = [env.step(np.array([0.0, 0.4]))[4] for _ in range(2)]
        return infos, env.fills()

    (closed_day, next_day), fills = in_env(portfolio_config(two_stocks), play)
    assert closed_day["trading"] == (True, False)
    assert closed_day["positions"] == (0.0, 0.0)  # in flight while BBB's market is closed
    assert next_day["positions"][1] > 0
    (fill,) = fills.itertuples()
    assert (fill.instrument_id, float(fill.last_px)) == ("BBB.SIM", 47.0)
    day6_open = pd.Timestamp("2024-01-07", tz="UTC").value + DEFAULT_LATENCY_NS
    assert pd.Timestamp(fill.ts_event).value == day6_open
    assert closed_day["orders_rejected"] == next_day["orders_rejected"] == 0


def fx_spec(symbol: str) -> InstrumentSpec:
    return InstrumentSpec(
        symbol=symbol,
        price_precision=3 if "JPY" in symbol else 5,
        maker_fee=0,
        taker_fee=0,
    )


def test_cross_currency_portfolio_equity_and_weights_match_a_hand_calculation(
    tmp_path: Path,
) -> None:
    eurusd = [1.10, 1.11, 1.12, 1.10, 1.13, 1.14]
    usdjpy = [150.0, 151.0, 149.5, 152.0, 153.0, 150.5]
    # no spread: one price, so every conversion rate is unambiguous
    assets = [
        PortfolioAsset(
            instrument=fx_spec("EUR/USD"), data=daily_csv(tmp_path, "EU", eurusd, spread=0)
        ),
        PortfolioAsset(
            instrument=fx_spec("USD/JPY"), data=daily_csv(tmp_path, "UJ", usdjpy, spread=0)
        ),
    ]
    config = portfolio_config(assets, venue=default_venue(leverage=10))
    infos = in_env(config, lambda env: run_actions(env, [[0.5, -0.4], [0.5, -0.4], [0.5, -0.4]]))
    opened = infos[1]
    eur_units, jpy_units = opened["positions"]
    assert (eur_units, jpy_units) == (
        np.trunc(0.5 * 100_000 / eurusd[0] / 1000) * 1000,
        np.trunc(-0.4 * 100_000 / 1 / 1000) * 1000,  # one USD/JPY unit is worth 1 USD
    )
    for k, info in enumerate(infos[1:], start=1):
        # filled at the next bar's open (= its close here), marked at bar k's close
        eur_pnl = eur_units * (eurusd[k] - eurusd[1])
        jpy_pnl_usd = jpy_units * (usdjpy[k] - usdjpy[1]) / usdjpy[k]
        assert info["balance"] == pytest.approx(100_000.0, abs=1e-9)
        assert info["equity"] == pytest.approx(100_000 + eur_pnl + jpy_pnl_usd, abs=0.011)
        weights = (eur_units * eurusd[k] / info["equity"], jpy_units / info["equity"])
        assert info["weights"] == pytest.approx(weights, rel=1e-9)


def test_a_one_instrument_portfolio_trades_exactly_as_the_single_instrument_env() -> None:
    window = 8
    single = TrainingNodeConfig(
        data=SMALL_DATA,
        observation=SchemeConfig(name="window", params={"window": window}),
        action=SchemeConfig(name="continuous", params={"max_position": 50_000, "lot_size": 1000}),
        episode_length=40,
        random_start=False,
    )
    rng = np.random.default_rng(3)
    exposures = rng.uniform(-1, 1, size=40)

    def play_single(env: TrainingNode) -> tuple[list[dict[str, Any]], pd.DataFrame]:
        infos = run_actions(env, [[e] for e in exposures])
        return infos, env.fills()

    single_infos, single_fills = in_env(single, play_single)
    targets = [info["position"] for info in single_infos[1:]]

    portfolio = TrainingNodeConfig(
        instruments=[PortfolioAsset(instrument=InstrumentSpec(), data=SMALL_DATA)],
        observation=SchemeConfig(name=OBSERVE.name, params={"warmup": window + 1}),
        action=WEIGHTS,
        episode_length=40,
        random_start=False,
    )

    def play_portfolio(env: TrainingNode) -> tuple[list[dict[str, Any]], pd.DataFrame]:
        _, info = env.reset()
        infos = [info]
        for target in targets:  # the weight of the single env's target at the agent's close
            weight = target * info["closes"][0] / info["equity"]
            _, _, terminated, truncated, info = env.step(np.array([weight]))
            infos.append(info)
            if terminated or truncated:
                break
        return infos, env.fills()

    portfolio_infos, portfolio_fills = in_env(portfolio, play_portfolio)
    assert len(portfolio_infos) == len(single_infos)
    for a, b in zip(single_infos, portfolio_infos, strict=True):
        assert (a["timestamp"], a["equity"], a["balance"]) == (
            b["timestamp"],
            b["equity"],
            b["balance"],
        )
        assert a["position"] == b["positions"][0]
    columns = ["order_side", "last_qty", "last_px", "ts_event", "commission"]
    pd.testing.assert_frame_equal(
        single_fills[columns].reset_index(drop=True),
        portfolio_fills[columns].reset_index(drop=True),
    )
    assert len(single_fills) > 10


def test_exposure_caps_scale_a_rebalance_down_and_record_it(
    two_stocks: list[PortfolioAsset],
) -> None:
    config = portfolio_config(two_stocks, risk=RiskLimits(max_gross_exposure=1.0))

    infos = in_env(config, lambda env: run_actions(env, [[0.9, -0.9]]))
    gross = np.abs(np.asarray(infos[1]["positions"]) * infos[0]["closes"]).sum()
    assert 0.99 * infos[0]["equity"] <= gross <= infos[0]["equity"]  # at the decision's closes
    (event,) = infos[1]["risk_events"]
    assert (event["instrument"], event["rule"]) == ("PORTFOLIO", "max_gross_exposure")
    assert (event["target"], event["adjusted"]) == pytest.approx((1.8, 1.0))


@pytest.mark.parametrize(
    "schemes",
    [
        {"observation": OBSERVE, "action": WEIGHTS},
        {},  # the portfolio defaults (`stacked_window`, `simplex_weights`)
        {
            "observation": SchemeConfig(name="stacked_window", params={"window": 3}),
            "action": SchemeConfig(name="discrete_targets"),
        },
    ],
    ids=["test_schemes", "defaults", "discrete"],
)
def test_a_portfolio_env_passes_gymnasiums_and_sb3s_checkers(
    two_stocks: list[PortfolioAsset], schemes: dict[str, SchemeConfig]
) -> None:
    def check(env: TrainingNode) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            gym_check_env(env, skip_render_check=True)
            sb3_check_env(env, warn=True)

    values = {
        "observation": SchemeConfig(name="window"),
        "action": SchemeConfig(name="target_position"),
    }
    values.update(schemes)
    config = portfolio_config(two_stocks, episode_length=5, random_start=True, **values)
    in_env(config, check)


def test_the_single_instrument_default_schemes_become_the_portfolio_defaults(
    two_stocks: list[PortfolioAsset],
) -> None:
    config = portfolio_config(
        two_stocks,
        observation=SchemeConfig(name="window"),
        action=SchemeConfig(name="target_position"),
    )
    assert [scheme.name for scheme in config.schemes] == ["stacked_window", "simplex_weights"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"instrument": equity_spec("CCC")}, "`instrument`/`data` describe one instrument"),
        ({"risk": RiskLimits(max_notional_per_order=1000)}, "max_notional_per_order"),
    ],
)
def test_a_portfolio_config_the_env_cannot_trade_is_refused(
    two_stocks: list[PortfolioAsset], change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        portfolio_config(two_stocks, **change)


def test_instruments_at_another_venue_or_given_twice_are_refused(
    two_stocks: list[PortfolioAsset],
) -> None:
    elsewhere = PortfolioAsset(instrument=equity_spec("CCC", venue="XNYS"), data=two_stocks[0].data)
    with pytest.raises(ConfigError, match=r"instruments\[2\].instrument.venue.*one venue"):
        portfolio_config([*two_stocks, elsewhere])
    with pytest.raises(ConfigError, match=r"AAA\.SIM given twice"):
        portfolio_config([*two_stocks, two_stocks[0]])


def test_exposure_caps_on_one_instrument_are_refused_naming_the_alternative() -> None:
    with pytest.raises(ConfigError, match="max_position"):
        TrainingNodeConfig(risk=RiskLimits(max_gross_exposure=1.0))


def test_render_draws_the_episode_equity_and_each_instruments_weight(
    two_stocks: list[PortfolioAsset],
) -> None:
    env = TrainingNode(portfolio_config(two_stocks), render_mode="human")
    try:
        env.reset()
        for _ in range(5):
            env.step(np.array([0.5, -0.2]))
        figure = env.render()
    finally:
        env.close()
    equity_ax, weights_ax = figure.axes[:2]
    assert len(equity_ax.lines[0].get_xdata()) == 6
    assert [t.get_text() for t in weights_ax.get_legend().get_texts()] == ["AAA.SIM", "BBB.SIM"]
    assert "episode of 5 steps" in equity_ax.get_title()


def test_with_range_cuts_every_instruments_data_and_keeps_the_rest(
    two_stocks: list[PortfolioAsset],
) -> None:
    config = portfolio_config(two_stocks)
    cut = config.with_range("2024-01-05", "2024-01-20")
    assert [(a.data.start, a.data.end) for a in cut.assets] == [("2024-01-05", "2024-01-20")] * 2
    assert [a.data.path for a in cut.assets] == [a.data.path for a in config.assets]
    assert cut.venue == config.venue and cut.schemes == config.schemes
    infos = in_env(cut, lambda env: run_actions(env, [[0.1, 0.1]] * 30))
    first, last = infos[0]["timestamp"], infos[-1]["timestamp"]
    assert pd.Timestamp(first) >= pd.Timestamp("2024-01-06") and pd.Timestamp(last) <= pd.Timestamp(
        "2024-01-20"
    )
    single = TrainingNodeConfig().with_range("2017-02-01", None)
    assert (single.data.start, single.data.end) == ("2017-02-01", None)


def test_the_projects_check_env_passes_on_a_portfolio_env(
    two_stocks: list[PortfolioAsset],
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(TrainingNode(portfolio_config(two_stocks, episode_length=6, random_start=True)))


def test_a_cash_account_rebalance_buys_after_its_sales_have_filled_and_is_never_denied(
    two_stocks: list[PortfolioAsset],
) -> None:
    # Nautilus checks a purchase against the free cash when it is sent: sent beside the sale
    # that pays for it, the switch from AAA to BBB was denied; now it waits for the sale
    long_only = SchemeConfig(name="tests.nodes.portfolio_schemes:LongWeights")
    config = portfolio_config(
        two_stocks, venue=default_venue(account_type="CASH"), action=long_only
    )

    def play(env: TrainingNode) -> tuple[list[dict[str, Any]], pd.DataFrame]:
        infos = run_actions(env, [[0.5, 0.45], [0.0, 0.95], [0.9, 0.0]])
        return infos, env.fills()

    infos, fills = in_env(config, play)
    assert infos[-1]["orders_denied"] == 0
    switched = infos[2]
    assert switched["positions"][0] == 0.0
    expected = np.trunc(0.95 * infos[1]["equity"] / infos[1]["closes"][1])
    assert switched["positions"][1] == expected
    sale, purchase = fills.iloc[2], fills.iloc[3]  # the switch: AAA sold, then BBB bought
    assert (sale["instrument_id"], purchase["instrument_id"]) == ("AAA.SIM", "BBB.SIM")
    assert purchase["ts_event"] > sale["ts_event"] > pd.Timestamp(infos[1]["timestamp"], tz="UTC")
    assert infos[-1]["positions"][0] > 0 and infos[-1]["positions"][1] == 0.0


def test_a_margin_account_rebalance_sends_its_purchases_with_its_sales(
    two_stocks: list[PortfolioAsset],
) -> None:
    # the margin gate checks the equity, not the free cash: nothing waits, both fill at the open
    fills = in_env(
        portfolio_config(two_stocks),
        lambda env: (run_actions(env, [[0.5, 0.45], [0.0, 0.95]]), env.fills())[1],
    )
    sale, purchase = fills.iloc[2], fills.iloc[3]
    assert (sale["instrument_id"], purchase["instrument_id"]) == ("AAA.SIM", "BBB.SIM")
    assert purchase["ts_event"] == sale["ts_event"]
    assert (sale["ts_event"].value - DEFAULT_LATENCY_NS) % DAY_NS == 0  # the next open tick


def test_a_cash_account_refuses_an_action_scheme_that_can_go_short(
    two_stocks: list[PortfolioAsset],
) -> None:
    cash = default_venue(account_type="CASH")
    with pytest.raises(ConfigError, match="LongShortWeights can target short weights"):
        portfolio_config(two_stocks, venue=cash, action=SchemeConfig(name="long_short_weights"))
    with pytest.raises(ConfigError, match="DiscreteTargets can target short weights"):
        portfolio_config(two_stocks, venue=cash, action=SchemeConfig(name="discrete_targets"))
    long_only = SchemeConfig(name="discrete_targets", params={"allow_short": False})
    portfolio_config(two_stocks, venue=cash, action=long_only)
    portfolio_config(two_stocks, venue=cash, action=SchemeConfig(name="simplex_weights"))


def two_venue_config(tmp_path: Path, **venue_b: Any) -> TrainingNodeConfig:
    """AAA at SIM (no fees, 100,000 USD) and BBB at XNYS (1 cent a share, 50,000 USD; no bar
    on day 1), no spread: every fill is at the bar's open, which equals its close."""
    days = 12
    assets = [
        PortfolioAsset(
            instrument=equity_spec("AAA"),
            data=daily_csv(tmp_path, "AAA", list(100.0 + np.arange(days)), spread=0),
        ),
        PortfolioAsset(
            instrument=equity_spec("BBB", venue="XNYS"),
            data=daily_csv(tmp_path, "BBB", list(50 - 0.5 * np.arange(days)), drop=[1], spread=0),
        ),
    ]
    values: dict[str, Any] = {
        "name": "XNYS",
        "starting_balance": "50000 USD",
        "leverage": 2,
        "fee_model": per_unit_commission("0.01 USD"),
    }
    values.update(venue_b)
    return portfolio_config(assets, venues=[default_venue(**values)])


def test_a_portfolio_over_two_venues_books_each_instrument_at_its_own_venue_and_sums_the_equity(
    tmp_path: Path,
) -> None:
    def play(env: TrainingNode) -> tuple[list[dict[str, Any]], pd.DataFrame, dict[str, Any]]:
        infos = run_actions(env, [[0.4, 0.2]])
        for _ in range(3):  # hold: the target is the current weights
            infos.append(env.step(np.asarray(infos[-1]["weights"]))[4])
        portfolio, usd = env.strategy.portfolio, Currency.from_str("USD")
        accounts = {}
        for name in ("SIM", "XNYS"):
            account = portfolio.account(Venue(name))
            assert account is not None
            pnl = portfolio.unrealized_pnls(Venue(name)).get(usd)
            accounts[name] = (
                account.balance_total(usd).as_double(),
                0.0 if pnl is None else pnl.as_double(),
                account_value(portfolio, env.strategy.cache, account, usd).equity,
            )
        return infos, env.fills(), accounts

    config = two_venue_config(tmp_path)
    infos, fills, accounts = in_env(config, play)
    first = infos[0]
    assert first["equity"] == 150_000.0  # both accounts' starting balances
    closes = np.asarray(first["closes"])
    units = np.trunc(np.array([0.4, 0.2]) * 150_000 / closes)
    assert infos[2]["positions"] == tuple(units)
    # each order fills at its own venue's next open (1 ms latency): BBB's is a day later
    decided = first["timestamp"]
    assert sorted(fills["instrument_id"]) == ["AAA.SIM", "BBB.XNYS"]
    by_id = {fill.instrument_id: fill for fill in fills.itertuples()}
    fill_px = {key: float(fill.last_px) for key, fill in by_id.items()}
    assert fill_px == {"AAA.SIM": closes[0] + 1, "BBB.XNYS": closes[1] - 1}
    filled = {key: pd.Timestamp(fill.ts_event).value - decided for key, fill in by_id.items()}
    assert filled == {"AAA.SIM": DEFAULT_LATENCY_NS, "BBB.XNYS": DAY_NS + DEFAULT_LATENCY_NS}
    # XNYS's fee model charges only BBB; SIM charges nothing
    fee = 0.01 * units[1]
    assert float(by_id["AAA.SIM"].commission.split()[0]) == 0.0
    assert float(by_id["BBB.XNYS"].commission.split()[0]) == pytest.approx(fee, abs=1e-9)
    last = infos[-1]
    pnl_a = units[0] * (last["closes"][0] - fill_px["AAA.SIM"])
    pnl_b = units[1] * (last["closes"][1] - fill_px["BBB.XNYS"])
    sim, xnys = accounts["SIM"], accounts["XNYS"]
    assert sim == pytest.approx((100_000.0, pnl_a, 100_000.0 + pnl_a), abs=1e-6)
    assert xnys == pytest.approx((50_000.0 - fee, pnl_b, 50_000.0 - fee + pnl_b), abs=1e-6)
    assert last["equity"] == pytest.approx(sim[2] + xnys[2], abs=1e-9)
    assert last["balance"] == pytest.approx(sim[0] + xnys[0], abs=1e-9)
    assert last["commissions"] == pytest.approx(fee, abs=1e-9)
    weights = units * np.asarray(last["closes"]) / last["equity"]
    assert last["weights"] == pytest.approx(tuple(weights), rel=1e-9)


@pytest.mark.parametrize(
    ("venue_b", "message"),
    [
        ({"name": "XNAS"}, r"instruments\[1\].instrument.venue.*'XNYS'.*'SIM', 'XNAS'"),
        ({"starting_balance": "50000 EUR"}, r"`base_currency` differ \(SIM: USD, XNYS: EUR\)"),
        ({"account_type": "CASH"}, "MARGIN` at venue 'XNYS'"),
        ({"name": "SIM"}, "names must be distinct"),
    ],
    ids=["unknown_venue", "other_currency", "cash", "same_name"],
)
def test_a_portfolio_over_venues_it_cannot_sum_is_refused(
    tmp_path: Path, venue_b: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        two_venue_config(tmp_path, **venue_b)


def test_venues_without_a_portfolio_or_trading_nothing_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="`venues` lists a portfolio's venues"):
        TrainingNodeConfig(venues=[default_venue(name="XNYS")])
    config = two_venue_config(tmp_path)
    idle = [*cast(list[VenueConfig], config.venues), default_venue(name="XNAS")]
    with pytest.raises(ConfigError, match=r"\['XNAS'\] of `venues` trade none"):
        msgspec.structs.replace(config, venues=idle).__post_init__()
