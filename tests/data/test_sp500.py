"""The S&P 500 sample as portfolio assets: instruments that hold its prices exactly, data configs
that load each stock, and fills of a day's decision at the next trading day's close."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.data import load_sample_sp500, make_instrument, to_quote_ticks
from nautilus_rl_lab.data.instruments import InstrumentSpec
from nautilus_rl_lab.data.loaders import SAMPLE_SP500_FILE, SP500_SYMBOLS
from nautilus_rl_lab.data.source import load_frame
from nautilus_rl_lab.data.sp500 import SP500_VENUE, sp500_assets, sp500_instrument
from nautilus_rl_lab.data.wrangling import check_price_precision
from nautilus_rl_lab.errors import ConfigError, DataValidationError
from nautilus_rl_lab.nodes.training import TrainingNode, TrainingNodeConfig
from nautilus_rl_lab.nodes.venue import check_fee_rates
from nautilus_rl_lab.nt.fees import fee_rates
from nautilus_rl_lab.schemes import SchemeConfig
from tests.nodes.conftest import margin_venue

CASH_VENUE = margin_venue(name=SP500_VENUE, account_type="CASH", default_leverage=1.0)


@pytest.fixture(scope="module")
def aapl() -> pd.DataFrame:
    return load_sample_sp500(["AAPL"])["AAPL"]


def test_each_symbol_is_a_whole_share_usd_equity_at_the_files_3_decimals() -> None:
    for symbol in SP500_SYMBOLS:
        instrument = make_instrument(sp500_instrument(symbol))
        assert str(instrument.id) == f"{symbol}.{SP500_VENUE}"
        assert (instrument.price_precision, instrument.size_precision) == (3, 0)
        assert instrument.quote_currency.code == "USD"
        assert fee_rates(instrument) == (0, 0)
    with pytest.raises(ConfigError, match="`symbol` 'TSLA' is unknown"):
        sp500_instrument("TSLA")


def test_the_instrument_quotes_every_price_exactly_and_a_coarser_one_is_refused(
    aapl: pd.DataFrame,
) -> None:
    instrument = make_instrument(sp500_instrument("AAPL"))
    ticks = to_quote_ticks(aapl, instrument, spread=0.0, side="mid", interval="1D")
    np.testing.assert_array_equal([t.bid_price.as_double() for t in ticks[3::4]], aapl["close"])
    coarse = make_instrument(
        InstrumentSpec(**{**sp500_instrument("AAPL").dict(), "price_precision": 2})
    )
    with pytest.raises(DataValidationError, match=r"0\.264 at line 2 .*`price_precision` to 3"):
        check_price_precision(aapl, coarse, SAMPLE_SP500_FILE)


def test_default_fees_pass_the_one_share_check_where_5_bp_would_be_charged_as_zero(
    aapl: pd.DataFrame,
) -> None:
    lowest = float(aapl["low"].min())  # 0.098 in 1990, split-adjusted
    check_fee_rates(CASH_VENUE, make_instrument(sp500_instrument("AAPL")), lowest, 1)
    with pytest.raises(ConfigError, match=r"charged as 0\.00 USD"):
        check_fee_rates(
            CASH_VENUE, make_instrument(sp500_instrument("AAPL", fee=0.0005)), lowest, 1
        )


def test_assets_pair_each_instrument_with_its_cut_data() -> None:
    assets = sp500_assets(["MSFT", "KO"], start="2021-01-01", end="2021-02-01")
    assert [spec.symbol for spec, _ in assets] == ["MSFT", "KO"]
    for spec, data in assets:
        frame = load_frame(data)
        expected = load_sample_sp500([spec.symbol])[spec.symbol].loc["2021-01-01":"2021-01-31"]
        pd.testing.assert_frame_equal(frame, expected)
        assert (data.spread, data.spread_bps, data.price_side) == (0.0, None, "mid")
    assert len(sp500_assets()) == 20
    _, data = sp500_assets(["KO"], spread_bps=400.0)[0]
    assert (data.spread, data.spread_bps) == (None, 400.0)
    with pytest.raises(ConfigError, match="`symbols` 'BRK' is unknown"):
        sp500_assets(["KO", "BRK"])


def test_a_decision_at_a_days_close_fills_at_the_next_trading_days_close(
    aapl: pd.DataFrame,
) -> None:
    """Daily close-only bars open at midnight UTC: Nautilus stamps day t's bar at the next
    midnight, and the order decided then fills at day t+1's open tick, which is its close."""
    instrument, data = sp500_assets(["AAPL"], start="2020-03-04", end="2020-03-20")[0]
    action = {"trade_size": 100, "allow_short": False}
    config = TrainingNodeConfig(
        venue=CASH_VENUE,
        instrument=instrument,
        data=data,
        bar_aggregation="DAY",
        observation=SchemeConfig(name="window", params={"window": 2}),
        action=SchemeConfig(name="target_position", params=action),
        episode_length=None,
        random_start=False,
    )
    env = TrainingNode(config)
    try:
        _, info = env.reset()
        decided = pd.Timestamp(info["timestamp"], unit="ns", tz="UTC")  # the bar's close
        env.step(1)
        fills = env.fills()
    finally:
        env.close()
    day = decided - pd.Timedelta(days=1)  # the bar the decision saw: it opened a day earlier
    following = aapl.index[aapl.index > day][0]  # the next trading day
    assert (day.day_name(), following.day_name()) == ("Friday", "Monday")  # across a weekend
    assert float(fills["last_qty"].sum()) == 100
    assert (fills["last_px"].astype(float) == aapl.loc[following, "close"]).all()
    assert aapl.loc[following, "close"] != aapl.loc[day, "close"]
