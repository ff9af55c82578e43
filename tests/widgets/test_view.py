from __future__ import annotations

import re

import numpy as np
import pandas as pd

from nautilus_rl_lab.widgets.view import FigureView, View, table_html

PNG_MAGIC = b"\x89PNG"


def test_redraw_puts_a_new_png_of_the_figure_into_the_image() -> None:
    view = FigureView((3, 2))
    view.redraw(lambda figure: figure.subplots().plot([1, 2, 3]))
    first = bytes(view.image.value)
    view.redraw(lambda figure: figure.subplots().plot([3, 1, 2, 5]))
    second = bytes(view.image.value)
    assert first.startswith(PNG_MAGIC) and second.startswith(PNG_MAGIC)
    assert second != first and view.redraws == 2
    assert len(view.figure.axes) == 1  # cleared before each draw


def test_without_a_front_end_a_view_carries_its_figure_as_png() -> None:
    figure = FigureView((3, 2))
    figure.redraw(lambda f: f.subplots().plot([1, 2]))
    bundle = View([figure.image], figure)._repr_mimebundle_()
    assert bundle["image/png"] == bytes(figure.image.value)
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_table_html_shows_whole_numbers_as_integers() -> None:
    html = table_html(pd.Series({"trades": np.int64(16), "count": 3.0, "sharpe": 1.234567}))
    assert ">16<" in html and ">3<" in html and ">1.235<" in html
    assert "3.0" not in html


def _cells(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}\b([^>]*)>", html)


def test_table_html_headers_are_aligned_and_spaced_like_their_cells() -> None:
    frame = pd.DataFrame(
        {"start": pd.to_datetime(["2017-01-06 21:00"], utc=True), "bars missing": [48]}
    )
    html = table_html(frame, index=False)
    headers, cells = _cells(html, "th"), _cells(html, "td")
    assert len(headers) == len(cells) == 2  # no header without a column, no row numbers
    for attributes in headers + cells:
        assert "text-align: right" in attributes and "padding" in attributes
    assert ">2017-01-06 21:00 UTC<" in html and ">48<" in html
    assert 'style="text-align: right;"' not in html  # pandas' header-only alignment is gone


def test_table_html_of_nothing_says_so_instead_of_a_bare_header() -> None:
    html = table_html(pd.DataFrame(columns=["last bar before", "duration"]))
    assert "<table" not in html and "none" in html


def test_table_html_formats_numbers_in_object_columns_too() -> None:
    frame = pd.DataFrame({"quantity": [10_000.0, ""], "latency_ms": ["", 2.363699]}, dtype=object)
    html = table_html(frame, index=False)
    assert ">10,000<" in html and ">2.364<" in html and "10000.0" not in html
    assert ">NaN<" in table_html(pd.Series({"sharpe": float("nan")}))
