"""Deployment: trading agent bundles live, the unattended runner, the champion/challenger registry.

The bundles themselves are written by training (`training.bundle`, re-exported here).
"""

from nautilus_rl_lab.deploy.bundle import agent_configs, bundle_configs
from nautilus_rl_lab.training.bundle import BUNDLE_FILE, AgentBundle, load_bundle, write_bundle

__all__ = [
    "BUNDLE_FILE",
    "AgentBundle",
    "agent_configs",
    "bundle_configs",
    "load_bundle",
    "write_bundle",
]
