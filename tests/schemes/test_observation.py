"""WindowObservation: shape, scaling, warm-up and features from Nautilus indicators."""

from __future__ import annotations

import numpy as np
import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.model import Bar, BarType, Price, Quantity
from nautilus_rl_lab.schemes import MarketState, SchemeConfig, WindowObservation, build_observation

BAR_TYPE = BarType.from_str("EUR/USD.SIM-1-HOUR-ASK-EXTERNAL")


def bar(close: float, i: int, volume: float = 1_000.0) -> Bar:
    price = Price(close, 5)
    return Bar(
        BAR_TYPE,
        price,
        Price(close + 0.001, 5),
        Price(close - 0.001, 5),
        price,
        Quantity(volume, 0),
        i,
        i,
    )


def state(position: float = 0.0, upnl: float = 0.0) -> MarketState:
    return MarketState(0, 1.0, position, 100_000.0, 100_000.0 + upnl, upnl, 0.0, 10_000.0)


def test_window_observation_has_declared_shape_and_warmup() -> None:
    scheme = WindowObservation(window=4)
    assert scheme.warmup_bars == 5
    for i, close in enumerate([1.1, 1.2, 1.1, 1.0, 1.05]):
        assert not scheme.ready
        scheme.update(bar(close, i))
    assert scheme.ready
    obs = scheme.observe(state(position=5_000, upnl=100.0))
    assert obs.shape == scheme.space.shape and obs.dtype == np.float32
    assert scheme.space.contains(obs)
    returns = obs[: 4 * 5].reshape(4, 5)
    np.testing.assert_allclose(
        returns[:, 3],
        np.clip(np.log([1.2 / 1.1, 1.1 / 1.2, 1.0 / 1.1, 1.05 / 1.0]) * 100, -10, 10),
        rtol=1e-5,
    )
    assert obs[-2] == pytest.approx(0.5)  # position / limit
    assert obs[-1] == pytest.approx(100.0 / 100_100.0 * 100, rel=1e-5)


def test_ring_buffer_keeps_only_the_latest_window() -> None:
    scheme = WindowObservation(window=2)
    for i, close in enumerate([1.0, 2.0, 1.0, 1.5, 1.2]):
        scheme.update(bar(close, i))
    obs = scheme.observe(state())
    np.testing.assert_allclose(
        obs[[3, 8]], np.clip(np.log([1.5 / 1.0, 1.2 / 1.5]) * 100, -10, 10), rtol=1e-5
    )


def test_reset_forgets_bars_and_indicator_state() -> None:
    scheme = build_observation(
        SchemeConfig(name="window", params={"window": 2, "features": ["rsi:3"]})
    )
    for i in range(6):
        scheme.update(bar(1.0 + 0.01 * i, i))
    assert scheme.ready
    scheme.reset()
    assert scheme.bars_seen == 0 and not scheme.ready


def _replay(scheme: WindowObservation, bars: list[Bar]) -> list[np.ndarray]:
    """Observations after each bar once ready, starting from a reset."""
    scheme.reset()
    observations = []
    for b in bars:
        scheme.update(b)
        if scheme.ready:
            observations.append(scheme.observe(state(position=2_500.0, upnl=-30.0)))
    return observations


def test_precomputed_bars_change_no_observation() -> None:
    """Rows taken from `precompute`'s table (found by equality: NautilusTrader 2 hands each
    handler a new object for the same bar) equal the rows computed bar by bar, whether the
    replay follows the table, starts mid-way, jumps, or meets a bar the table does not hold."""
    closes = [1.0 + 0.01 * ((i * 7) % 11) for i in range(40)]
    table = [bar(close, i, volume=1_000.0 + 10 * i) for i, close in enumerate(closes)]
    again = [bar(close, i, volume=1_000.0 + 10 * i) for i, close in enumerate(closes)]
    foreign = bar(1.3, 21, volume=5.0)  # the time of table bar 21, other values
    replays = {
        "whole": again,
        "mid-way": again[9:],
        "jump": again[:15] + again[22:],
        "foreign bar": [*again[:21], foreign, *again[22:]],
        "repeat": again[:12] + again[11:],
    }
    plain = WindowObservation(window=4, features=["ema:3"])
    prepared = WindowObservation(window=4, features=["ema:3"])
    prepared.precompute(table)
    for name, bars in replays.items():
        expected, got = _replay(plain, bars), _replay(prepared, bars)
        assert len(got) == len(expected) > 0, name
        for want, have in zip(expected, got, strict=True):
            np.testing.assert_array_equal(have, want, err_msg=name)


@pytest.mark.parametrize("spec", ["rsi", "nope:3", "ema:0", "ema:x"])
def test_bad_feature_spec_names_the_field(spec: str) -> None:
    with pytest.raises(ConfigError, match="`features`"):
        WindowObservation(window=3, features=[spec])
