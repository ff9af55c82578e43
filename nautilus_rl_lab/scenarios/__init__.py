"""Market scenario lab: named, seeded scenarios and a parallel runner over agents x scenarios."""

from nautilus_rl_lab.scenarios.agents import BUILTIN_AGENTS, AgentSpec
from nautilus_rl_lab.scenarios.builtins import (
    all_scenarios,
    builtin_scenarios,
    get_scenario,
    register_scenario,
    scenario_names,
)
from nautilus_rl_lab.scenarios.config import ScenarioConfig, TransformConfig
from nautilus_rl_lab.scenarios.metrics import METRICS, risk_event_counts
from nautilus_rl_lab.scenarios.results import ScenarioResults
from nautilus_rl_lab.scenarios.runner import ScenarioTask, run_scenarios, run_task

__all__ = [
    "BUILTIN_AGENTS",
    "METRICS",
    "AgentSpec",
    "ScenarioConfig",
    "ScenarioResults",
    "ScenarioTask",
    "TransformConfig",
    "all_scenarios",
    "builtin_scenarios",
    "get_scenario",
    "register_scenario",
    "risk_event_counts",
    "run_scenarios",
    "run_task",
    "scenario_names",
]
