"""A real browser drives the backtest playground in JupyterLab.

JupyterLab is started here on 127.0.0.1 with a token, headless Chromium (Debian's `chromium`,
installed by `make browser`, driven by `playwright` with the system browser) opens a notebook
that shows the playground, runs it, moves the `fast` slider one step with the keyboard, and
the test checks that the statistics and the equity curve drawn in the browser (the plotly
chart's data, read from the page) are those of a new Nautilus backtest with the new value,
computed here independently. The screenshot goes to
`test-artifacts/`. Skipped, saying why, only where Chromium or playwright is missing.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from nautilus_rl_lab.agents import EMACrossAgent
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.evaluation import run_backtest
from nautilus_rl_lab.nodes import TrainingNodeConfig
from tests.conftest import REPO_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "test-artifacts"
DATA = {"kind": "sample", "start": "2017-10-02", "end": "2017-10-21"}
NOTEBOOK_CELLS = [
    "from nautilus_rl_lab.data.source import DataSourceConfig\n"
    "from nautilus_rl_lab.nodes import TrainingNodeConfig\n"
    "from nautilus_rl_lab.widgets import backtest_playground\n"
    f"env = TrainingNodeConfig(data=DataSourceConfig(**{DATA!r}))",
    'playground = backtest_playground("ema_cross", env)\nplayground',
]

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="the `playwright` package is missing: pip install -e '.[dev]'"
)
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(
        f"Chromium is not installed at {CHROMIUM} and could not be installed (`make browser` "
        "installs Debian's `chromium` when run as root)",
        allow_module_level=True,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_notebook(path: Path) -> None:
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
    path.write_text(json.dumps(notebook), encoding="utf-8")


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[str]:
    """JupyterLab on 127.0.0.1 with a token over a folder holding the notebook; its URL."""
    root = tmp_path / "lab"
    root.mkdir()
    _write_notebook(root / "playground.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    log = (tmp_path / "jupyter.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
            "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
            "--ServerApp.disable_check_xsrf=False", "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, (tmp_path / "jupyter.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "JupyterLab did not start within 90 s"
                time.sleep(0.3)
        yield f"{base}/lab/tree/playground.ipynb?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _drawn_equity(page) -> list[float]:
    """The y values of the agent's equity trace as plotly.js holds them in the page."""
    return page.evaluate(
        "() => Array.from(document.querySelector('.js-plotly-plot')._fullData[0].y)"
    )


def _stats_text(page) -> str:
    return page.locator(".widget-html table").last.inner_text()


def test_moving_a_slider_in_chromium_redraws_equity_from_a_new_backtest(
    lab: str, tmp_path: Path
) -> None:
    config = TrainingNodeConfig(data=DataSourceConfig(**DATA))
    before = run_backtest(EMACrossAgent(10, 20, action=config.action), config)
    after = run_backtest(EMACrossAgent(11, 20, action=config.action), config)
    assert before.stats["final_equity"] != after.stats["final_equity"]  # the test can tell

    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1600},
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(60_000)
            page.goto(lab)
            page.wait_for_function(
                "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                " && window.jupyterapp.shell.currentWidget.sessionContext"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
            )
            page.wait_for_selector(".jp-Notebook .jp-Cell")
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.locator(".js-plotly-plot .scatterlayer path.js-line").first.wait_for()
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
            page.screenshot(path=str(ARTIFACTS / "browser_playground.png"), full_page=True)
            assert "EMACrossAgent(11, 20)" in _stats_text(page)
            assert shown not in _stats_text(page)
            assert _drawn_equity(page) == pytest.approx(list(after.equity), abs=1e-6)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "browser_playground_failure.png"), full_page=True)
            raise
        finally:
            context.close()
