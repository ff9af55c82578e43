from __future__ import annotations

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
