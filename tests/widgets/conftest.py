"""Small inputs for the widget tests: two weeks of the sample and tiny training runs."""

from __future__ import annotations

import base64
from typing import Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.nodes import TrainingNodeConfig

PLOTLY_MIME = "application/vnd.plotly.v1+json"

TWO_WEEKS = DataSourceConfig(kind="sample", start="2017-03-01", end="2017-03-15")


def small_env(**overrides: object) -> TrainingNodeConfig:
    """A backtest/env config on two weeks of the bundled EUR/USD bars."""
    values: dict[str, object] = {"data": TWO_WEEKS, "episode_length": 32, "seed": 3}
    values.update(overrides)
    return TrainingNodeConfig(**values)


def front_end_figures(widget: w.Widget) -> list[dict[str, Any]]:
    """The plotly figures a front end opening `widget` now draws (a view made after Run All).

    A front end draws a widget from its synced state: a plotly `FigureWidget`'s `_widget_data`
    and `_widget_layout`, an `Output`'s plotly display data. Before reading a `FigureWidget`,
    it gets the answer plotly.js sends after drawing it (trace deltas, arrays as typed-array
    specs), as in JupyterLab.
    """
    figures: list[dict[str, Any]] = []
    if isinstance(widget, go.FigureWidget):
        deltas = [
            {"uid": trace.uid, "y": {"dtype": "f8", "bdata": "AAAAAAAAAAA="}, "index": i}
            for i, trace in enumerate(widget.data)
        ]
        message = {"trace_deltas": deltas, "trace_edit_id": widget._last_trace_edit_id}
        widget._handler_js2py_traceDeltas({"new": message})
        figures.append({"data": widget._widget_data, "layout": widget._widget_layout})
    if isinstance(widget, w.Output):
        for output in widget.outputs:
            figure = output.get("data", {}).get(PLOTLY_MIME)
            if figure is not None:
                figures.append(figure)
    for child in getattr(widget, "children", ()):
        figures += front_end_figures(child)
    return figures


def decoded(values: Any) -> np.ndarray:
    """A trace's array as plotly.js reads it (a typed-array spec or a plain list)."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values)
