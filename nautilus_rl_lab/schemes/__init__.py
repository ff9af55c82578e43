"""Observation, action and reward schemes shared by training, backtesting and live trading."""

from nautilus_rl_lab.schemes.action import BuySellHold, ContinuousExposure, TargetPosition
from nautilus_rl_lab.schemes.base import ActionScheme, MarketState, ObservationScheme, RewardScheme
from nautilus_rl_lab.schemes.observation import WindowObservation, register_feature
from nautilus_rl_lab.schemes.portfolio import (
    PortfolioActionScheme,
    PortfolioObservationScheme,
    PortfolioState,
)
from nautilus_rl_lab.schemes.portfolio_action import (
    DiscreteTargets,
    LongShortWeights,
    SimplexWeights,
)
from nautilus_rl_lab.schemes.portfolio_observation import StackedWindow
from nautilus_rl_lab.schemes.portfolio_registry import (
    PORTFOLIO_ACTION_SCHEMES,
    PORTFOLIO_OBSERVATION_SCHEMES,
    build_portfolio_action,
    build_portfolio_observation,
)
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
    "PORTFOLIO_ACTION_SCHEMES",
    "PORTFOLIO_OBSERVATION_SCHEMES",
    "REWARD_SCHEMES",
    "ActionScheme",
    "BuySellHold",
    "Calmar",
    "ContinuousExposure",
    "CostPenalised",
    "DifferentialSharpe",
    "DifferentialSortino",
    "DiscreteTargets",
    "DrawdownPenalised",
    "EquityChange",
    "LogReturn",
    "LongShortWeights",
    "MarketState",
    "ObservationScheme",
    "PortfolioActionScheme",
    "PortfolioObservationScheme",
    "PortfolioState",
    "RewardScheme",
    "SchemeConfig",
    "SimplexWeights",
    "StackedWindow",
    "TargetPosition",
    "WindowObservation",
    "build_action",
    "build_observation",
    "build_portfolio_action",
    "build_portfolio_observation",
    "build_reward",
    "register_feature",
]
