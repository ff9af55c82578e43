"""Deploying an agent bundle: the importable `RLAgent` and `AgentStrategy` configs that trade it.

`bundle_configs` builds them from the bundle path alone (plus the venue's instrument id, the
live bar type and risk limits) and refuses a bar type or scheme that does not fit; the
bundle itself (`write_bundle`, `load_bundle`, `attach_backtest`) is `training.bundle`.
"""

from __future__ import annotations

import json
import logging
import os

from nautilus_rl_lab.nt.importable import ImportableActorConfig, ImportableStrategyConfig
from nautilus_rl_lab.nt.model import BarType, InstrumentId
from nautilus_rl_lab.schemes.registry import SchemeConfig
from nautilus_rl_lab.strategies.agent_strategy import DEFAULT_TOPIC
from nautilus_rl_lab.strategies.risk import RiskLimits
from nautilus_rl_lab.strategies.staleness import DEFAULT_MAX_BAR_AGE_SECS
from nautilus_rl_lab.training.bundle import load_bundle

log = logging.getLogger(__name__)


def agent_configs(
    agent_path: str | os.PathLike[str],
    instrument_id: str,
    bar_type: str,
    observation: SchemeConfig,
    action: SchemeConfig,
    risk: RiskLimits,
    topic: str = DEFAULT_TOPIC,
    max_bar_age_secs: float | None = DEFAULT_MAX_BAR_AGE_SECS,
) -> tuple[ImportableActorConfig, ImportableStrategyConfig]:
    """The importable `RLAgent` and `AgentStrategy` configs that trade the saved agent at `agent_path`.

    `max_bar_age_secs`: decisions on older bars are skipped and alerted (`strategies.staleness`).

    The strategy claims the instrument's external orders (`external_order_claims`), so after a
    restart without a Redis cache the orders and positions that reconciliation rebuilds from
    the terminal are managed by the agent's strategy, not left EXTERNAL.
    """
    action_fields = json.loads(action.json())
    actor = ImportableActorConfig(
        actor_path="nautilus_rl_lab.agents:RLAgent",
        config_path="nautilus_rl_lab.agents:RLAgentConfig",
        config={
            "instrument_id": instrument_id,
            "bar_type": bar_type,
            "agent_path": str(agent_path),
            "observation": json.loads(observation.json()),
            "action": action_fields,
            "topic": topic,
            "max_bar_age_secs": max_bar_age_secs,
        },
    )
    strategy = ImportableStrategyConfig(
        strategy_path="nautilus_rl_lab.strategies:AgentStrategy",
        config_path="nautilus_rl_lab.strategies:AgentStrategyConfig",
        config={
            "instrument_id": instrument_id,
            "action": action_fields,
            "topic": topic,
            "risk": json.loads(risk.json()),
            "external_order_claims": [instrument_id],
        },
    )
    return actor, strategy


def bundle_configs(
    bundle_path: str | os.PathLike[str],
    instrument_id: str,
    bar_type: str,
    risk: RiskLimits | None = None,
    topic: str = DEFAULT_TOPIC,
    max_bar_age_secs: float | None = DEFAULT_MAX_BAR_AGE_SECS,
) -> tuple[ImportableActorConfig, ImportableStrategyConfig]:
    """The `agent_configs` of the bundled agent, with the bundle's schemes.

    `risk` defaults to the limits the agent was trained under; another instrument than the
    trained one, bars of another instrument, or of another step, aggregation or price type
    are refused; another package version or a `bar_close` execution is logged as a warning.
    """
    bundle = load_bundle(bundle_path)
    bundle.check_market(InstrumentId.from_str(instrument_id), BarType.from_str(bar_type))
    for note in bundle.provenance_warnings():
        log.warning(note)
    limits = risk if risk is not None else bundle.risk
    return agent_configs(
        bundle.path,
        instrument_id,
        bar_type,
        bundle.observation,
        bundle.action,
        limits,
        topic,
        max_bar_age_secs,
    )
