"""Schemes that raise at their n-th call: the handler-error boundary tests load them by path."""

from __future__ import annotations

from typing import Any

import numpy as np

from nautilus_rl_lab.schemes.action import TargetPosition
from nautilus_rl_lab.schemes.base import MarketState
from nautilus_rl_lab.schemes.config import SchemeConfig
from nautilus_rl_lab.schemes.observation import WindowObservation
from nautilus_rl_lab.schemes.reward import LogReturn

MESSAGE = "scheme bug at call {}"
SCHEMES = {"action": "FailingTarget", "observation": "FailingWindow", "reward": "FailingReward"}


def failing_config(field: str, fail_at: int) -> dict[str, SchemeConfig]:
    """The `TrainingNodeConfig` override whose `field` scheme raises at call `fail_at`."""
    params: dict[str, object] = {"fail_at": fail_at}
    if field == "observation":
        params["window"] = 8  # the node tests' window
    return {field: SchemeConfig(name=f"{__name__}:{SCHEMES[field]}", params=params)}


class _FailAt:
    """Counts calls; the `fail_at`-th raises `LookupError` (an unusual type, kept by the boundary)."""

    def __init__(self, fail_at: int) -> None:
        self.fail_at, self.calls = fail_at, 0

    def tick(self) -> None:
        self.calls += 1
        if self.calls == self.fail_at:
            raise LookupError(MESSAGE.format(self.calls))


class FailingTarget(TargetPosition):
    """`TargetPosition` whose `fail_at`-th `target_position` raises."""

    def __init__(self, fail_at: int, **params: Any) -> None:
        super().__init__(**params)
        self.counter = _FailAt(fail_at)

    def target_position(self, action: Any, position: float) -> float | None:
        self.counter.tick()
        return super().target_position(action, position)


class FailingWindow(WindowObservation):
    """`WindowObservation` whose `fail_at`-th `observe` raises."""

    def __init__(self, fail_at: int, **params: Any) -> None:
        super().__init__(**params)
        self.counter = _FailAt(fail_at)

    def observe(self, state: MarketState) -> np.ndarray:
        self.counter.tick()
        return super().observe(state)


class FailingReward(LogReturn):
    """`LogReturn` whose `fail_at`-th `reward` raises."""

    def __init__(self, fail_at: int, **params: Any) -> None:
        super().__init__(**params)
        self.counter = _FailAt(fail_at)

    def reward(self, state: MarketState) -> float:
        self.counter.tick()
        return super().reward(state)
