"""Market scenario lab: named, seeded scenarios and a parallel runner over agents x scenarios;
execution stress scenarios of live paths (MT5 simulator faults under a `LiveNode`)."""

from nautilus_rl_lab.scenarios.agents import BUILTIN_AGENTS, PORTFOLIO_AGENTS, AgentSpec
from nautilus_rl_lab.scenarios.builtins import (
    all_scenarios,
    builtin_portfolio_scenarios,
    builtin_scenarios,
    get_scenario,
    register_scenario,
    scenario_names,
)
from nautilus_rl_lab.scenarios.config import ScenarioConfig, TransformConfig
from nautilus_rl_lab.scenarios.metrics import METRICS, portfolio_row, risk_event_counts
from nautilus_rl_lab.scenarios.results import ScenarioResults
from nautilus_rl_lab.scenarios.runner import (
    ScenarioTask,
    default_scenarios,
    run_scenarios,
    run_task,
)
from nautilus_rl_lab.scenarios.stress import (
    FaultStep,
    StressScenarioConfig,
    builtin_portfolio_stress_scenarios,
    builtin_stress_scenarios,
)
from nautilus_rl_lab.scenarios.stress_results import StressResults
from nautilus_rl_lab.scenarios.stress_runner import run_execution_stress, stress_base

__all__ = [
    "BUILTIN_AGENTS",
    "METRICS",
    "PORTFOLIO_AGENTS",
    "AgentSpec",
    "FaultStep",
    "ScenarioConfig",
    "ScenarioResults",
    "ScenarioTask",
    "StressResults",
    "StressScenarioConfig",
    "TransformConfig",
    "all_scenarios",
    "builtin_portfolio_scenarios",
    "builtin_portfolio_stress_scenarios",
    "builtin_scenarios",
    "builtin_stress_scenarios",
    "default_scenarios",
    "get_scenario",
    "portfolio_row",
    "register_scenario",
    "risk_event_counts",
    "run_execution_stress",
    "run_scenarios",
    "run_task",
    "scenario_names",
    "stress_base",
]
