"""Views of the thread-bound objects of a NautilusTrader 2.0 `LiveNode` (`nodes.live_nt2`), safe
to use from any thread.

2.0's strategies, actors, live clients and the objects they hand out (cache, portfolio, clock,
order factory, logger) are pyo3 ``unsendable`` objects: touching or dropping one off the thread
that built it aborts the process. A `ThreadView` runs every attribute read, method call and
attribute write on the node's thread (`call`) and hands back values (orders, events, positions,
instruments, lists) as they are, or a further view of what is itself thread-bound. It holds no
reference to the object (it finds it again through `target` on each use), so the object is
released on the node's thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nautilus_trader.common import Cache, Clock, DataActor, Logger, OrderFactory
from nautilus_trader.live.clients import ExecutionClient, MarketDataClient
from nautilus_trader.portfolio import Portfolio
from nautilus_trader.trading import Strategy

from nautilus_rl_lab.errors import EnvironmentStateError

__all__ = ["ThreadView"]

THREAD_BOUND = (
    Cache,
    Clock,
    DataActor,
    ExecutionClient,
    Logger,
    MarketDataClient,
    OrderFactory,
    Portfolio,
    Strategy,
)
"""The types of the thread-bound objects a view hands out as views (never as themselves)."""

_METHOD = object()  # what the node's thread answers for a callable attribute


class ThreadView:
    """A view of a thread-bound object: each use runs on a node's thread through `call`.

    Parameters
    ----------
    call : Callable
        Runs a function on the node's thread and returns its result (`LiveNode.call`).
    target : Callable
        Finds the object, on the node's thread.
    """

    def __init__(self, call: Callable[[Callable[[], Any]], Any], target: Callable[[], Any]) -> None:
        object.__setattr__(self, "_call", call)
        object.__setattr__(self, "_target", target)

    def __getattr__(self, name: str) -> Any:
        call, target = self._call, self._target

        def attribute() -> Any:
            return getattr(target(), name)

        def read() -> Any:
            value = attribute()
            if callable(value) and not isinstance(value, type):
                return _METHOD  # a bound method holds the object: it stays on the node's thread
            return ThreadView(call, attribute) if isinstance(value, THREAD_BOUND) else value

        value = call(read)
        if value is _METHOD:

            def method(*args: Any, **kwargs: Any) -> Any:
                return call(lambda: _handed_out(name, attribute()(*args, **kwargs)))

            return method
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        self._call(lambda: setattr(self._target(), name, value))

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        """The object's class (`isinstance` sees through the view)."""
        return self._call(lambda: type(self._target()))

    def __repr__(self) -> str:
        return f"ThreadView({self._call(lambda: repr(self._target()))})"


def _handed_out(name: str, value: Any) -> Any:
    """`value`, the result of the method `name`, unless it is thread-bound (then it stays on the
    node's thread: a view of it would hold it, and the last holder may be another thread)."""
    if isinstance(value, THREAD_BOUND):
        raise EnvironmentStateError(
            f"`{name}()` returns a thread-bound {type(value).__name__}, which cannot leave the "
            "LiveNode's thread; read it through an attribute or within `LiveNode.call`"
        )
    return value
