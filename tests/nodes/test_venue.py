"""Venue checks: every bad venue value is a Python `ConfigError` naming the field, never a signal.

The strings Nautilus parses by aborting the interpreter on bad input (OMS, account and book
type: measured, SIGABRT) run in a fresh interpreter (`assert_python_error`): exit status 1 with
the message, not a signal. The other values run all together in one fresh interpreter (one
start-up instead of twenty) and each in-process, for a precise failure per case.
"""

from __future__ import annotations

import base64
import logging
import pickle

import msgspec
import numpy as np
import pandas as pd
import pytest
from nautilus_trader.config import ImportableActorConfig

from nautilus_rl_lab.data.instruments import InstrumentSpec, make_instrument
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes.engine import default_venue
from nautilus_rl_lab.nodes.training import TrainingNode, TrainingNodeConfig, smallest_order
from nautilus_rl_lab.nodes.venue import check_account, check_fee_rates, check_venue
from nautilus_rl_lab.nodes.venue_models import ImportableFeeModelConfig, MarginModelConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.strategies.risk import RiskLimits
from tests.conftest import assert_python_error
from tests.nodes.conftest import margin_venue, small_config

CONFIG = """
from nautilus_rl_lab.nodes.venue_config import VenueConfig
from nautilus_rl_lab.nodes.training import TrainingNode, TrainingNodeConfig
venue = dict(name="SIM", oms_type="NETTING", account_type="MARGIN",
             starting_balances=["100000 USD"], base_currency="USD", default_leverage=30.0)
venue.update({{{overrides}}})
TrainingNodeConfig(venue=VenueConfig(**venue))
"""

ABORTING = [
    ('"oms_type": "NETTNG"', "`venue.oms_type`"),
    ('"account_type": "CASHH"', "`venue.account_type`"),
    ('"book_type": "L9_XYZ"', "`venue.book_type`"),
]


@pytest.mark.parametrize(("overrides", "field"), ABORTING)
def test_string_nautilus_would_abort_on_is_a_python_error_naming_the_field(
    overrides: str, field: str
) -> None:
    code = CONFIG.format(overrides=overrides)
    assert_python_error(code, "ConfigError", field)


BAD_VENUES = [
    ({"name": "S IM"}, "`venue.name`"),
    ({"starting_balances": []}, "`venue.starting_balances`"),
    ({"starting_balances": ["abc USD"]}, "`venue.starting_balances[0]`"),
    ({"starting_balances": ["0 USD"]}, "`venue.starting_balances[0]`"),
    ({"starting_balances": ["-100 USD"]}, "`venue.starting_balances[0]`"),
    ({"starting_balances": ["1e30 USD"]}, "`venue.starting_balances[0]`"),
    ({"starting_balances": ["100000 QQQ"], "base_currency": None}, "`venue.starting_balances[0]`"),
    ({"starting_balances": ["100000USD"]}, "`venue.starting_balances[0]`"),
    ({"starting_balances": ["100000.001 USD"]}, "more decimals than USD"),
    ({"starting_balances": ["1 USD", "2 USD"], "base_currency": None}, "appears twice"),
    ({"base_currency": "XYZ"}, "`venue.base_currency`"),
    ({"base_currency": "EUR"}, "`venue.base_currency` EUR needs exactly one"),
    ({"default_leverage": 0}, "`venue.default_leverage`"),
    ({"default_leverage": float("nan")}, "`venue.default_leverage`"),
    ({"leverages": {"EURUSD": 10.0}}, "`venue.leverages` key 'EURUSD'"),
    ({"leverages": {"EUR/USD.OTHER": 10.0}}, "`venue.leverages` key"),
    ({"leverages": {"EUR/USD.SIM": -1.0}}, "`venue.leverages['EUR/USD.SIM']`"),
    ({"margin_model": MarginModelConfig(model_type="magic")}, "`venue.margin_model.model_type`"),
    ({"routing": "yes"}, "`venue.routing`"),
]


def _config(overrides: dict, **instrument: object) -> TrainingNodeConfig:
    return TrainingNodeConfig(
        venue=margin_venue(**overrides), instrument=InstrumentSpec(**instrument)
    )


ALL_IN_ONE = """
import base64, pickle, sys
from nautilus_rl_lab.errors import ConfigError
from tests.nodes.test_venue import _config
cases, raised = pickle.loads(base64.b64decode({cases!r})), 0
for overrides, field in cases:
    try:
        _config(overrides)
    except ConfigError as error:
        raised += 1
        sys.stderr.write(f"{{error}}\\n")
raise ConfigError(f"{{raised}} of {{len(cases)}} bad venues raised")
"""


def test_no_bad_venue_value_aborts_the_interpreter() -> None:
    """All the in-process cases below, in one fresh interpreter: Python errors, no signal."""
    cases = base64.b64encode(pickle.dumps(BAD_VENUES)).decode()
    fields = [field for _, field in BAD_VENUES]
    n = len(BAD_VENUES)
    assert_python_error(ALL_IN_ONE.format(cases=cases), f"{n} of {n} bad venues raised", *fields)


@pytest.mark.parametrize(("overrides", "field"), BAD_VENUES)
def test_bad_venue_value_is_a_config_error_naming_the_field(overrides: dict, field: str) -> None:
    with pytest.raises(ConfigError) as error:
        _config(overrides)
    assert field in str(error.value)


BAD_ACCOUNTS = [
    # A cash account pays in full: leverage there is a contradiction.
    ({"account_type": "CASH"}, {}, "`venue.default_leverage` (30.0)"),
    # The standard margin model ignores the venue leverage.
    ({"margin_model": MarginModelConfig(model_type="standard")}, {}, "standard margin"),
    # The leveraged model divides by the leverage AND multiplies by margin_init: 1000:1.
    ({}, {"margin_init": 0.03}, "`instrument.margin_init` 0.03 stacks"),
    # Nautilus could not convert EUR/GBP P&L into USD.
    ({}, {"symbol": "EUR/GBP"}, "`venue.base_currency` USD is neither"),
    ({}, {"venue": "OTHER"}, "`instrument.venue`"),
]


@pytest.mark.parametrize(("overrides", "instrument", "message"), BAD_ACCOUNTS)
def test_contradictory_leverage_or_currency_is_refused(
    overrides: dict, instrument: dict, message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        _config(overrides, **instrument)
    assert message in str(error.value)


def test_build_engine_checks_the_venue_before_nautilus_parses_it() -> None:
    code = """
from nautilus_rl_lab.nodes.venue_config import VenueConfig
from nautilus_rl_lab.evaluation.backtest import market_for, run_backtest
from nautilus_rl_lab.agents.simple import BuyAndHoldAgent
from nautilus_rl_lab.nodes.engine import build_engine
from tests.nodes.conftest import small_config
market = market_for(small_config())
venue = VenueConfig(name="SIM", oms_type="HEDGNG", account_type="MARGIN",
                    starting_balances=["100000 USD"])
build_engine(venue, market)
"""
    assert_python_error(code, "ConfigError", "`venue.oms_type`")


def test_default_venue_and_instrument_give_the_documented_leverage() -> None:
    venue, instrument = default_venue(), make_instrument(InstrumentSpec())
    check_account(venue, instrument)  # no contradiction: margin rates 1, leverage 30
    assert venue.default_leverage == 30.0
    assert instrument.margin_init == instrument.margin_maint == 1
    check_venue(default_venue(account_type="CASH"))  # a cash venue gets leverage 1


def test_an_unimportable_venue_model_is_a_config_error_naming_the_field() -> None:
    fee_model = ImportableFeeModelConfig(
        fee_model_path="no_such_module:FeeModel", config_path="no_such_module:Config", config={}
    )
    with pytest.raises(ConfigError, match=r"`venue.fee_model` cannot be built"):
        TrainingNode(small_config(venue=margin_venue(fee_model=fee_model)))


def test_simulation_modules_are_refused_not_ignored() -> None:
    module = ImportableActorConfig(actor_path="x:Y", config_path="x:Z", config={})
    with pytest.raises(ConfigError, match=r"`venue.modules`"):
        _config({"modules": [module]})


BTC = InstrumentSpec(
    symbol="BTC/USD",
    price_precision=2,
    size_precision=3,
    lot_size=0.001,
    min_quantity=0.001,
    max_quantity=100.0,
)
BTC_SPREAD = 1.0  # USD


def _btc_months() -> pd.DataFrame:
    """Three years of monthly BTC/USD ask bars (cents), month-end labels as exports have them."""
    closes = np.round(10_000 * np.exp(np.cumsum(np.random.default_rng(1).normal(0, 0.1, 36))), 2)
    opens = np.concatenate([[10_000.0], closes[:-1]])
    index = pd.date_range("2018-01-31", periods=36, freq="ME", tz="UTC")
    return pd.DataFrame(
        {
            "open": opens,
            "high": np.maximum(opens, closes) + 100,
            "low": np.minimum(opens, closes) - 100,
            "close": closes,
            "volume": 10.0,
        },
        index=index,
    )


def _btc_cash_config(base_currency: str | None, balances: list[str]) -> TrainingNodeConfig:
    return TrainingNodeConfig(
        venue=margin_venue(
            account_type="CASH",
            starting_balances=balances,
            base_currency=base_currency,
            default_leverage=1.0,
        ),
        instrument=BTC,
        data=DataSourceConfig(kind="frame", timestamps="close", spread=BTC_SPREAD),
        bar_aggregation="MONTH",
        observation=SchemeConfig(name="window", params={"window": 3}),
        action=SchemeConfig(name="target_position", params={"allow_short": False, "trade_size": 2}),
        episode_length=10,
        random_start=False,
    )


def test_crypto_on_a_usd_cash_account_holds_btc_and_is_valued_in_usd() -> None:
    """BTC/USD on a CASH account with base currency USD: Nautilus needs a multi-currency
    account to hold the bought BTC; equity stays in USD, marked at the bid."""
    frame = _btc_months()
    env = TrainingNode(_btc_cash_config("USD", ["100000 USD"]), frame=frame)
    try:
        _, info = env.reset()
        assert info["equity"] == 100_000.0
        for action in (1, 1, 0):
            env.step(action)
        closes = env.history[1:]  # the state after each step: close, position, equity
        fills = env.fills()
        buy, sell = fills.iloc[0], fills.iloc[1]
        assert (buy["order_side"], float(buy["last_qty"])) == ("BUY", 2.0)
        # decided at a month's close (its label: the month's last day), filled at the next open
        decided = pd.Timestamp(env.history[0]["ts"], tz="UTC")
        assert decided.day == 1 and decided.hour == 0  # a month's close is the next's first instant
        label = decided - pd.Timedelta(days=1)
        assert label in frame.index  # the decision bar is the month labelled on its last day
        assert pd.Timestamp(buy["ts_event"]) == decided + pd.Timedelta(milliseconds=1)
        assert float(buy["last_px"]) == frame["open"].iloc[frame.index.get_loc(label) + 1]
        commission_buy = float(str(buy["commission"]).split()[0])
        commission_sell = float(str(sell["commission"]).split()[0])
        assert commission_buy > 0 and commission_sell > 0
        bid_close = closes[0]["close"] - BTC_SPREAD  # the position is marked at the bid
        expected = 100_000.0 + 2 * (bid_close - float(buy["last_px"])) - commission_buy
        assert closes[0]["equity"] == pytest.approx(expected, abs=1e-6)
        realised = 2 * (float(sell["last_px"]) - float(buy["last_px"]))
        assert closes[2]["position"] == 0.0
        assert closes[2]["equity"] == pytest.approx(
            100_000.0 + realised - commission_buy - commission_sell, abs=1e-6
        )
        account = env.engine.portfolio.account(env.market.instrument.id.venue)
        assert {c.code for c in account.balances_total()} <= {"USD", "BTC"}
    finally:
        env.close()


def test_a_btc_account_for_btc_usd_on_cash_is_refused_naming_what_to_set() -> None:
    with pytest.raises(ConfigError) as info:
        _btc_cash_config("BTC", ["10 BTC"])
    message = str(info.value)
    assert "`venue.base_currency` BTC" in message
    assert "base_currency: USD" in message or "base_currency: null" in message


ACME = InstrumentSpec(
    symbol="ACME", kind="equity", price_precision=2, lot_size=1, min_quantity=1, max_quantity=None
)


def _fee_model(name: str, commission: str) -> ImportableFeeModelConfig:
    return ImportableFeeModelConfig(
        fee_model_path=f"nautilus_trader.backtest.models:{name}FeeModel",
        config_path=f"nautilus_trader.backtest.config:{name}FeeModelConfig",
        config={"commission": commission},
    )


def _acme_node(
    fee_model: ImportableFeeModelConfig | None,
) -> tuple[TrainingNodeConfig, pd.DataFrame]:
    """ACME at 4.58 on a CASH account with `fee_model`; the frame for the node."""
    prices = np.full(40, 4.58)
    index = pd.date_range("2024-01-01", periods=40, freq="1h", tz="UTC")
    return TrainingNodeConfig(
        venue=margin_venue(account_type="CASH", default_leverage=1.0, fee_model=fee_model),
        instrument=ACME,
        data=DataSourceConfig(kind="frame", spread=0.01),
        observation=SchemeConfig(name="window", params={"window": 3}),
        action=SchemeConfig(name="target_position", params={"allow_short": False, "trade_size": 3}),
        episode_length=8,
        random_start=False,
    ), pd.DataFrame(
        {"open": prices, "high": prices, "low": prices, "close": prices, "volume": 1e6},
        index=index,
    )


@pytest.mark.parametrize(
    ("name", "commission", "charged"),
    [("PerContract", "0.005 USD", "0.00 USD"), ("Fixed", "2.505 USD", "2.50 USD")],
)
def test_a_commission_finer_than_the_currency_is_refused_not_charged_as_zero(
    name: str, commission: str, charged: str
) -> None:
    """Nautilus parses the commission at USD's precision: 0.005 USD per share would be 0.00."""
    with pytest.raises(ConfigError) as info:
        _acme_node(_fee_model(name, commission))
    message = str(info.value)
    for part in (
        f"`venue.fee_model.config.commission` {commission!r}",
        f"Nautilus would charge {charged}",
        "the smallest charge in USD is 0.01",
    ):
        assert part in message


def test_a_per_share_commission_at_the_currency_precision_is_charged_exactly() -> None:
    config, frame = _acme_node(_fee_model("PerContract", "0.01 USD"))
    env = TrainingNode(config, frame=frame)
    try:
        env.reset()
        env.step(1)
        fills = env.fills()
        assert [str(c) for c in fills["commission"]] == ["0.03 USD"]  # 3 shares * 0.01
    finally:
        env.close()


def test_a_per_contract_commission_one_size_increment_cannot_pay_exactly_is_refused() -> None:
    """0.01 USD per BTC: a fill of 0.001 BTC would cost 0.00001 USD, charged as 0.00."""
    venue = margin_venue(
        account_type="CASH", default_leverage=1.0, fee_model=_fee_model("PerContract", "0.01 USD")
    )
    with pytest.raises(
        ConfigError, match=r"`venue.fee_model.config.commission` .* 0.001 .* cost 0.00001 USD"
    ):
        check_account(venue, make_instrument(BTC))


def test_a_fee_rate_the_smallest_order_would_pay_as_zero_is_refused_naming_the_field() -> None:
    """Nautilus rounds each fill's rate-based fee to cents and no fee model can charge less
    (`Money` has the currency's precision): 3 ACME (`trade_size`) at 4.58 * 0.2 bp is 0.00."""
    config, frame = _acme_node(None)
    with pytest.raises(ConfigError) as info:
        TrainingNode(config, frame=frame)
    message = str(info.value)
    assert message.startswith("`instrument.taker_fee` 0.00002: ")
    assert "an order of 3 ACME.SIM at 4.58 (the data's lowest price) costs 0.000275 USD" in message
    assert "charged as 0.00 USD" in message


@pytest.mark.parametrize(
    ("action", "risk", "smallest"),
    [
        ({"name": "target_position", "params": {"trade_size": 3}}, {}, 3.0),
        ({"name": "continuous", "params": {"max_position": 10, "lot_size": 2}}, {}, 2.0),
        ({"name": "buy_sell_hold", "params": {"trade_size": 3, "max_position": 10}}, {}, 1.0),
        ({"name": "target_position", "params": {"trade_size": 3}}, {"max_position": 2.5}, 0.5),
    ],
)
def test_the_smallest_order_counts_lots_clipping_and_the_risk_cap(
    action: dict, risk: dict, smallest: float
) -> None:
    """A lower bound of every order's size: buy_sell_hold clipped at 10 in steps of 3 goes
    9 -> 10 (1 unit); a binding risk cap of 2.5 on steps of 3 counts gcd(3, 2.5) = 0.5."""
    assert smallest_order(SchemeConfig(**action), RiskLimits(**risk)) == smallest


def test_a_fee_rate_is_only_warned_about_where_the_order_sizes_are_unknown(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="nautilus_rl_lab.nodes.venue"):
        check_fee_rates(_acme_node(None)[0].venue, make_instrument(ACME), 4.58, None)
    message = " ".join(r.getMessage() for r in caplog.records)
    assert "`instrument.taker_fee` 0.00002: an order of 1 ACME.SIM at 4.58" in message
    assert "costs 9.16e-05 USD, charged as 0.00 USD" in message


def test_a_fee_rate_an_order_of_the_trade_size_pays_is_not_refused() -> None:
    config, frame = _acme_node(None)
    bigger = SchemeConfig(name="target_position", params={"allow_short": False, "trade_size": 60})
    TrainingNode(msgspec.structs.replace(config, action=bigger), frame=frame).close()
