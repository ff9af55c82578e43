"""Agents: the `Agent` interface, SB3 policies, reference and rule-based agents, and `RLAgent`."""

from nautilus_rl_lab.agents.base import Agent, load_agent
from nautilus_rl_lab.agents.policy import ALGORITHMS, ObservationNormalizer, PolicyAgent
from nautilus_rl_lab.agents.portfolio_agent import PortfolioRLAgent, PortfolioRLAgentConfig
from nautilus_rl_lab.agents.portfolio_baselines import PortfolioBaseline
from nautilus_rl_lab.agents.rl_agent import RLAgent, RLAgentConfig
from nautilus_rl_lab.agents.rules import (
    BollingerMeanReversionAgent,
    DonchianBreakoutAgent,
    EMACrossAgent,
)
from nautilus_rl_lab.agents.simple import BuyAndHoldAgent, RandomAgent, SignalActions
from nautilus_rl_lab.strategies.agent_strategy import DEFAULT_TOPIC, AgentAction

__all__ = [
    "ALGORITHMS",
    "DEFAULT_TOPIC",
    "Agent",
    "AgentAction",
    "BollingerMeanReversionAgent",
    "BuyAndHoldAgent",
    "DonchianBreakoutAgent",
    "EMACrossAgent",
    "ObservationNormalizer",
    "PolicyAgent",
    "PortfolioBaseline",
    "PortfolioRLAgent",
    "PortfolioRLAgentConfig",
    "RLAgent",
    "RLAgentConfig",
    "RandomAgent",
    "SignalActions",
    "load_agent",
]
