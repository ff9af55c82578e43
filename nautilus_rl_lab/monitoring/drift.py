"""Observation drift: live feature moments against the training moments the bundle recorded.

The bundle keeps the exact mean and variance of every training observation feature
(`VecNormalize`'s running statistics), not a sample, so drift is measured on moments: per
feature, the larger of the standardised mean shift `|mean_live - mean| / std` and the log
ratio of standard deviations `|ln((std_live + e) / (std + e))|`; the score is the largest over
the features. 0.5 means "half a training std off" or "std 65% larger or 40% smaller". (A PSI
against a normal with the training moments was tried first and rejected: bar-range features
are far from normal, so the training market itself scored PSI ~0.9.) Features that were
(nearly) constant in training (std < `MIN_STD`, the schemes scale features to a few units) and
features that depend on the account rather than the market (`state_dependent`: position,
unrealised P&L) are left out: a live session's positions are not the training's.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes.base import MarketState, ObservationScheme

MIN_STD = 0.01


def feature_drift(live: np.ndarray, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    """Per-feature drift score of `live` (n x features) against the training moments."""
    samples = np.asarray(live, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != len(mean):
        raise ConfigError(
            f"live observations have shape {samples.shape}; expected (n, {len(mean)}) features "
            "as in the bundle's `feature_stats`",
        )
    std = np.sqrt(np.asarray(var, dtype=np.float64))
    shift = np.abs(samples.mean(axis=0) - mean) / np.maximum(std, MIN_STD)
    ratio = np.abs(np.log((samples.std(axis=0) + MIN_STD) / (std + MIN_STD)))
    return np.maximum(shift, ratio)


def state_dependent(scheme: ObservationScheme, state: MarketState) -> np.ndarray:
    """Mask of the features that change with the account (position, P&L), not the market.

    Probed by observing the same bars under a second, different account state; drift checks
    leave these features out, since a live session's positions are not the training's.
    """
    other = state._replace(
        position=state.position + (state.position_limit or 1.0),
        unrealized_pnl=state.unrealized_pnl + 0.01 * (state.equity or 1.0),
    )
    return np.asarray(scheme.observe(state) != scheme.observe(other))


class DriftTracker:
    """Keeps the last `window` market-feature observations and scores them against training."""

    def __init__(self, stats: dict[str, Any], window: int) -> None:
        self.mean = np.asarray(stats["mean"], dtype=np.float64)
        self.var = np.asarray(stats["var"], dtype=np.float64)
        self.observations: deque[np.ndarray] = deque(maxlen=window)
        self.mask: np.ndarray | None = None

    def add(self, scheme: ObservationScheme, observation: np.ndarray, state: MarketState) -> None:
        """Record one live observation (the first one also fixes the account-feature mask)."""
        if self.mask is None:
            self.mask = ~state_dependent(scheme, state) & (np.sqrt(self.var) > MIN_STD)
        self.observations.append(np.asarray(observation, dtype=np.float64))

    def __len__(self) -> int:
        return len(self.observations)

    def score(self) -> float | None:
        """Largest market-feature drift score of the window (`None` before two observations)."""
        if self.mask is None or len(self.observations) < 2 or not self.mask.any():
            return None
        live = np.vstack(list(self.observations))[:, self.mask]
        return float(feature_drift(live, self.mean[self.mask], self.var[self.mask]).max())
