"""Shared pytest fixtures."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import SlowWebhook

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def sample_csv(repo_root: Path) -> Path:
    return repo_root / "data" / "EURUSD_1H_2017_ASK.csv"


def run_python(code: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter; for inputs that might abort the process (SIGABRT)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO_ROOT,
        check=False,
    )


def assert_python_error(code: str, *fragments: str) -> str:
    """Assert `code` ends with a Python exception (exit 1, no signal) whose text holds `fragments`."""
    result = run_python(code)
    assert result.returncode == 1, (
        f"expected a Python exception (exit 1), got exit {result.returncode}\n{result.stderr[-2000:]}"
    )
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr[-2000:]}"
    return result.stderr


@pytest.fixture
def slow_webhook() -> Iterator[SlowWebhook]:
    webhook = SlowWebhook()
    yield webhook
    webhook.close()
