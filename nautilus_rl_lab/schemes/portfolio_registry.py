"""Build portfolio schemes from config: an alias or a `package.module:Class` path, with `n_assets`."""

from __future__ import annotations

from typing import Any

from nautilus_rl_lab.config import resolve_class
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes.config import SchemeConfig
from nautilus_rl_lab.schemes.portfolio import PortfolioActionScheme, PortfolioObservationScheme

PORTFOLIO_ACTION_SCHEMES: dict[str, type[PortfolioActionScheme]] = {}
PORTFOLIO_OBSERVATION_SCHEMES: dict[str, type[PortfolioObservationScheme]] = {}


def _build(field: str, config: SchemeConfig, registry: dict[str, Any], base: type, n: int) -> Any:
    cls = resolve_class(f"{field}.name", config.name, registry, base)
    try:
        return cls(n_assets=n, **config.params)
    except TypeError as e:
        raise ConfigError(f"`{field}.params` do not fit {cls.__name__}: {e}") from e


def build_portfolio_action(config: SchemeConfig, n_assets: int) -> PortfolioActionScheme:
    """The portfolio action scheme `config` names, for `n_assets` instruments."""
    return _build("action", config, PORTFOLIO_ACTION_SCHEMES, PortfolioActionScheme, n_assets)


def build_portfolio_observation(config: SchemeConfig, n_assets: int) -> PortfolioObservationScheme:
    """The portfolio observation scheme `config` names, for `n_assets` instruments."""
    return _build(
        "observation", config, PORTFOLIO_OBSERVATION_SCHEMES, PortfolioObservationScheme, n_assets
    )
