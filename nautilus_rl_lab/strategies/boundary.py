"""The error boundary of the toolkit's Nautilus components: the first exception raised in
their own handlers is kept, so the code that ran the engine can raise it.

Nautilus 1.221 lets a handler's exception propagate out of `run()`; NautilusTrader 2 logs and
swallows it (the run goes on, or stops quietly), which would hide a bug behind plausible
numbers. Handlers decorated with `guarded` record their first exception on the component
(and re-raise it, as before); `clear_handler_errors` before a run and `raise_handler_error`
after it make the error surface from `TrainingNode.step()` and `run_backtest` on either
version with its own type and message.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class HandlerErrors:
    """Mixin for a Nautilus component: `handler_error` is the first exception its handlers raised."""

    handler_error: Exception | None = None


H = TypeVar("H", bound=HandlerErrors)


def guarded(handler: Callable[Concatenate[H, P], R]) -> Callable[Concatenate[H, P], R]:
    """Wrap a handler so its first exception is recorded on the component, then re-raised."""

    @functools.wraps(handler)
    def run(component: H, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return handler(component, *args, **kwargs)
        except Exception as error:
            if component.handler_error is None:
                component.handler_error = error
            raise

    return run


def clear_handler_errors(*components: HandlerErrors) -> None:
    """Forget the errors of a previous run (1.221 has already raised them from `run()`)."""
    for component in components:
        component.handler_error = None


def raise_handler_error(*components: HandlerErrors) -> None:
    """Raise the first recorded handler error of `components`, in their order, if any."""
    for component in components:
        if component.handler_error is not None:
            raise component.handler_error
