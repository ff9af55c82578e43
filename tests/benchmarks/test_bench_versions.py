"""`benchmarks/bench_versions.py`'s `make demo` figure times the demo command of the checkout it is
given, in the interpreter it runs in, and fails loudly when the demo does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def bench_versions(benchmark_module: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark_module("bench_versions")


def test_the_demo_figure_runs_the_demo_into_the_runs_folder(
    bench_versions: ModuleType, tmp_path: Path
) -> None:
    bench_versions.run_demo(REPO_ROOT, tmp_path, fast=True)

    (run_dir,) = tmp_path.iterdir()
    assert (run_dir / "report" / "tearsheet.html").is_file()


def test_a_failing_demo_raises_with_its_output(bench_versions: ModuleType, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "runs"
    not_a_folder.write_text("")

    with pytest.raises(RuntimeError, match="is a file, expected a folder"):
        bench_versions.run_demo(REPO_ROOT, not_a_folder, fast=True)
