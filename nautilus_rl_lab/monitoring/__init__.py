"""Monitoring: the run store, Prometheus metrics, early-warning alerts and the kill switch."""

from nautilus_rl_lab.monitoring.alerts import Alert, AlertRules, JsonlSink, WebhookSink
from nautilus_rl_lab.monitoring.killswitch import halt_reason, request_halt, resume
from nautilus_rl_lab.monitoring.metrics import MonitorMetrics
from nautilus_rl_lab.monitoring.monitor import MonitorActor, MonitorConfig, attach_monitor
from nautilus_rl_lab.monitoring.store import RunStore, read_table

__all__ = [
    "Alert",
    "AlertRules",
    "JsonlSink",
    "MonitorActor",
    "MonitorConfig",
    "MonitorMetrics",
    "RunStore",
    "WebhookSink",
    "attach_monitor",
    "halt_reason",
    "read_table",
    "request_halt",
    "resume",
]
