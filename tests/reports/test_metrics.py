"""quantstats' metrics for the tear sheet: no style side effects on the kernel's later figures."""

from __future__ import annotations

import sys

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.evaluation import EvaluationResult
from nautilus_rl_lab.evaluation.frequency import return_frequency
from nautilus_rl_lab.reports.metrics import quantstats_metrics
from nautilus_rl_lab.reports.tearsheet import write_report
from tests.evaluation.test_frequency import buy_and_hold


@pytest.fixture
def fresh_quantstats(monkeypatch) -> None:
    """Forget every quantstats module, so the next import runs its module code (and its theme)."""
    for name in [m for m in sys.modules if m == "quantstats" or m.startswith("quantstats.")]:
        monkeypatch.delitem(sys.modules, name)


def test_a_report_leaves_matplotlibs_style_as_it_found_it(tmp_path, fresh_quantstats) -> None:
    before = dict(mpl.rcParams)
    run = buy_and_hold(pd.date_range("2020-01-01", periods=30, freq="D", tz="UTC"), "DAY")
    write_report(EvaluationResult({"agent": run}, role="test"), tmp_path)
    assert "quantstats" in sys.modules  # the report did import it, afresh
    changed = {key: mpl.rcParams[key] for key in before if mpl.rcParams[key] != before[key]}
    assert changed == {}


def test_quantstats_figures_are_percent_strings_and_undefined_ones_nan(fresh_quantstats) -> None:
    index = pd.date_range("2020-01-06", periods=10, freq="B")
    returns = pd.DataFrame({"up": np.full(10, 0.001), "mixed": [0.01, -0.02] * 5}, index=index)
    metrics = quantstats_metrics(returns, return_frequency(None, None))
    assert list(metrics.columns) == ["up", "mixed"]
    assert metrics.loc["Avg. Return", "up"] == "0.10%"
    assert metrics.loc["Win Days", "mixed"] == "50.00%"
    assert pd.isna(metrics.loc["Avg. Loss", "up"])  # quantstats' "-": no losing day
