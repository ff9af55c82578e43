"""A real browser drives the backtest playground in JupyterLab.

The shared JupyterLab and Chromium (`conftest.py`) open a notebook that shows the playground,
Run All, and the test checks the figure is drawn as every widget's must be
(`test_notebooks_browser.check_widgets_drawn`: full width, named traces, no error in the log
console); then it moves the `fast` slider one step with the keyboard and checks that the
statistics and the equity curve drawn in the browser (the plotly chart's data, read from the
page) are those of a new Nautilus backtest with the new value, computed here independently;
then it re-runs the cell on screen and checks the new playground is drawn the same way.
The screenshot goes to `runs/browser/`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from nautilus_rl_lab.agents import EMACrossAgent
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.evaluation import run_backtest
from nautilus_rl_lab.nodes import TrainingNodeConfig
from tests.browser.conftest import SCREENSHOTS, Lab, close_notebook, open_notebook, run_all
from tests.browser.test_notebooks_browser import check_widgets_drawn, log_console_errors

DATA = {"kind": "sample", "start": "2017-10-02", "end": "2017-10-21"}
NOTEBOOK_CELLS = [
    "from nautilus_rl_lab.data.source import DataSourceConfig\n"
    "from nautilus_rl_lab.nodes import TrainingNodeConfig\n"
    "from nautilus_rl_lab.widgets import backtest_playground\n"
    f"env = TrainingNodeConfig(data=DataSourceConfig(**{DATA!r}))",
    'playground = backtest_playground("ema_cross", env)\nplayground',
]

RERUN_PLAYGROUND_CELL = """async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  panel.content.activeCellIndex = 1;
  await window.jupyterapp.commands.execute('notebook:run-cell');
}"""


def _write_notebook(lab: Lab) -> str:
    cells = [
        {"cell_type": "code", "metadata": {}, "source": src, "outputs": [], "execution_count": None}
        for src in NOTEBOOK_CELLS
    ]
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (lab.root / "playground.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    return "playground.ipynb"


def _drawn_equity(page) -> list[float]:
    """The y values of the agent's equity trace as plotly.js holds them in the page."""
    return page.evaluate(
        "() => Array.from(document.querySelector('.js-plotly-plot')._fullData[0].y)"
    )


def _stats_text(page) -> str:
    return page.locator(".widget-html table").last.inner_text()


def test_moving_a_slider_in_chromium_redraws_equity_from_a_new_backtest(
    browser: Any, lab: Lab
) -> None:
    config = TrainingNodeConfig(data=DataSourceConfig(**DATA))
    before = run_backtest(EMACrossAgent(10, 20, action=config.action), config)
    after = run_backtest(EMACrossAgent(11, 20, action=config.action), config)
    assert before.stats["final_equity"] != after.stats["final_equity"]  # the test can tell

    page = open_notebook(browser, lab, _write_notebook(lab))
    try:
        run_all(page, 300)
        (figure,) = check_widgets_drawn(page, "playground")
        assert figure["width"] >= 0.9 * figure["area"], figure
        assert figure["names"] == [
            "EMACrossAgent(10, 20)", "buy_and_hold",
            "EMACrossAgent(10, 20) drawdown", "buy_and_hold drawdown",
        ]  # fmt: skip
        shown = f"{before.stats['final_equity']:,.2f}"
        page.wait_for_function(
            "text => [...document.querySelectorAll('.widget-html table')]"
            ".some(t => t.innerText.includes(text))",
            arg=shown,
        )
        assert _drawn_equity(page) == pytest.approx(list(before.equity), abs=1e-6)

        handle = page.locator(".widget-slider .noUi-handle").first  # `fast`
        handle.focus()
        page.keyboard.press("ArrowRight")
        expected = f"{after.stats['final_equity']:,.2f}"
        page.wait_for_function(
            "text => [...document.querySelectorAll('.widget-html table')]"
            ".some(t => t.innerText.includes(text))",
            arg=expected,
        )
        page.wait_for_function(
            "name => document.querySelector('.js-plotly-plot')._fullData[0].name === name",
            arg="EMACrossAgent(11, 20)",
        )
        page.wait_for_timeout(300)
        page.screenshot(path=str(SCREENSHOTS / "playground.png"), full_page=True)
        assert "EMACrossAgent(11, 20)" in _stats_text(page)
        assert shown not in _stats_text(page)
        assert _drawn_equity(page) == pytest.approx(list(after.equity), abs=1e-6)

        # Re-running the cell while it is on screen draws a new playground, as wide, as named.
        page.evaluate(RERUN_PLAYGROUND_CELL)
        page.wait_for_function(
            "name => [...document.querySelectorAll('.js-plotly-plot')]"
            ".some(p => p._fullData.length && p._fullData[0].name === name)",
            arg="EMACrossAgent(10, 20)",
        )
        (again,) = check_widgets_drawn(page, "playground-rerun")
        assert again["width"] >= 0.9 * again["area"] and again["names"] == figure["names"]
        assert log_console_errors(page) == []
    except Exception:
        page.screenshot(path=str(SCREENSHOTS / "playground_failure.png"), full_page=True)
        raise
    finally:
        close_notebook(page)
