"""compare_risk_in_training: the same agent trained with and without the rules, traded with them."""

from __future__ import annotations

import pandas as pd
import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.strategies import RiskLimits
from nautilus_rl_lab.training import compare_risk_in_training
from nautilus_rl_lab.training.risk_comparison import WITH_RISK, WITHOUT_RISK

from .conftest import tiny_config

RISK = RiskLimits(stop_loss=0.001, take_profit=0.002, trading_hours=(7, 19))


def test_both_agents_are_trained_apart_and_traded_out_of_sample_under_the_rules(tmp_path) -> None:
    config = tiny_config(tmp_path / "cmp", eval_freq=0, checkpoint_freq=0, tensorboard=False)
    result = compare_risk_in_training(config, RISK)
    assert list(result.runs) == [WITHOUT_RISK, WITH_RISK]
    for name in (WITHOUT_RISK, WITH_RISK):
        assert (tmp_path / "cmp" / name / "final").is_dir()
        run = result.runs[name]
        # out of sample: the backtest covers only `eval_data` (2017-03-15 .. 2017-03-22)
        assert run.equity.index.min() >= pd.Timestamp("2017-03-15", tz="UTC")
        assert run.stats["risk_events"] > 0  # the rules were on in both backtests
    stats = result.stats
    assert result.range.role == "validation" and stats.columns.name.startswith("validation range")
    assert {"total_return_%", "max_drawdown_%", "risk_events"} <= set(stats.columns)


def test_without_out_of_sample_data_the_comparison_is_refused(tmp_path) -> None:
    with pytest.raises(ConfigError, match="`eval_data`"):
        compare_risk_in_training(tiny_config(tmp_path, eval_data=None), RISK)
