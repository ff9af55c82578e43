"""Data explorer: pick a source and a date range, see candlesticks, volume, summary and gaps.

The sources are `DataSourceConfig`s (loaded with `data.source.load_frame`, exactly as a
`TrainingNode` loads them) or validated DataFrames. Ranges longer than `max_candles` bars are
drawn as coarser candles (`data.summary.resample_ohlcv`, one of 1h/4h/1D/1W), and the title
says so; the summary and gaps are always those of the original bars.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TypeAlias

import ipywidgets as w
import pandas as pd
from matplotlib.figure import Figure

from nautilus_rl_lab.data.ohlcv import validate_ohlcv
from nautilus_rl_lab.data.source import DataSourceConfig, load_frame
from nautilus_rl_lab.data.summary import find_gaps, resample_ohlcv, summarize
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.plots import draw_candlesticks
from nautilus_rl_lab.validation import check_instance, check_number
from nautilus_rl_lab.widgets.debounce import Debouncer
from nautilus_rl_lab.widgets.view import FigureView, View, table_html

Source: TypeAlias = DataSourceConfig | pd.DataFrame
CANDLE_RULES = ("1h", "4h", "1D", "1W")
DEFAULT_SOURCES: dict[str, Source] = {"EUR/USD 1H ask, 2017 (sample)": DataSourceConfig()}


def candle_rule(frame: pd.DataFrame, max_candles: int) -> str | None:
    """The finest of `CANDLE_RULES` that keeps `frame` under `max_candles` candles (None: as is)."""
    if len(frame) <= max_candles:
        return None
    span = frame.index[-1] - frame.index[0]
    for rule in CANDLE_RULES:
        if span / pd.Timedelta(rule) <= max_candles:
            return rule
    return CANDLE_RULES[-1]


class DataExplorer(View):
    """Source and date-range pickers over candlesticks, volume, summary statistics and gaps."""

    def __init__(
        self,
        sources: Mapping[str, Source] | None = None,
        *,
        max_candles: int = 300,
        delay: float = 0.2,
        start: dt.date | str | None = None,
        end: dt.date | str | None = None,
    ) -> None:
        what = "a mapping of names to DataSourceConfigs or DataFrames"
        check_instance("sources", sources, (Mapping, type(None)), what)
        self.sources = dict(DEFAULT_SOURCES if sources is None else sources)
        if not self.sources:
            raise ConfigError("`sources` is empty: pass at least one DataSourceConfig or frame")
        for name, source in self.sources.items():
            check_instance(
                f"sources[{name!r}]",
                source,
                (DataSourceConfig, pd.DataFrame),
                "a DataSourceConfig or a DataFrame",
            )
        self.max_candles = check_number("max_candles", max_candles, 1, integer=True)
        check_number("delay", delay)
        first, last = _day("start", start), _day("end", end)
        self._frames: dict[str, pd.DataFrame] = {}
        self.source = w.Dropdown(options=list(self.sources), description="source")
        self.start = w.DatePicker(description="from")
        self.end = w.DatePicker(description="to (excl.)")
        self.summary = w.HTML()
        self.gaps = w.HTML()
        self.frame: pd.DataFrame | None = None
        self._loading = False
        figure = FigureView((10.0, 5.5))
        super().__init__([], figure)
        self.children = [
            w.HBox([self.source, self.start, self.end]),
            self.status,
            figure.image,
            w.HBox([self.summary, self.gaps], layout=w.Layout(grid_gap="32px")),
        ]
        self.debouncer = Debouncer(self.refresh, delay, on_error=self.fail)
        self.source.observe(self.guard(self._on_source), names="value")
        for picker in (self.start, self.end):
            picker.observe(self.guard(self._on_range), names="value")
        self._on_source(None)
        if first is not None or last is not None:
            self._loading = True
            try:
                self.start.value = first or self.start.value
                self.end.value = last or self.end.value
            finally:
                self._loading = False
            self.refresh()

    def full_frame(self, name: str) -> pd.DataFrame:
        """All bars of source `name` (loaded once)."""
        if name not in self._frames:
            source = self.sources[name]
            frame = source if isinstance(source, pd.DataFrame) else load_frame(source)
            self._frames[name] = validate_ohlcv(frame, source=name)
        return self._frames[name]

    def _on_source(self, _: object) -> None:
        frame = self.full_frame(self.source.value)
        self._loading = True
        try:
            self.start.value = frame.index[0].date()
            self.end.value = (frame.index[-1] + pd.Timedelta("1D")).date()
        finally:
            self._loading = False
        self.refresh()

    def _on_range(self, _: object) -> None:
        if not self._loading:
            self.debouncer()

    def selected(self) -> pd.DataFrame:
        """The bars of the chosen source whose open time is in `[from, to)` (UTC dates)."""
        frame = self.full_frame(self.source.value)
        start, end = self.start.value, self.end.value
        if start is not None:
            frame = frame[frame.index >= _utc(start)]
        if end is not None:
            frame = frame[frame.index < _utc(end)]
        if len(frame) < 2:
            raise ConfigError(
                f"`from`/`to` ({start} .. {end}) leave {len(frame)} bar(s): widen them"
            )
        return frame

    def refresh(self) -> None:
        """Redraw candles and volume and recompute summary and gaps for the current choice."""
        frame = self.selected()
        rule = candle_rule(frame, self.max_candles)
        candles = frame if rule is None else resample_ohlcv(frame, rule)
        label = "" if rule is None else f" ({rule} candles from {len(frame):,} bars)"

        def draw(figure: Figure) -> None:
            price_ax, volume_ax = figure.subplots(
                2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]}
            )
            draw_candlesticks(price_ax, volume_ax, candles)
            price_ax.set_title(f"{self.source.value}{label}")
            volume_ax.set_xlabel("bar open (UTC)")
            figure.tight_layout()

        self.figure_view.redraw(draw)
        self.frame = frame
        self.summary.value = "<b>Summary</b>" + table_html(summarize(frame).rename("value"))
        gaps = find_gaps(frame)
        if gaps.empty:
            self.gaps.value = "<b>no gaps</b> in this range"
        else:
            longest = gaps.sort_values("duration", ascending=False).head(5)
            title = f"<b>{len(gaps)} gaps, longest {len(longest)}</b>"
            self.gaps.value = title + table_html(longest, index=False)
        self.status.value = ""


def _day(field: str, value: object) -> dt.date | None:
    """`value` (a date or an ISO date string) as a date; anything else names `field`."""
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    check_instance(field, value, str, "a date or an ISO date string such as '2017-03-01'")
    try:
        return pd.Timestamp(value).date()
    except ValueError as e:
        raise ConfigError(f"`{field}` {value!r} is not a date such as '2017-03-01': {e}") from e


def _utc(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day).tz_localize("UTC")


def data_explorer(
    sources: Mapping[str, Source] | None = None,
    *,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    max_candles: int = 300,
) -> DataExplorer:
    """Explore `sources` (names to `DataSourceConfig`s or frames; default: the bundled sample).

    `start`/`end` (UTC dates, end excluded) preset the range of the first source.
    """
    return DataExplorer(sources, max_candles=max_candles, start=start, end=end)
