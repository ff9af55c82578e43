"""Observation drift: a 5x-volatility market raises the drift alert; the training market does not."""

from __future__ import annotations

from pathlib import Path

import msgspec
import numpy as np
import pytest

from nautilus_rl_lab.data.instruments import InstrumentSpec, make_instrument
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.data.synthetic import gbm
from nautilus_rl_lab.data.wrangling import to_bars
from nautilus_rl_lab.deploy import load_bundle
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.monitoring.alerts import AlertRules, MonitorSnapshot, evaluate
from nautilus_rl_lab.monitoring.drift import DriftTracker, feature_drift
from nautilus_rl_lab.nt.model import BarType
from nautilus_rl_lab.schemes.base import MarketState
from nautilus_rl_lab.schemes.registry import build_observation
from nautilus_rl_lab.training import train
from tests.deploy.conftest import bundle_train_config

VOLATILITY = 0.001
GBM = {"n_bars": 1_500, "seed": 3, "volatility": VOLATILITY}


@pytest.fixture(scope="module")
def gbm_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("gbm-bundle")
    data = DataSourceConfig(kind="synthetic", generator="gbm", params=GBM)
    config = bundle_train_config(run_dir, data)
    config = msgspec.structs.replace(config, total_timesteps=512)
    return train(config).final_agent


def _live_score(bundle_dir: Path, volatility: float, seed: int) -> tuple[float, int]:
    bundle = load_bundle(bundle_dir)
    scheme = build_observation(bundle.observation)
    instrument = make_instrument(InstrumentSpec())
    bar_type = BarType.from_str(f"{instrument.id}-1-HOUR-BID-EXTERNAL")
    frame = gbm(400, seed=seed, volatility=volatility)
    tracker = DriftTracker(bundle.feature_stats, window=300)
    for bar in to_bars(frame, bar_type, instrument):
        scheme.update(bar)
        if scheme.ready:
            state = MarketState(bar.ts_event, float(bar.close), 0.0, 1e4, 1e4, 0.0, 0.0, 1e4)
            tracker.add(scheme, scheme.observe(state), state)
    return tracker.score() or 0.0, len(tracker)


def _drift_rules(score: float, n: int) -> list[str]:
    snapshot = MonitorSnapshot(0, 1e4, 1e4, 1e4, 0.0, drift_score=score, drift_observations=n)
    return [check[0] for check in evaluate(AlertRules(), snapshot)]


def test_the_training_market_raises_no_drift_alert(gbm_bundle: Path) -> None:
    score, n = _live_score(gbm_bundle, VOLATILITY, seed=99)
    assert "drift" not in _drift_rules(score, n), f"drift score {score:.3f} on the training market"


def test_five_times_the_volatility_raises_the_drift_alert(gbm_bundle: Path) -> None:
    score, n = _live_score(gbm_bundle, 5 * VOLATILITY, seed=99)
    assert "drift" in _drift_rules(score, n), f"drift score {score:.3f} only"


def test_score_is_small_for_the_same_moments_and_large_for_a_shift_or_a_wider_spread() -> None:
    rng = np.random.default_rng(0)
    same = feature_drift(rng.normal(0, 1, (5_000, 1)), np.zeros(1), np.ones(1))
    shifted = feature_drift(rng.normal(1, 1, (5_000, 1)), np.zeros(1), np.ones(1))
    wider = feature_drift(rng.normal(0, 5, (5_000, 1)), np.zeros(1), np.ones(1))
    assert same[0] < 0.05
    assert shifted[0] == pytest.approx(1.0, abs=0.05)
    assert wider[0] == pytest.approx(np.log(5), abs=0.05)


def test_live_observations_of_another_shape_are_refused() -> None:
    with pytest.raises(ConfigError, match="feature_stats"):
        feature_drift(np.zeros((10, 3)), np.zeros(2), np.ones(2))
