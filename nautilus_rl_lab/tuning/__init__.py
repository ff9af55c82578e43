"""Tuning: Optuna studies over agent hyperparameters (`tune`) and rule parameters (`tune_rule`)."""

from nautilus_rl_lab.tuning.config import (
    BACKTEST_METRICS,
    EVAL_REWARD,
    PrunerConfig,
    RuleTuneConfig,
    StudySettings,
    TuneConfig,
)
from nautilus_rl_lab.tuning.rules import backtest_rule, tune_rule
from nautilus_rl_lab.tuning.space import ParamSpec
from nautilus_rl_lab.tuning.study import TRIAL_FILE, open_study, trial_sharpes
from nautilus_rl_lab.tuning.tune import ReportEvaluations, tune
from nautilus_rl_lab.tuning.workers import tune_on_workers

__all__ = [
    "BACKTEST_METRICS",
    "EVAL_REWARD",
    "TRIAL_FILE",
    "ParamSpec",
    "PrunerConfig",
    "ReportEvaluations",
    "RuleTuneConfig",
    "StudySettings",
    "TuneConfig",
    "backtest_rule",
    "open_study",
    "trial_sharpes",
    "tune",
    "tune_on_workers",
    "tune_rule",
]
