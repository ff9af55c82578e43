"""Shared by the property tests: bounded settings, the instrument, and the OHLCV frames generators make."""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st

from nautilus_rl_lab.data import InstrumentSpec, bar_type_for, make_instrument, synthetic

INSTRUMENT = make_instrument(InstrumentSpec())
BAR_TYPE = bar_type_for(INSTRUMENT.id)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

GENERATORS = (
    "gbm",
    "ornstein_uhlenbeck",
    "regime_switching",
    "jump_diffusion",
    "flash_crash",
    "volatility_spike",
)


@st.composite
def ohlcv_frames(draw: st.DrawFn, min_bars: int = 2, max_bars: int = 80) -> pd.DataFrame:
    """A frame from a random generator, length, seed, price level and volatility, maybe transformed."""
    name = draw(st.sampled_from(GENERATORS))
    n_bars = draw(st.integers(min_bars, max_bars))
    kwargs: dict[str, Any] = {
        "n_bars": n_bars,
        "seed": draw(st.integers(0, 2**32 - 1)),
        "start_price": draw(st.floats(0.5, 200.0)),
    }
    if name != "regime_switching":
        kwargs["volatility"] = draw(st.floats(0.0, 0.01))
    frame = getattr(synthetic, name)(**kwargs)
    transform = draw(st.sampled_from(("none", "gaps", "low_liquidity", "outage")))
    if transform == "gaps" and n_bars > 2:
        frame = synthetic.with_gaps(frame, drop_fraction=draw(st.floats(0.0, 0.5)), seed=1)
    elif transform == "low_liquidity":
        frame = synthetic.low_liquidity(frame, stale_fraction=draw(st.floats(0.0, 0.9)), seed=2)
    elif transform == "outage" and n_bars >= 4:
        frame = synthetic.with_outage(frame, start_bar=1, n_bars=draw(st.integers(1, n_bars - 2)))
    # The loader infers the bar interval from bars that touch: a frame needs one such pair.
    assume(bool((frame.index.to_series().diff() == pd.Timedelta("1h")).any()))
    return frame
