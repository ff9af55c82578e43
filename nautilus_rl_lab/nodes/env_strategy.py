"""`EnvDecisions`: the part of a strategy inside a `TrainingNode` that hands decisions to the env.

The env runs the engine in a greenlet; `decide` switches back to `reset()`/`step()` with the
observation and resumes with the action. `abandon()` lets a run the env left play out its
slice without deciding (see `nodes.training`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from greenlet import greenlet

from nautilus_rl_lab.nt.model import Bar


class EnvDecisions:
    """Mixin before a scheme strategy: `decide` asks the env; `abandon` stops deciding."""

    _abandoned = False

    def on_reset(self) -> None:
        super().on_reset()  # type: ignore[misc]
        self._abandoned = False

    def on_bar(self, bar: Bar) -> None:
        if self._abandoned:  # the env left this episode: let the run play out its slice
            return
        super().on_bar(bar)  # type: ignore[misc]

    def abandon(self) -> None:
        """Stop deciding until the next reset: the paused decision and every later bar of the
        run do nothing, so the run reaches its end without the env."""
        self._abandoned = True

    def decide(self, observation: np.ndarray, state: Any) -> Any | None:
        action = greenlet.getcurrent().parent.switch((observation, state))
        return None if self._abandoned else action
