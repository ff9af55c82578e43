"""OHLCV frames -> Nautilus bars and quote ticks: timestamps at the bar close, prices, spreads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.data import (
    InstrumentSpec,
    bar_interval,
    bar_type_for,
    bars_to_frame,
    load_csv,
    load_parquet,
    make_instrument,
    to_bars,
    to_quote_ticks,
)
from nautilus_rl_lab.data.ohlcv import to_ns
from nautilus_rl_lab.data.wrangling import NODE_BAR_FIELDS, bar_specification, parse_bar_type
from nautilus_rl_lab.errors import ConfigError, DataValidationError
from nautilus_rl_lab.nt.model import BarType, Instrument, QuoteTick

SPREAD = 0.00002
NS_PER_MS = 1_000_000


def _ns(index: pd.DatetimeIndex) -> np.ndarray:
    return index.as_unit("ns").asi8


def test_bar_type_for_builds_external_time_bar_types() -> None:
    bar_type = bar_type_for("EUR/USD.SIM")
    assert str(bar_type) == "EUR/USD.SIM-1-HOUR-ASK-EXTERNAL"
    assert bar_interval(bar_type) == pd.Timedelta("1h")
    minutes = bar_type_for("AAPL.XNAS", step=15, aggregation="minute", price_type="last")
    assert str(minutes) == "AAPL.XNAS-15-MINUTE-LAST-EXTERNAL"
    assert bar_interval(minutes) == pd.Timedelta("15min")
    assert bar_interval(BarType.from_str(str(minutes))) == pd.Timedelta("15min")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"aggregation": "HOURS"}, "aggregation"),  # Nautilus' own parser would abort here
        ({"aggregation": "YEAR"}, "aggregation"),
        ({"aggregation": "TICK"}, "aggregation"),
        ({"price_type": "LASTX"}, "price_type"),
        ({"step": 24}, "step"),
        ({"step": 0}, "step"),
    ],
)
def test_bar_type_for_rejects_bad_arguments(kwargs: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=f"`{field}`"):
        bar_type_for("EUR/USD.SIM", **kwargs)


def test_bars_are_stamped_at_the_close(
    sample_df: pd.DataFrame, eurusd: Instrument, eurusd_bar_type: BarType
) -> None:
    bars = to_bars(sample_df, eurusd_bar_type, eurusd)
    assert len(bars) == len(sample_df)
    close_ns = _ns(sample_df.index) + pd.Timedelta("1h").value
    assert [b.ts_event for b in bars] == close_ns.tolist()
    assert [b.ts_init for b in bars] == close_ns.tolist()
    assert all(b.bar_type == eurusd_bar_type for b in bars)
    for col in ("open", "high", "low", "close"):
        got = np.array([getattr(b, col).as_double() for b in bars])
        np.testing.assert_allclose(got, sample_df[col].to_numpy(), rtol=0, atol=5e-6)
    np.testing.assert_array_equal(
        [int(b.volume.as_decimal()) for b in bars], np.round(sample_df["volume"].to_numpy())
    )


def test_bars_to_frame_inverts_to_bars(
    sample_df: pd.DataFrame, eurusd: Instrument, eurusd_bar_type: BarType
) -> None:
    back = bars_to_frame(to_bars(sample_df, eurusd_bar_type, eurusd))
    pd.testing.assert_frame_equal(back, sample_df.assign(volume=sample_df["volume"].round()))


def test_to_bars_rejects_overlapping_bars_and_wrong_instrument(
    sample_df: pd.DataFrame, eurusd: Instrument
) -> None:
    four_hour = bar_type_for(eurusd.id, step=4)
    with pytest.raises(
        DataValidationError, match=r"EURUSD_1H_2017_ASK.csv: line 3 .* finer than 4-HOUR-ASK bars"
    ):
        to_bars(sample_df.iloc[:10], four_hour, eurusd)
    with pytest.raises(ConfigError, match=r"GBP/USD\.SIM"):
        to_bars(sample_df.iloc[:10], bar_type_for("GBP/USD.SIM"), eurusd)


def _keys(ticks: list[QuoteTick]) -> list[tuple]:
    """Comparable tick contents: in Nautilus 1.221 `QuoteTick.__eq__` on two *different*
    ticks aborts the process (a Rust `assert_eq!`), so tests never compare ticks with ==."""
    return [
        (t.bid_price.raw, t.ask_price.raw, t.bid_size.raw, t.ask_size.raw, t.ts_init, t.ts_event)
        for t in ticks
    ]


def _ticks_by_bar(ticks: list, n_bars: int) -> list[list]:
    assert len(ticks) == 4 * n_bars
    return [ticks[4 * i : 4 * i + 4] for i in range(n_bars)]


def test_quote_ticks_spread_through_the_bar_open_tick_just_after_the_bar_opens(
    sample_df: pd.DataFrame, eurusd: Instrument, eurusd_bar_type: BarType
) -> None:
    bars = to_bars(sample_df, eurusd_bar_type, eurusd)
    ticks = to_quote_ticks(sample_df, eurusd, spread=SPREAD)
    hour = pd.Timedelta("1h").value
    previous_close = -1
    for bar, group in zip(bars, _ticks_by_bar(ticks, len(bars)), strict=True):
        ts = [t.ts_event for t in group]
        opened = bar.ts_event - hour  # the bar's open: its close minus the interval
        assert ts == [
            opened + NS_PER_MS,
            opened + hour // 3,
            opened + 2 * (hour // 3),
            bar.ts_event,
        ]
        assert ts[0] > previous_close  # strictly after the previous bar's close tick
        assert [t.ts_init for t in group] == ts
        previous_close = bar.ts_event
        asks = [t.ask_price for t in group]
        assert asks == [bar.open, bar.high, bar.low, bar.close]
        for t in group:
            spread = t.ask_price.as_double() - t.bid_price.as_double()
            assert spread == pytest.approx(SPREAD, abs=1e-9)


def test_open_delay_places_the_open_tick(sample_df: pd.DataFrame, eurusd: Instrument) -> None:
    df = sample_df.iloc[:3]
    ticks = to_quote_ticks(df, eurusd, spread=SPREAD, open_delay_ns=0)
    assert [t.ts_event for t in ticks[::4]] == _ns(df.index).tolist()


@pytest.mark.parametrize("side", ["ask", "bid", "mid"])
def test_quote_side_sets_which_price_the_frame_holds(
    sample_df: pd.DataFrame, eurusd: Instrument, side: str
) -> None:
    df = sample_df.iloc[:50]
    spread = 0.0002
    ticks = to_quote_ticks(df, eurusd, spread=spread, side=side)
    closes = ticks[3::4]
    bid = np.array([t.bid_price.as_double() for t in closes])
    ask = np.array([t.ask_price.as_double() for t in closes])
    given = df["close"].to_numpy()
    expected = {
        "ask": (given - spread, given),
        "bid": (given, given + spread),
        "mid": (given - spread / 2, given + spread / 2),
    }[side]
    np.testing.assert_allclose(bid, expected[0], atol=6e-6)
    np.testing.assert_allclose(ask, expected[1], atol=6e-6)
    np.testing.assert_allclose(ask - bid, spread, atol=1.1e-5)


def test_quote_sizes_are_a_quarter_of_the_bar_volume(
    sample_df: pd.DataFrame, eurusd: Instrument
) -> None:
    df = sample_df.iloc[:20]
    ticks = to_quote_ticks(df, eurusd, spread=SPREAD)
    sizes = np.array([int(t.ask_size.as_decimal()) for t in ticks[::4]])
    np.testing.assert_array_equal(sizes, np.maximum(np.round(df["volume"] / 4), 1))


def test_seed_shuffles_high_low_order_reproducibly(
    sample_df: pd.DataFrame, eurusd: Instrument
) -> None:
    df = sample_df.iloc[:200]
    plain = to_quote_ticks(df, eurusd, spread=SPREAD)
    a = _keys(to_quote_ticks(df, eurusd, spread=SPREAD, seed=7))
    b = _keys(to_quote_ticks(df, eurusd, spread=SPREAD, seed=7))
    ordered = _keys(plain)
    assert a == b
    assert a != ordered
    assert [k[-1] for k in a] == [k[-1] for k in ordered]  # same timestamps
    for i in range(0, len(a), 4):
        assert a[i] == ordered[i] and a[i + 3] == ordered[i + 3]  # open, close stay
        assert {k[:4] for k in a[i + 1 : i + 3]} == {k[:4] for k in ordered[i + 1 : i + 3]}


def test_quote_ticks_across_weekend_gap(sample_df: pd.DataFrame, eurusd: Instrument) -> None:
    gap = int(np.flatnonzero(sample_df.index.to_series().diff() > pd.Timedelta("24h"))[0])
    df = sample_df.iloc[gap - 2 : gap + 2]
    ticks = to_quote_ticks(df, eurusd, spread=SPREAD)
    closes = [t.ts_event for t in ticks[3::4]]
    assert closes == (_ns(df.index) + pd.Timedelta("1h").value).tolist()
    # Monday's first bar opens at its close minus one hour, not at Friday's close.
    opens = [t.ts_event for t in ticks[::4]]
    assert opens == (_ns(df.index) + NS_PER_MS).tolist()
    assert opens[2] - closes[1] > pd.Timedelta("24h").value


def test_quote_tick_arguments_are_checked(sample_df: pd.DataFrame, eurusd: Instrument) -> None:
    df = sample_df.iloc[:10]
    with pytest.raises(ConfigError, match="`spread`"):
        to_quote_ticks(df, eurusd, spread=-0.0001)
    with pytest.raises(ConfigError, match="`side`"):
        to_quote_ticks(df, eurusd, spread=SPREAD, side="last")
    with pytest.raises(ConfigError, match="`open_delay_ns`"):
        to_quote_ticks(df, eurusd, spread=SPREAD, open_delay_ns=1_200 * 10**9)
    with pytest.raises(ConfigError, match="`open_delay_ns`"):
        to_quote_ticks(df, eurusd, spread=SPREAD, open_delay_ns=-1)
    with pytest.raises(ConfigError, match="`interval`"):
        to_quote_ticks(df, eurusd, spread=SPREAD, interval="1 month")
    with pytest.raises(DataValidationError, match="bid low non-positive"):
        to_quote_ticks(df, eurusd, spread=2.0)
    with pytest.raises(DataValidationError, match="pass `interval`"):
        to_quote_ticks(df.iloc[:1], eurusd, spread=SPREAD)
    one = to_quote_ticks(df.iloc[:1], eurusd, spread=SPREAD, interval="1h")
    assert one[-1].ts_event == df.index[0].value + pd.Timedelta("1h").value


def test_quote_ticks_follow_instrument_precision(sample_df: pd.DataFrame) -> None:
    coarse = make_instrument(InstrumentSpec(price_precision=3))
    rounded = sample_df.iloc[:5].round(3)
    ticks = to_quote_ticks(rounded, coarse, spread=0.001)
    assert all(t.ask_price.precision == 3 for t in ticks)


def _daily(n: int, freq: str = "1D") -> pd.DataFrame:
    """Bars every `freq` with 5-digit prices."""
    index = pd.date_range("2021-01-01", periods=n, freq=freq, tz="UTC", name="timestamp")
    index = index.as_unit("ns")
    close = np.round(1.1 + 0.001 * np.arange(n), 5)
    return pd.DataFrame(
        {"open": close, "high": close + 0.001, "low": close - 0.001, "close": close, "volume": 1.0},
        index=index,
    )


def test_coarser_data_than_the_bar_type_is_refused_naming_both(
    sample_df: pd.DataFrame, eurusd: Instrument, eurusd_bar_type: BarType
) -> None:
    with pytest.raises(DataValidationError, match=r"1 days.*1-HOUR-ASK bars.*1-DAY"):
        to_bars(_daily(10), eurusd_bar_type, eurusd)
    minutes = bar_type_for(eurusd.id, aggregation="MINUTE")
    with pytest.raises(DataValidationError, match=r"0 days 01:00:00.*1-MINUTE-ASK bars.*1-HOUR"):
        to_bars(sample_df.iloc[:50], minutes, eurusd)
    with pytest.raises(DataValidationError, match=r"1-DAY"):
        to_quote_ticks(_daily(10), eurusd, spread=SPREAD, interval="1h")


def test_monthly_bars_are_declared_as_month_and_never_accepted_as_day(
    eurusd: Instrument,
) -> None:
    monthly = _daily(6, freq="MS")
    month = bar_type_for(eurusd.id, aggregation="MONTH")
    bars = to_bars(monthly, month, eurusd)
    closes = pd.date_range("2021-02-01", periods=6, freq="MS", tz="UTC")
    assert [b.ts_event for b in bars] == _ns(closes).tolist()
    ticks = to_quote_ticks(monthly, eurusd, spread=SPREAD, interval=bar_interval(month))
    assert [t.ts_event for t in ticks[3::4]] == _ns(closes).tolist()
    assert [t.ts_event for t in ticks[::4]] == (_ns(monthly.index) + NS_PER_MS).tolist()
    with pytest.raises(DataValidationError, match=r"1-DAY-ASK bars.*1-MONTH"):
        to_bars(monthly, bar_type_for(eurusd.id, aggregation="DAY"), eurusd)


def test_a_precision_that_would_round_the_data_is_an_error(
    sample_df: pd.DataFrame, eurusd_bar_type: BarType
) -> None:
    two_digits = make_instrument(InstrumentSpec(price_precision=2))
    bar_type = bar_type_for(two_digits.id)
    distinct = sample_df["open"].nunique()
    rounded = sample_df["open"].round(2).nunique()
    with pytest.raises(DataValidationError) as info:
        to_bars(sample_df, bar_type, two_digits)
    message = str(info.value)
    for part in (
        "`open` has 5 decimals",
        "`price_precision` is 2",
        f"{distinct} distinct values would become {rounded}",
        "set the instrument's `price_precision` to 5",
    ):
        assert part in message
    with pytest.raises(DataValidationError, match="`price_precision`"):
        to_quote_ticks(sample_df.iloc[:10], two_digits, spread=0.01)


def test_a_price_below_one_tick_is_an_error_not_zero(eurusd: Instrument) -> None:
    df = _daily(3) * 0 + 0.000004  # below EUR/USD's 0.00001 tick: Nautilus would make it 0.0
    df["high"] = 0.000005
    with pytest.raises(DataValidationError, match=r"`open` has 6 decimals.*`price_precision` to 6"):
        to_bars(df, bar_type_for(eurusd.id, aggregation="DAY"), eurusd)


def test_a_spread_off_the_price_grid_is_an_error(
    sample_df: pd.DataFrame, eurusd: Instrument
) -> None:
    with pytest.raises(ConfigError, match=r"`spread`.*`price_precision` 5"):
        to_quote_ticks(sample_df.iloc[:10], eurusd, spread=0.000015)
    with pytest.raises(ConfigError, match="half of it"):
        to_quote_ticks(sample_df.iloc[:10], eurusd, spread=0.00001, side="mid")


def test_conversion_to_nanoseconds_ignores_the_index_resolution(
    sample_df: pd.DataFrame, eurusd: Instrument, eurusd_bar_type: BarType
) -> None:
    df = sample_df.iloc[:30]
    micro = df.set_axis(pd.DatetimeIndex(df.index, dtype="datetime64[us, UTC]", name="timestamp"))
    assert micro.index.asi8[0] * 1000 == df.index.asi8[0]  # the trap: asi8 counts µs here
    np.testing.assert_array_equal(to_ns(micro.index), df.index.as_unit("ns").asi8)
    assert _keys(to_quote_ticks(micro, eurusd, spread=SPREAD)) == _keys(
        to_quote_ticks(df, eurusd, spread=SPREAD)
    )
    expected = [b.ts_event for b in to_bars(df, eurusd_bar_type, eurusd)]
    assert [b.ts_event for b in to_bars(micro, eurusd_bar_type, eurusd)] == expected


def test_bar_specification_names_the_config_fields() -> None:
    with pytest.raises(ConfigError, match="`bar_aggregation`"):
        bar_specification(1, "HOURS", "ASK", fields=NODE_BAR_FIELDS)
    with pytest.raises(ConfigError, match="`bar_step`"):
        bar_specification(0, "HOUR", "ASK", fields=NODE_BAR_FIELDS)
    assert str(bar_specification(3, "month", "bid")) == "3-MONTH-BID"


def test_parse_bar_type_round_trips_time_bar_types() -> None:
    for text in ("EUR/USD.SIM-1-HOUR-ASK-EXTERNAL", "BTC-PERP.BINANCE-1-MONTH-LAST-INTERNAL"):
        assert str(parse_bar_type(text)) == text
    with pytest.raises(ConfigError, match=r"`bar_type`.*not a bar type"):
        parse_bar_type("EUR/USD.SIM-1-HOUR-ASK-EXTERNAL@1-MINUTE-EXTERNAL")


def test_a_volume_that_rounding_would_change_is_an_error_but_float32_noise_is_not(
    sample_df: pd.DataFrame, eurusd: Instrument, eurusd_bar_type: BarType
) -> None:
    assert eurusd.size_precision == 0
    noisy = sample_df["volume"] != sample_df["volume"].round()
    assert noisy.any()  # the bundled file's float32 export noise (143539993.3) is accepted
    bars = to_bars(sample_df, eurusd_bar_type, eurusd)
    assert [int(b.volume.as_decimal()) for b in bars] == sample_df["volume"].round().tolist()

    fractional = sample_df.iloc[:10].copy()
    fractional.iloc[3, fractional.columns.get_loc("volume")] = 12.5
    with pytest.raises(DataValidationError) as info:
        to_bars(fractional, eurusd_bar_type, eurusd)
    message = str(info.value)
    for part in ("`volume` 12.5", "`size_precision` 0", "would round it to 12.0", "to 1"):
        assert part in message
    finer = make_instrument(InstrumentSpec(size_precision=1))
    assert to_bars(fractional, bar_type_for(finer.id), finer)[3].volume.as_double() == 12.5


def test_precision_errors_name_the_file_and_line_the_bars_came_from(
    sample_csv, sample_lines: list[str]
) -> None:
    """Bars loaded from a CSV file keep its name and line numbers, also after slicing."""
    two_digits = make_instrument(InstrumentSpec(price_precision=2))
    frame = load_csv(sample_csv).iloc[100:]
    with pytest.raises(DataValidationError) as info:
        to_bars(frame, bar_type_for(two_digits.id), two_digits)
    message = str(info.value)
    assert message.startswith(f"{sample_csv}: `open` has 5 decimals")
    assert f"at line 102 (timestamp {frame.index[0]})" in message  # header + 100 rows before
    assert sample_lines[101].split(",")[0] == frame.index[0].strftime("%d.%m.%Y %H:%M:%S.000")
    with pytest.raises(DataValidationError, match=rf"^{sample_csv}: .* at line 102 "):
        to_quote_ticks(frame, two_digits, spread=0.01)
    zero_volume = make_instrument(InstrumentSpec(size_precision=0))
    fractional = frame.iloc[:5].copy()
    fractional["volume"] = 0.5
    with pytest.raises(DataValidationError, match=rf"^{sample_csv}: `volume` 0.5 at line 102 "):
        to_bars(fractional, bar_type_for(zero_volume.id), zero_volume)


def _flat(prices: list[float]) -> pd.DataFrame:
    index = pd.date_range("2024-01-01", periods=len(prices), freq="1h", tz="UTC")
    return pd.DataFrame(
        {"open": prices, "high": prices, "low": prices, "close": prices, "volume": 1.0},
        index=index,
    )


def test_a_relative_spread_is_basis_points_of_each_bars_open() -> None:
    """One absolute spread is 0.4 % at 4.58 and 0.00002 % at 108,000; 10 bp is 10 bp at both."""
    fine = make_instrument(InstrumentSpec(symbol="BTC/USD", price_precision=4))
    ticks = to_quote_ticks(_flat([4.58, 108_000.0]), fine, spread_bps=10.0, interval="1h")
    spreads = [float(t.ask_price) - float(t.bid_price) for t in ticks]
    # 4.58 * 10 bp = 0.00458: whole ticks of 0.0001 -> 0.0046; 108,000 * 10 bp = 108
    assert spreads == pytest.approx([0.0046] * 4 + [108.0] * 4, abs=1e-9)
    assert [float(t.ask_price) for t in ticks[::4]] == [4.58, 108_000.0]  # the given ask side
    mid = to_quote_ticks(_flat([108_000.0]), fine, spread_bps=10.0, side="mid", interval="1h")
    assert (float(mid[0].bid_price), float(mid[0].ask_price)) == (107_946.0, 108_054.0)
    with pytest.raises(ConfigError, match="exactly one of `spread`"):
        to_quote_ticks(_flat([1.0, 1.0]), fine, spread=0.01, spread_bps=1.0)


def test_a_relative_spread_below_one_tick_is_refused_not_rounded_away() -> None:
    cents = make_instrument(InstrumentSpec(symbol="BTC/USD", price_precision=2))
    with pytest.raises(ConfigError) as info:
        to_quote_ticks(_flat([108_000.0, 4.58]), cents, spread_bps=10.0, interval="1h")
    message = str(info.value)
    for part in ("`spread_bps` 10.0 is less than one tick", "row 1 ", "open 4.58", "21.8 bp"):
        assert part in message


def test_precision_errors_name_the_parquet_file_and_row(sample_df: pd.DataFrame, tmp_path) -> None:
    path = tmp_path / "bars.parquet"
    sample_df.iloc[:50].to_parquet(path)
    two_digits = make_instrument(InstrumentSpec(price_precision=2))
    frame = load_parquet(path).iloc[7:]
    with pytest.raises(DataValidationError) as info:
        to_bars(frame, bar_type_for(two_digits.id), two_digits)
    assert str(info.value).startswith(f"{path}: `open` has 5 decimals")
    assert f"at file row 7 (0-based; timestamp {frame.index[0]})" in str(info.value)
