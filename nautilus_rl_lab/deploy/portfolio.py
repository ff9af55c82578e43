"""The importable `PortfolioRLAgent` and `PortfolioAgentStrategy` configs that trade a portfolio agent live.

The portfolio's `agent_configs`: a `LiveNodeConfig` names them in `actors` and `strategies` (its
checks read `instrument_ids`, `bar_types` and `risks`, one each per instrument). Live, a
timestamp waits `max_wait_secs` (default `LIVE_MAX_WAIT_SECS`) for the bars of every symbol,
each polled on its own, then decides on those that arrived and holds the others
(`strategies.portfolio_clock`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.importable import ImportableActorConfig, ImportableStrategyConfig
from nautilus_rl_lab.schemes.registry import SchemeConfig
from nautilus_rl_lab.strategies.portfolio_agent_strategy import PORTFOLIO_TOPIC
from nautilus_rl_lab.strategies.risk import RiskLimits
from nautilus_rl_lab.strategies.staleness import DEFAULT_MAX_BAR_AGE_SECS

#: How long a live timestamp waits for its last symbols' bars: many polls, well under a minute.
LIVE_MAX_WAIT_SECS = 10.0


def portfolio_agent_configs(
    agent_path: str | os.PathLike[str],
    instrument_ids: Sequence[str],
    bar_types: Sequence[str],
    observation: SchemeConfig,
    action: SchemeConfig,
    risks: Sequence[RiskLimits],
    *,
    max_gross_exposure: float | None = None,
    max_net_exposure: float | None = None,
    topic: str = PORTFOLIO_TOPIC,
    max_wait_secs: float | None = LIVE_MAX_WAIT_SECS,
    max_bar_age_secs: float | None = DEFAULT_MAX_BAR_AGE_SECS,
) -> tuple[ImportableActorConfig, ImportableStrategyConfig]:
    """The importable actor and strategy configs that trade the saved portfolio agent at
    `agent_path` on `instrument_ids` (decision bars `bar_types`, risk rules `risks`: one each,
    same order). The strategy claims the instruments' external orders, so a restarted node
    gives it back the positions reconciliation rebuilds."""
    n = len(instrument_ids)
    for name, values in (("bar_types", bar_types), ("risks", risks)):
        if len(values) != n:
            raise ConfigError(
                f"`{name}` has {len(values)} entries for {n} `instrument_ids`: give one per "
                "instrument, in the same order"
            )
    ids = [str(i) for i in instrument_ids]
    actor = ImportableActorConfig(
        actor_path="nautilus_rl_lab.agents.portfolio_agent:PortfolioRLAgent",
        config_path="nautilus_rl_lab.agents.portfolio_agent:PortfolioRLAgentConfig",
        config={
            "instrument_ids": ids,
            "bar_types": [str(b) for b in bar_types],
            "agent_path": str(agent_path),
            "observation": json.loads(observation.json()),
            "topic": topic,
            "max_wait_secs": max_wait_secs,
            "max_bar_age_secs": max_bar_age_secs,
        },
    )
    strategy = ImportableStrategyConfig(
        strategy_path="nautilus_rl_lab.strategies.portfolio_agent_strategy:PortfolioAgentStrategy",
        config_path="nautilus_rl_lab.strategies.portfolio_agent_strategy:PortfolioAgentStrategyConfig",
        config={
            "instrument_ids": ids,
            "action": json.loads(action.json()),
            "risks": [json.loads(risk.json()) for risk in risks],
            "topic": topic,
            "max_gross_exposure": max_gross_exposure,
            "max_net_exposure": max_net_exposure,
            "external_order_claims": ids,
        },
    )
    return actor, strategy
