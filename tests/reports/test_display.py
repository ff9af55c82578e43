"""The tear sheet in a notebook: the page inline and a link JupyterLab resolves from the notebook."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from nautilus_rl_lab.reports import show_tearsheet


def test_the_tear_sheet_shows_inline_with_a_link_relative_to_the_notebook(
    tmp_path, monkeypatch
) -> None:
    report = tmp_path / "runs" / "x" / "report" / "tearsheet.html"
    report.parent.mkdir(parents=True)
    page = '<!DOCTYPE html><html><body><h1>A & B\'s "sheet"</h1></body></html>'
    report.write_text(page, encoding="utf-8")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    monkeypatch.chdir(notebooks)  # the kernel's working directory: the notebook's folder
    shown = show_tearsheet(Path("..") / "runs" / "x" / "report" / "tearsheet.html").data
    assert '<a href="../runs/x/report/tearsheet.html" target="_blank">' in shown
    assert f'srcdoc="{html.escape(page, quote=True)}"' in shown
    assert html.unescape(shown.split('srcdoc="')[1].split('"')[0]) == page


def test_a_missing_tear_sheet_is_named(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no tear sheet at .*nothing\.html"):
        show_tearsheet(tmp_path / "nothing.html")
