"""Deployment: self-describing agent bundles and the champion/challenger model registry."""

from nautilus_rl_lab.deploy.bundle import (
    BUNDLE_FILE,
    AgentBundle,
    agent_configs,
    bundle_configs,
    load_bundle,
    write_bundle,
)

__all__ = [
    "BUNDLE_FILE",
    "AgentBundle",
    "agent_configs",
    "bundle_configs",
    "load_bundle",
    "write_bundle",
]
