"""The toolkit's indicators give NautilusTrader 1.221's numbers, on either line."""

from __future__ import annotations

import math

from nautilus_rl_lab.nt.model import Bar, BarType, Price, Quantity
from nautilus_rl_lab.schemes import indicators

BAR_TYPE = BarType.from_str("EUR/USD.SIM-1-HOUR-BID-EXTERNAL")


def _bars(count: int = 80) -> list[Bar]:
    """A wavy path with gaps between closes and opens, flat stretches and wide ranges."""
    bars = []
    for i in range(count):
        mid = 1.1 + 0.01 * math.sin(i / 5) + 0.0001 * i + (0.002 if i % 17 == 0 else 0.0)
        close = mid if 30 <= i < 36 else mid + 0.0002  # a flat run: zero gains and losses
        high, low = max(mid, close) + 0.0007 * (1 + i % 3), min(mid, close) - 0.0006
        ts = i * 3_600_000_000_000
        bars.append(
            Bar(
                BAR_TYPE,
                Price(mid, 5),
                Price(high, 5),
                Price(low, 5),
                Price(close, 5),
                Quantity(1e6, 0),
                ts,
                ts,
            )
        )
    return bars


def _ours() -> list[object]:
    return [
        indicators.ExponentialMovingAverage(10),
        indicators.RelativeStrengthIndex(14),
        indicators.AverageTrueRange(14),
        indicators.BollingerBands(20, 2.0),
        indicators.DonchianChannel(20),
    ]


def _readings(indicator: object) -> tuple[object, ...]:
    names = ("initialized", "value", "upper", "middle", "lower")
    return tuple(getattr(indicator, name) for name in names if hasattr(indicator, name))


def test_readings_are_1_221s_numbers_on_this_line() -> None:
    """The last readings, as NautilusTrader 1.221's indicators give them (pinned)."""
    ours = _ours()
    for bar in _bars():
        for indicator in ours:
            indicator.handle_bar(bar)  # type: ignore[attr-defined]
    assert [_readings(i) for i in ours] == PINNED


def test_reset_forgets_every_input() -> None:
    fresh, used = _ours(), _ours()
    for bar in _bars(30):
        for indicator in used:
            indicator.handle_bar(bar)  # type: ignore[attr-defined]
    for indicator in used:
        indicator.reset()  # type: ignore[attr-defined]
    assert [_readings(i) for i in used] == [_readings(i) for i in fresh]
    for bar in _bars(25):
        for a, b in zip(used, fresh, strict=True):
            a.handle_bar(bar)  # type: ignore[attr-defined]
            b.handle_bar(bar)  # type: ignore[attr-defined]
    assert [_readings(i) for i in used] == [_readings(i) for i in fresh]


PINNED: list[tuple[object, ...]] = [
    (True, 1.111667775939181),
    (True, 0.26497509597563984),
    (True, 0.0026507142857143317),
    (True, 1.121985791890264, 1.1118648333333332, 1.1017438747764023),
    (True, 1.11969, 1.10986, 1.10003),
]
