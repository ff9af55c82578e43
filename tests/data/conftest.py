"""Fixtures for the data-layer tests: the bundled sample, its instrument and CSV writers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from nautilus_rl_lab.data import InstrumentSpec, bar_type_for, load_csv, make_instrument
from nautilus_rl_lab.nt.model import BarType, Instrument


@pytest.fixture(scope="session")
def sample_df(sample_csv: Path) -> pd.DataFrame:
    return load_csv(sample_csv)


@pytest.fixture(scope="session")
def sample_lines(sample_csv: Path) -> list[str]:
    return sample_csv.read_text().splitlines()


@pytest.fixture(scope="session")
def eurusd() -> Instrument:
    return make_instrument(InstrumentSpec())


@pytest.fixture(scope="session")
def eurusd_bar_type(eurusd: Instrument) -> BarType:
    return bar_type_for(eurusd.id)


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[[list[str], str], Path]:
    """Write lines to `tmp_path/<name>` and return the path."""

    def write(lines: list[str], name: str = "bars.csv") -> Path:
        path = tmp_path / name
        path.write_text("".join(f"{line}\n" for line in lines))
        return path

    return write
