"""The pieces every widget shares: a reused matplotlib figure shown as a PNG, and a view box.

Decisions:

- Figures are plain `matplotlib.figure.Figure` objects (never pyplot's), drawn with the Agg
  canvas and shown in an `ipywidgets.Image`: no figure leaks into the notebook's output, the
  redraw is the same with or without a front end, and it can run on a worker thread.
- Redraw speed, measured in JupyterLab 4 + headless Chromium here (button click to the new
  picture on screen, equity + drawdown, 4 lines x 1,500 points, 2 loaded cores): matplotlib
  PNG median 1.3 s (0.8-2.2), plotly `FigureWidget` median 0.27 s (0.2-0.6; not re-measured
  since the chart is redrawn whole, see below). So the backtest playground,
  redrawn on every slider release, draws with plotly (its static picture stays matplotlib);
  the views that redraw every few seconds at most (training, study) or per step of a slider
  over precomputed data (episode, explorer) keep the matplotlib PNG.
- What a view shows lives in the widgets' synced state (an `Image`'s PNG, an `Output`'s
  display data), never only in messages to views that exist now: JupyterLab creates a
  cell's views when it scrolls into sight (Run All leaves off-screen cells undrawn), so a
  figure sent as an update before then would be lost. A plotly figure is therefore shown
  as a whole `go.Figure` in an `Output` (`show_plotly`), not as a `FigureWidget` updated in
  place: plotly 7's `FigureWidget` keeps traces added after construction only in messages
  (empty axes after Run All) and fails on plotly.js' answer to a redraw (`ValueError: The
  truth value of an array ... is ambiguous`, in the log console only).
- Figures fill the cell's width (no fixed width); a callback's error is shown in the view's
  status line (`View.guard`), never only in JupyterLab's log console.
- Without a front end (nbmake, nbconvert, plain Python) a view degrades to a static figure:
  its MIME bundle carries the current figure as `image/png` next to the widget view, so
  anything that cannot render widgets shows the picture, and `view.figure` is the figure.
"""

from __future__ import annotations

import io
import json
import logging
import math
import numbers
import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

log = logging.getLogger(__name__)

DPI = 80
PLOTLY_MIME = "application/vnd.plotly.v1+json"
FULL_WIDTH = {"width": "100%"}
CELL_STYLE = "text-align: right; padding: 2px 10px; white-space: nowrap"


class FigureView:
    """One reused `Figure` rendered to PNG into an `ipywidgets.Image` on every `redraw`."""

    def __init__(self, figsize: tuple[float, float] = (10.0, 6.0), dpi: int = DPI) -> None:
        self.figure = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.figure)
        self.image = w.Image(format="png", layout=w.Layout(**FULL_WIDTH))
        self.redraws = 0
        self._lock = threading.Lock()

    def redraw(self, draw: Callable[[Figure], Any]) -> None:
        """Clear the figure, let `draw(figure)` fill it and show the new picture."""
        with self._lock:
            self.figure.clear()
            draw(self.figure)
            self.image.value = self.png()
            self.redraws += 1

    def png(self) -> bytes:
        """The figure as PNG bytes."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=self.figure.dpi)
        return buffer.getvalue()


def plotly_output() -> w.Output:
    """An empty `Output` for plotly figures, as wide as the cell."""
    return w.Output(layout=w.Layout(**FULL_WIDTH))


def show_plotly(output: w.Output, figure: go.Figure) -> None:
    """Show `figure` in `output` as its display data: the state any view, now or later, draws."""
    data = json.loads(pio.to_json(figure, validate=False))
    data["layout"].pop("width", None)
    data["layout"]["autosize"] = True
    data["config"] = {
        "displaylogo": False
    }  # JupyterLab resizes it; `responsive` would be 0 px high
    title = figure.layout.title.text or "plotly figure"
    bundle = {PLOTLY_MIME: data, "text/plain": f"<{title}>"}
    output.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)


def table_html(frame: pd.DataFrame | pd.Series, digits: int = 4, *, index: bool = True) -> str:
    """A small HTML table whose headers sit over their cells, numbers and times readable.

    Integers as integers, other numbers to `digits` significant digits, timestamps to the
    minute with their zone; every header and cell right-aligned and padded alike (pandas
    aligns only the header row). An empty table is the word "none", not a bare header.
    """
    table = frame.to_frame() if isinstance(frame, pd.Series) else frame
    if table.empty:
        return "<i>none</i>"

    def text(value: Any) -> str:
        if isinstance(value, pd.Timestamp):
            zone = f" {value.tzname()}" if value.tzinfo is not None else ""
            return f"{value:%Y-%m-%d %H:%M}{zone}"
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return str(value)
        number = float(value)
        if math.isnan(number):
            return "NaN"
        if isinstance(value, numbers.Integral) or (number.is_integer() and abs(number) < 1e15):
            return f"{int(number):,}"
        return f"{number:,.{digits}g}" if abs(number) < 1e4 else f"{number:,.2f}"

    html = str(table.map(text).to_html(border=0, index=index))  # pandas skips object columns
    head, body = html.replace('<tr style="text-align: right;">', "<tr>").split("<tbody>")
    cell = f'style="{CELL_STYLE}"'
    label = f'style="{CELL_STYLE.replace("right", "left")}"'  # row labels read left to right
    head = head.replace("<th>", f"<th {cell}>")
    body = body.replace("<td>", f"<td {cell}>").replace("<th>", f"<th {label}>")
    return f"{head}<tbody>{body}"


class View(w.VBox):
    """A widget box with one main figure; shows that figure as a PNG where widgets cannot render."""

    def __init__(self, children: list[w.Widget], figure: FigureView, **kwargs: Any) -> None:
        super().__init__(children, **kwargs)
        self.figure_view = figure
        self.status = w.HTML()
        self._handle: Any = None

    @property
    def figure(self) -> Figure:
        """The current matplotlib figure (what a static output shows)."""
        return self.figure_view.figure

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = super()._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = f"{type(self).__name__} (static figure below; open in JupyterLab)"
        bundle["image/png"] = self.static_png()
        return bundle

    def static_png(self) -> bytes:
        """The PNG a front end without widgets shows (the current figure)."""
        return bytes(self.figure_view.image.value) or self.figure_view.png()

    def show(self) -> None:
        """Display the view now (in an IPython kernel), so it updates while a long call runs."""
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            self._handle = display(self, display_id=True)

    def update_static(self) -> None:
        """Refresh the displayed output with the current figure (what a saved notebook keeps)."""
        if self._handle is not None:
            self._handle.update(self)

    def guard(self, callback: Callable[..., Any]) -> Callable[..., None]:
        """`callback` for a control: its error shows in the status line, not only in the log console."""

        def guarded(*args: Any, **kwargs: Any) -> None:
            try:
                callback(*args, **kwargs)
            except Exception as e:
                self.fail(e)

        return guarded

    def fail(self, error: Exception) -> None:
        """Show `error` in the view's status line instead of raising into the front end."""
        log.info("%s: %s", type(self).__name__, error)
        self.status.value = f"<span style='color:#b00'>{type(error).__name__}: {error}</span>"
