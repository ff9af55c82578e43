"""Synthetic bar paths for the venue-side protection tests."""

from __future__ import annotations

import pandas as pd

from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.strategies import RiskLimits

ENTRY = 1.1  # every path is flat at this price before the decisive bar
FLAT = (ENTRY, ENTRY + 0.0005, ENTRY - 0.0005, ENTRY)


def path_frame(*decisive: tuple[float, float, float, float]) -> pd.DataFrame:
    """Four flat hourly bars (warm-up, entry decision, entry fill), the `decisive` bars, two flat."""
    rows = [FLAT] * 4 + list(decisive) + [FLAT] * 2
    index = pd.date_range("2024-01-02 08:00", periods=len(rows), freq="1h", tz="UTC")
    frame = pd.DataFrame(rows, columns=["open", "high", "low", "close"], index=index)
    frame["volume"] = 1e9
    return frame


def protected_config(risk: RiskLimits) -> TrainingNodeConfig:
    """A zero-spread env on a passed frame, window 2, one episode over all bars."""
    return TrainingNodeConfig(
        data=DataSourceConfig(kind="frame", spread=0.0),
        observation=SchemeConfig(name="window", params={"window": 2}),
        episode_length=None,
        random_start=False,
        risk=risk,
    )
