"""A live client's messages onto the message bus of the node on its thread.

2.0 gives a Python client no message bus (`publish_topic` of `nt.live_clients` had to drop its
messages, e.g. the venue time on `strategies.staleness.market_time_topic`), but an actor of the
same node can publish. A node's client and components run on the node's one thread, so the
node installs its actor's `publish_message` for that thread here and the client publishes
through it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["publish", "set_relay"]

_relay = threading.local()


def set_relay(publish_message: Callable[[str, Any], None] | None) -> None:
    """Publish this thread's client messages with `publish_message` (None: drop them)."""
    _relay.publish = publish_message


def publish(topic: str, message: Any) -> None:
    """Publish `message` on `topic` through this thread's relay; dropped if there is none."""
    relay = getattr(_relay, "publish", None)
    if relay is not None:
        relay(topic, message)
