"""DataSourceConfig: every source kind loads a validated frame; bad configs name the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from nautilus_rl_lab.data import (
    InstrumentSpec,
    bar_type_for,
    load_sample_eurusd,
    make_instrument,
    to_bars,
    write_catalog,
)
from nautilus_rl_lab.data.source import DataSourceConfig, load_frame
from nautilus_rl_lab.errors import ConfigError


def test_sample_source_cuts_a_half_open_date_range() -> None:
    frame = load_frame(DataSourceConfig(start="2017-10-01", end="2017-11-01"))
    assert frame.index.min() >= load_sample_eurusd().index[0]
    assert frame.index.min().month == 10 and frame.index.max().month == 10


def test_csv_parquet_and_catalog_sources_give_the_sample_back(
    sample_csv: Path, tmp_path: Path
) -> None:
    sample = load_sample_eurusd().iloc[:200]
    parquet = tmp_path / "bars.parquet"
    sample.to_parquet(parquet)
    instrument = make_instrument(InstrumentSpec())
    bar_type = bar_type_for(instrument.id)
    write_catalog(tmp_path / "catalog", instrument, to_bars(sample, bar_type, instrument))
    from_csv = load_frame(DataSourceConfig(kind="csv", path=str(sample_csv), end="2017-01-12"))
    from_parquet = load_frame(DataSourceConfig(kind="parquet", path=str(parquet)))
    from_catalog = load_frame(
        DataSourceConfig(kind="catalog", path=str(tmp_path / "catalog"), bar_type=str(bar_type))
    )
    assert from_parquet.equals(sample)
    assert from_catalog.index.equals(sample.index)
    assert (from_catalog["close"] - sample["close"]).abs().max() < 1e-9
    assert from_csv.iloc[:10].equals(sample.iloc[:10])


def test_synthetic_source_is_seeded() -> None:
    config = DataSourceConfig(
        kind="synthetic", generator="ornstein_uhlenbeck", params={"n_bars": 300, "seed": 3}
    )
    assert load_frame(config).equals(load_frame(config))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "ftp"}, "`data.kind`"),
        ({"kind": "csv"}, "`data.path`"),
        ({"kind": "catalog", "path": "x"}, "`data.bar_type`"),
        ({"kind": "synthetic", "generator": "nope"}, "`data.generator`"),
        ({"spread": -1.0}, "`data.spread`"),
    ],
)
def test_bad_source_config_names_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        DataSourceConfig(**kwargs)


def test_empty_date_range_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="leave no bars"):
        load_frame(DataSourceConfig(start="2030-01-01"))
