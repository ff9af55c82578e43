"""Deployment: trading agent bundles live, the unattended runner, the champion/challenger registry.

The bundles themselves are written by training (`training.bundle`, re-exported here).
"""

from nautilus_rl_lab.deploy.bundle import agent_configs, bundle_configs
from nautilus_rl_lab.deploy.portfolio import LIVE_MAX_WAIT_SECS, portfolio_agent_configs
from nautilus_rl_lab.training.bundle import BUNDLE_FILE, AgentBundle, load_bundle, write_bundle

__all__ = [
    "BUNDLE_FILE",
    "LIVE_MAX_WAIT_SECS",
    "AgentBundle",
    "agent_configs",
    "bundle_configs",
    "load_bundle",
    "portfolio_agent_configs",
    "write_bundle",
]
