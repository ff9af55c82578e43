"""Observation, action and reward schemes shared by training, backtesting and live trading."""

from nautilus_rl_lab.schemes.action import BuySellHold, ContinuousExposure, TargetPosition
from nautilus_rl_lab.schemes.base import ActionScheme, MarketState, ObservationScheme, RewardScheme
from nautilus_rl_lab.schemes.observation import WindowObservation, register_feature
from nautilus_rl_lab.schemes.registry import (
    ACTION_SCHEMES,
    OBSERVATION_SCHEMES,
    REWARD_SCHEMES,
    SchemeConfig,
    build_action,
    build_observation,
    build_reward,
)
from nautilus_rl_lab.schemes.reward import (
    Calmar,
    CostPenalised,
    DifferentialSharpe,
    DifferentialSortino,
    DrawdownPenalised,
    EquityChange,
    LogReturn,
)

__all__ = [
    "ACTION_SCHEMES",
    "OBSERVATION_SCHEMES",
    "REWARD_SCHEMES",
    "ActionScheme",
    "BuySellHold",
    "Calmar",
    "ContinuousExposure",
    "CostPenalised",
    "DifferentialSharpe",
    "DifferentialSortino",
    "DrawdownPenalised",
    "EquityChange",
    "LogReturn",
    "MarketState",
    "ObservationScheme",
    "RewardScheme",
    "SchemeConfig",
    "TargetPosition",
    "WindowObservation",
    "build_action",
    "build_observation",
    "build_reward",
    "register_feature",
]
