"""`AgentAction`: the message an `RLAgent` publishes and an `AgentStrategy` executes.

A plain frozen dataclass on the message bus (`msgbus.publish(topic, msg)`), delivered
synchronously to subscribers in the same engine loop, so the order goes out while the
decision bar is being processed, exactly as when a strategy decides in its own `on_bar`.
It is published with `external_pub=False`: it is an in-process command, not market data to
stream to Redis.
"""

from __future__ import annotations

from dataclasses import dataclass

from nautilus_trader.model.identifiers import InstrumentId

DEFAULT_TOPIC = "rl_lab.agent.actions"


@dataclass(frozen=True, slots=True)
class AgentAction:
    """An agent's action for `instrument_id`, decided on the bar closed at `ts_event` at `close`."""

    agent_id: str
    instrument_id: InstrumentId
    action: int | list[float]
    ts_event: int
    close: float
