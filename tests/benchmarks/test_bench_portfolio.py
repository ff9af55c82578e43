"""`benchmarks/bench_portfolio.py` prints one `portfolio` line per instrument count, and its
plain engine, replaying the env's orders, fills exactly what the env fills."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def bench_portfolio(benchmark_module: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark_module("bench_portfolio")


def test_one_line_per_count_with_the_plain_engine_filling_the_envs_orders(
    bench_portfolio: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    # three months of daily bars: ~30 decisions after the 32-bar warm-up, each one trading
    window = ["--start", "2019-01-01", "--end", "2019-05-01"]
    bench_portfolio.main(["--counts", "1", "3", *window, "--repeats", "1", "--no-memory"])

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["instruments"] for line in lines] == [1, 3]
    for line in lines:
        assert line["figure"] == "portfolio"
        assert line["fills_match"] is True
        assert line["orders_filled"] >= line["steps"] * line["instruments"] // 2 > 0
        assert line["ratio_env_plain"] > 0
        assert line["finrl"]  # its version, or why it did not run
