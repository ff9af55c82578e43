"""Observation drift: population stability index of live features against the training moments.

The bundle keeps the exact mean and variance of every training observation feature
(`VecNormalize`'s running statistics), not a sample, so the training distribution of a feature
is taken as normal with those moments: `bins` equal-probability bins between its normal
quantiles, each expecting `1 / bins` of the observations. PSI = sum((a - e) * ln(a / e)) over
the bins, with live fractions `a` floored at `1e-4`. Rule of thumb: < 0.1 stable, 0.1-0.25
moderate shift, > 0.25 major shift. A constant training feature (variance 0) is skipped.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from nautilus_rl_lab.errors import ConfigError

FLOOR = 1e-4


def feature_psi(live: np.ndarray, mean: np.ndarray, var: np.ndarray, bins: int = 10) -> np.ndarray:
    """PSI of each column of `live` (n x features) against normal(`mean`, `var`); NaN if skipped."""
    samples = np.asarray(live, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != len(mean):
        raise ConfigError(
            f"live observations have shape {samples.shape}; expected (n, {len(mean)}) features "
            "as in the bundle's `feature_stats`",
        )
    if bins < 2:
        raise ConfigError(f"`bins` must be >= 2, was {bins}")
    probabilities = np.arange(1, bins) / bins
    standard = np.array([NormalDist().inv_cdf(float(p)) for p in probabilities])
    expected = 1.0 / bins
    out = np.full(len(mean), np.nan)
    for j, (m, v) in enumerate(zip(mean, var, strict=True)):
        if v <= 0:
            continue
        edges = m + np.sqrt(v) * standard
        counts = np.bincount(np.searchsorted(edges, samples[:, j]), minlength=bins)
        actual = np.maximum(counts / len(samples), FLOOR)
        out[j] = float(np.sum((actual - expected) * np.log(actual / expected)))
    return out


def max_psi(live: np.ndarray, mean: np.ndarray, var: np.ndarray, bins: int = 10) -> float:
    """The largest feature PSI (the drift rule's value)."""
    values = feature_psi(live, mean, var, bins)
    return float(np.nanmax(values)) if np.isfinite(values).any() else 0.0
