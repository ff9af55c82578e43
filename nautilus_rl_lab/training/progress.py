"""`ProgressBar`: a plain-text tqdm bar of env steps for `train(progress_bar=True)`.

SB3's own bar (tqdm.rich) is a live display: in JupyterLab it is left showing its last
refresh (e.g. 94 %), its rate column is cut at the cell width, and it is gone once the
notebook is saved. This one writes plain text to stderr with a fixed width, is brought to
the final step count when training ends (100 % for a full run; where it stopped when a
callback ended it early) and leaves that line in the output.
"""

from __future__ import annotations

import sys

from stable_baselines3.common.callbacks import BaseCallback
from tqdm import tqdm

WIDTH = 100


class ProgressBar(BaseCallback):
    """Env steps done out of the steps this `learn` call runs, with the rate, as one text line."""

    def __init__(self, description: str = "training") -> None:
        super().__init__()
        self.description = description
        self.bar: tqdm | None = None
        self._first = 0

    def _on_training_start(self) -> None:
        self._first = int(self.model.num_timesteps)
        total = int(self.locals["total_timesteps"]) - self._first
        self.bar = tqdm(
            total=total,
            desc=self.description,
            unit="step",
            ncols=WIDTH,
            mininterval=0.5,
            file=sys.stderr,
        )

    def _advance(self) -> None:
        if self.bar is not None:
            done = self.num_timesteps - self._first
            if done > (self.bar.total or 0):  # the last rollout may pass the requested steps
                self.bar.total = done
            self.bar.update(done - self.bar.n)

    def _on_step(self) -> bool:
        self._advance()
        return True

    def _on_training_end(self) -> None:
        if self.bar is None:
            return
        self._advance()
        self.bar.close()
        self.bar = None
