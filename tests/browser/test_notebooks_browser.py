"""Every notebook that shows a widget, Run All in JupyterLab in headless Chromium (fast mode).

After Run All and an idle kernel, each cell that shows a widget is scrolled into view (as a
person reading the notebook does; JupyterLab draws off-screen cells only then) and the test
checks in the page that the widget's figures are drawn: every widget image has a picture
(non-zero natural size) and every plotly chart has non-empty trace paths, a visible height, named traces (no
plotly default "trace N") and the width of its cell. No cell may end in an error, and
JupyterLab's log console (where errors of widget callbacks and comm messages go) must hold
no error. Screenshots of each widget and of the page go to `runs/browser/`.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import SCREENSHOTS, Lab, close_notebook, open_notebook, run_all

# notebook -> (cells showing a widget, figures they draw): images + plotly charts
NOTEBOOKS = {
    "01_data.ipynb": (1, 1),
    "02_environment.ipynb": (1, 1),
    "03_training.ipynb": (1, 1),
    "04_strategies_and_tuning.ipynb": (3, 3),
    "06_monitoring.ipynb": (1, 1),
}
RUN_ALL_TIMEOUT_S = 600

CELLS = """() => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  return notebook.widgets.map((cell, index) => {
    const outputs = cell.model.type === 'code' ? cell.model.outputs.toJSON() : [];
    return {
      index,
      widget: outputs.some(o => o.data && 'application/vnd.jupyter.widget-view+json' in o.data),
      errors: outputs.filter(o => o.output_type === 'error').map(o => `${o.ename}: ${o.evalue}`),
      ran: cell.model.type !== 'code' || cell.model.executionCount !== null,
    };
  });
}"""
SCROLL_TO = """async index => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  const settled = new Promise(resolve => setTimeout(resolve, 3000));  // may never resolve
  await Promise.race([notebook.scrollToItem(index, 'start'), settled]);
  notebook.widgets[index].node.setAttribute('data-nrl-cell', String(index));
}"""
DRAWN = """index => {
  const node = document.querySelector(`[data-nrl-cell="${index}"]`);
  if (!node) return false;
  const images = [...node.querySelectorAll('img.widget-image')];
  const charts = [...node.querySelectorAll('.js-plotly-plot')];
  const lines = chart => [...chart.querySelectorAll('.scatterlayer path.js-line')];
  const shown = element => element.getBoundingClientRect().height > 100;  // on screen, not 0 px
  return images.length + charts.length > 0
    && images.every(img => img.complete && img.naturalWidth > 0 && img.naturalHeight > 0)
    && charts.every(chart => lines(chart).some(p => (p.getAttribute('d') || '').length > 10))
    && [...images, ...charts].every(shown);
}"""
FIGURES = """index => {
  const node = document.querySelector(`[data-nrl-cell="${index}"]`);
  const area = node.querySelector('.jp-Cell-outputArea').getBoundingClientRect().width;
  const images = [...node.querySelectorAll('img.widget-image')].map(img => ({
    kind: 'image', width: img.getBoundingClientRect().width, area,
    height: img.getBoundingClientRect().height,
    natural: [img.naturalWidth, img.naturalHeight],
  }));
  const charts = [...node.querySelectorAll('.js-plotly-plot')].map(chart => ({
    kind: 'plotly', width: chart.getBoundingClientRect().width, area,
    height: chart.getBoundingClientRect().height,
    names: chart._fullData.map(t => t.name),
    points: chart._fullData.map(t => (t.y || []).length),
  }));
  return [...images, ...charts];
}"""
LOG_CONSOLE = """async () => {
  if (!document.querySelector('.jp-LogConsolePanel')) {  // opened once: it logs every source
    await window.jupyterapp.commands.execute('logconsole:open', {insertMode: 'split-bottom'});
    await new Promise(resolve => setTimeout(resolve, 500));
  }
  const entries = [...document.querySelectorAll('.jp-LogConsolePanel .jp-OutputArea-child')];
  return entries.map(entry => {
    const prompt = entry.querySelector('[data-log-level]');
    return {
      source: entry.closest('.jp-OutputArea').id,
      level: prompt ? prompt.getAttribute('data-log-level') : 'unknown',
      text: entry.innerText.slice(0, 2000),
    };
  });
}"""


def log_console_errors(page: Any) -> list[dict[str, str]]:
    """The errors JupyterLab's log console holds (from any notebook this page opened)."""
    entries = page.evaluate(LOG_CONSOLE)
    return [e for e in entries if e["level"] in ("error", "critical") or "Traceback" in e["text"]]


def check_widgets_drawn(page: Any, name: str) -> list[dict[str, Any]]:
    """Scroll to every widget cell, wait for its figures and screenshot it; their measures."""
    cells = page.evaluate(CELLS)
    errors = [(c["index"], c["errors"]) for c in cells if c["errors"]]
    assert not errors, f"{name}: cells ended in errors {errors}"
    assert all(c["ran"] for c in cells), f"{name}: Run All left cells unrun"
    figures = []
    for cell in (c for c in cells if c["widget"]):
        index = cell["index"]
        page.evaluate(SCROLL_TO, index)
        page.wait_for_function(DRAWN, arg=index, timeout=30_000)
        page.wait_for_timeout(300)  # let the last layout settle for the screenshot
        page.locator(f'[data-nrl-cell="{index}"]').screenshot(
            path=str(SCREENSHOTS / f"{name.removesuffix('.ipynb')}-cell{index}.png")
        )
        figures += [{**f, "cell": index} for f in page.evaluate(FIGURES, index)]
    return figures


@pytest.mark.slow
@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_run_all_draws_every_widget_with_no_error(browser: Any, lab: Lab, name: str) -> None:
    cells, drawn = NOTEBOOKS[name]
    page = open_notebook(browser, lab, f"notebooks/{name}")
    try:
        run_all(page, RUN_ALL_TIMEOUT_S)
        figures = check_widgets_drawn(page, name)
        assert len({f["cell"] for f in figures}) == cells, f"{name}: {figures}"
        assert len(figures) == drawn, f"{name}: {figures}"
        for figure in figures:
            assert figure["width"] >= 0.9 * figure["area"], f"{name}: not full width {figure}"
            if figure["kind"] == "plotly":
                assert all(figure["points"]), f"{name}: a trace without points {figure}"
                assert not [n for n in figure["names"] if not n or n.startswith("trace ")], figure
        assert log_console_errors(page) == [], f"{name}: errors in the log console"
    finally:
        page.screenshot(path=str(SCREENSHOTS / f"{name.removesuffix('.ipynb')}.png"))
        close_notebook(page)
