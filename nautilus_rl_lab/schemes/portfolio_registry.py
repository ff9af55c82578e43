"""Build portfolio schemes from config: an alias or a `package.module:Class` path, with `n_assets`."""

from __future__ import annotations

from nautilus_rl_lab.schemes.config import SchemeConfig, build_scheme
from nautilus_rl_lab.schemes.portfolio import PortfolioActionScheme, PortfolioObservationScheme
from nautilus_rl_lab.schemes.portfolio_action import (
    DiscreteTargets,
    LongShortWeights,
    SimplexWeights,
)
from nautilus_rl_lab.schemes.portfolio_observation import StackedWindow

PORTFOLIO_ACTION_SCHEMES: dict[str, type[PortfolioActionScheme]] = {
    "simplex_weights": SimplexWeights,
    "long_short_weights": LongShortWeights,
    "discrete_targets": DiscreteTargets,
}
PORTFOLIO_OBSERVATION_SCHEMES: dict[str, type[PortfolioObservationScheme]] = {
    "stacked_window": StackedWindow,
}


def build_portfolio_action(config: SchemeConfig, n_assets: int) -> PortfolioActionScheme:
    """The portfolio action scheme `config` names, for `n_assets` instruments."""
    return build_scheme(
        "action",
        config,
        PORTFOLIO_ACTION_SCHEMES,
        PortfolioActionScheme,  # type: ignore[type-abstract]
        n_assets=n_assets,
    )


def build_portfolio_observation(config: SchemeConfig, n_assets: int) -> PortfolioObservationScheme:
    """The portfolio observation scheme `config` names, for `n_assets` instruments."""
    return build_scheme(
        "observation",
        config,
        PORTFOLIO_OBSERVATION_SCHEMES,
        PortfolioObservationScheme,  # type: ignore[type-abstract]
        n_assets=n_assets,
    )
