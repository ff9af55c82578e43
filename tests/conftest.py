"""Shared pytest fixtures."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from nautilus_rl_lab.nt.model import Instrument, OrderSide
from nautilus_rl_lab.nt.threads import resident
from nautilus_rl_lab.nt.trading import Strategy
from tests.services import RayHead, SlowWebhook, ray_head

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def sample_csv(repo_root: Path) -> Path:
    return repo_root / "data" / "EURUSD_1H_2017_ASK.csv"


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    """A test module must close every env it opened (its module fixtures are torn down by now):
    an env left open keeps this thread's engine place, so every later env of the process would
    run on a thread of its own, where tests reading its engine from here would abort 2.0."""
    result = yield
    if nextitem is None or nextitem.path != item.path:
        gc.collect()  # an env only garbage holds is not left open
        if (owner := resident()) is not None:
            owner.close()  # type: ignore[attr-defined]
            raise AssertionError(f"{item.path.name} left an env open: {owner!r}; close it")
    return result


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


def trade_to_target(strategy: Strategy, instrument: Instrument, target: float) -> None:
    """Plain Nautilus market orders from the net position to `target` (the tests' reference):
    the part that closes the position goes out first, reduce-only, then the part that opens."""
    position = strategy.portfolio.net_position(instrument.id)
    delta = Decimal(str(target)) - position
    if not delta:
        return
    side = OrderSide.BUY if delta > 0 else OrderSide.SELL
    parts = [(abs(delta), False)]
    if position and (delta > 0) != (position > 0):
        close = min(abs(delta), abs(position))
        parts = [(close, True), (abs(delta) - close, False)]
    for quantity, reduce_only in parts:
        if quantity:
            order = strategy.order_factory.market(
                instrument.id, side, instrument.make_qty(quantity), reduce_only=reduce_only
            )
            strategy.submit_order(order)


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[RayHead]:
    """A real local Ray head (2 CPUs, 127.0.0.1) for the whole session."""
    with ray_head(num_cpus=2) as head:
        yield head
