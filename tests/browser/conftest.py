"""One JupyterLab server and one headless Chromium for every browser test of the session.

JupyterLab runs on 127.0.0.1 with a token over a temporary folder: `notebooks/` holds copies
of the project's notebooks (so a run never writes into the repository; their `../runs` is the
temporary folder's), next to notebooks a test writes itself. Its kernels run in fast mode
(`NRL_FAST=1`) and import this checkout (`PYTHONPATH`). Chromium is Debian's (`make
browser`), driven by `playwright` with the system browser, never a downloaded one; the tests
are skipped, saying why, only where Chromium or playwright is missing. Screenshots go to
`runs/browser/` (the CI's artefacts).
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

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
SCREENSHOTS = REPO_ROOT / "runs" / "browser"
VIEWPORT = {"width": 1400, "height": 1000}

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="the `playwright` package is missing: pip install -e '.[dev]'"
)
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(
        f"Chromium is not installed at {CHROMIUM} and could not be installed (`make browser` "
        "installs Debian's `chromium` when run as root)",
        allow_module_level=True,
    )


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: its URL, token and the folder it serves."""

    base: str
    token: str
    root: Path

    def url(self, path: str) -> str:
        """The URL that opens `path` (relative to the root) alone, in a fresh workspace."""
        workspace = Path(path).stem
        return f"{self.base}/lab/workspaces/{workspace}/tree/{path}?reset&token={self.token}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab on 127.0.0.1 with a token over a temporary copy of the notebooks."""
    tmp = tmp_path_factory.mktemp("jupyterlab")
    root = tmp / "lab"
    shutil.copytree(REPO_ROOT / "notebooks", root / "notebooks")
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "NRL_FAST": "1"}
    env |= {"JUPYTER_CONFIG_DIR": str(tmp / "cfg"), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime")}
    labconfig = tmp / "cfg" / "labconfig"
    labconfig.mkdir(parents=True)
    announcements = {"@jupyterlab/apputils-extension:announcements": True}  # covers widgets
    (labconfig / "page_config.json").write_text(json.dumps({"disabledExtensions": announcements}))
    log_path = tmp / "jupyter.log"
    log = log_path.open("wb")
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
            assert server.poll() is None, log_path.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "JupyterLab did not start within 90 s"
                time.sleep(0.3)
        yield Lab(base, token, root)
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium (a persistent context); each test opens its own page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport=VIEWPORT,
        )
        try:
            yield context
        finally:
            context.close()


def open_notebook(browser: Any, lab: Lab, path: str) -> Any:
    """A new page showing notebook `path` once its kernel is connected."""
    page = browser.new_page()
    page.set_default_timeout(60_000)
    page.goto(lab.url(path))
    page.wait_for_function(
        "path => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " return w && w.context && w.context.path === path && w.sessionContext"
        " && w.sessionContext.session && w.sessionContext.session.kernel"
        " && w.content && w.content.widgets.length > 0; }",
        arg=path,
    )
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    return page


def close_notebook(page: Any) -> None:
    """Shut the notebook's kernel down (so the next notebook has the CPU) and close the page."""
    page.evaluate(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        " return w && w.sessionContext ? w.sessionContext.shutdown() : null; }"
    )
    page.close()


def run_all(page: Any, timeout_s: float) -> None:
    """Run All (as the menu does) and wait until every cell ran and the kernel is idle."""
    page.evaluate(
        "() => { window.nrlRunAll = 'running';"
        " window.jupyterapp.commands.execute('notebook:run-all-cells')"
        ".then(ok => { window.nrlRunAll = ok ? 'done' : 'failed'; },"
        " e => { window.nrlRunAll = String(e); }); }"
    )
    page.wait_for_function(
        "() => window.nrlRunAll !== 'running'"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
        timeout=timeout_s * 1000,
        polling=500,
    )
