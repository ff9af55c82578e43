"""Episode viewer: step through a `TrainingNode` episode with a slider (or play it).

It shows, up to the chosen step, the close price with Nautilus' fills, the equity and the
position: the env's own `history` (one record per decision bar, from Nautilus' portfolio)
and its fills report, drawn by `plots.draw_episode` like `render()`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as w
import pandas as pd
from matplotlib.figure import Figure

from nautilus_rl_lab.errors import ConfigError, EnvironmentStateError
from nautilus_rl_lab.nodes.training import TrainingNode
from nautilus_rl_lab.plots import draw_episode
from nautilus_rl_lab.validation import check_instance, check_number
from nautilus_rl_lab.widgets.view import FigureView, View, table_html


class EpisodeViewer(View):
    """A step slider (and play button) over an episode's price, fills, position and equity."""

    def __init__(
        self,
        history: Sequence[dict[str, Any]],
        fills: pd.DataFrame | None = None,
        title: str = "Episode",
        interval_ms: int = 200,
    ) -> None:
        check_instance("history", history, Sequence, "a list of step records (`env.history`)")
        for i, record in enumerate(history):
            if not isinstance(record, Mapping) or "ts" not in record:
                raise ConfigError(f"`history[{i}]` must be a step record with `ts`, was {record!r}")
        check_instance("fills", fills, (pd.DataFrame, type(None)), "a DataFrame or None")
        check_number("interval_ms", interval_ms, 1, integer=True)
        if len(history) < 2:
            raise EnvironmentStateError(
                "the episode has no steps yet: reset() and step() the env before viewing it"
            )
        self.history = list(history)
        self.fills = fills if fills is not None else pd.DataFrame()
        self.title = title
        last = len(self.history) - 1
        self.step = w.IntSlider(value=last, min=0, max=last, description="step")
        self.play = w.Play(value=last, min=0, max=last, interval=interval_ms)
        w.jslink((self.play, "value"), (self.step, "value"))
        self.state = w.HTML()
        figure = FigureView((10.0, 6.0))
        super().__init__([], figure)
        self.children = [w.HBox([self.play, self.step]), figure.image, self.state]
        self.step.observe(self.guard(lambda _: self.show_step(self.step.value)), names="value")
        self.show_step(last)

    def fills_until(self, step: int) -> pd.DataFrame:
        """The fills made up to the decision bar of `step`."""
        if self.fills.empty:
            return self.fills
        ts = pd.Timestamp(self.history[step]["ts"], tz="UTC")
        return self.fills[pd.to_datetime(self.fills["ts_event"], utc=True) <= ts]

    def show_step(self, step: int) -> None:
        """Draw the episode up to `step` and show that step's record."""
        shown = self.history[: step + 1]
        fills = self.fills_until(step)
        title = f"{self.title}: step {step} of {len(self.history) - 1}, {len(fills)} fills"

        def draw(figure: Figure) -> None:
            draw_episode(figure, shown, fills, title)

        self.figure_view.redraw(draw)
        record: dict[str, Any] = dict(self.history[step])
        record["ts"] = pd.Timestamp(int(record["ts"]), tz="UTC")
        self.state.value = table_html(pd.Series(record, dtype=object, name=f"step {step}"))


def episode_viewer(env: TrainingNode, interval_ms: int = 200) -> EpisodeViewer:
    """View the env's current (or last) episode step by step."""
    check_instance("env", env, TrainingNode, "a TrainingNode (the env whose episode to view)")
    title = f"{env.market.instrument.id} episode"
    return EpisodeViewer(env.history, env.fills(), title, interval_ms)
