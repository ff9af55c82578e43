"""Train / validation / test discipline: the date ranges of one experiment must not overlap.

A range is a `DataSourceConfig`'s half-open `[start, end)` (open-ended where `None`). Two
ranges can only leak into each other when they cut the *same* data, so ranges of different
data are never compared. Files (the bundled samples, CSV, Parquet) are the same data when their
resolved paths are equal (a symlink, a relative path) or, failing that, their bytes are (a
copy: size, then SHA-256 cached per path, size and mtime), so the S&P 500 sample's symbols
are one data set (one market: a test range of MSFT must not overlap a training range of AAPL);
a catalog's bar type is the same data when its bar files are, compared the same way; synthetic
markets when generator and parameters are; a `frame` source is always the same data as another `frame`. Files are read
only when two date ranges intersect, so disjoint ranges cost nothing. `check_disjoint` raises
`ConfigError` naming both fields and the overlap; `allow_overlap=True` is the explicit
opt-in, logged as a warning every time it is used.

`ROLES` names the three ranges' roles (train / validation / test) and the `TrainConfig` field
each lives in; reports carry the role of the range they were computed on. `narrow` cuts a range
further and refuses bounds outside it, so a narrowed range still has the role it claims.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
from collections.abc import Mapping
from pathlib import Path

import msgspec
import pandas as pd

from nautilus_rl_lab.data.catalog import bar_files
from nautilus_rl_lab.data.loaders import SAMPLE_FILES, sample_path
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.data.wrangling import parse_bar_type
from nautilus_rl_lab.errors import ConfigError

log = logging.getLogger(__name__)

ROLES = {"train": "env.data", "validation": "eval_data", "test": "test_data"}
"""Each role's `TrainConfig` field: `train` fits, `validation` selects, `test` is reported."""


def check_role(role: str) -> str:
    """`role` if it is one of `ROLES`, else a `ConfigError` naming the valid ones."""
    if role not in ROLES:
        raise ConfigError(f"range role {role!r} is unknown: use one of {list(ROLES)}")
    return role


def _bound(value: str | None, default: float) -> float:
    if value is None:
        return default
    try:
        ts = pd.Timestamp(value)
    except ValueError as e:
        raise ConfigError(f"`start`/`end` {value!r} is not a date: use e.g. '2017-10-01'") from e
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return float(ts.value)


def _source(config: DataSourceConfig) -> tuple[object, ...]:
    """What identifies generated or in-memory data, whatever slice of it is taken."""
    params = tuple(sorted((k, repr(v)) for k, v in config.params.items()))
    return (config.kind, config.generator, params)


def _stored(config: DataSourceConfig) -> tuple[str, list[Path]]:
    """Where stored data live: the kind of store (files, or a catalog's bar type) and its
    files, resolved (links and relative paths resolve to the same file)."""
    if config.kind == "sample":
        try:
            return "file", [sample_path(config.sample_name).resolve()]
        except FileNotFoundError:  # loading will say so; two samples are still the same data
            return "file", [Path(SAMPLE_FILES[config.sample_name])]
    path = Path(str(config.path)).expanduser().resolve()
    if config.kind != "catalog":
        return "file", [path]
    bar_type = str(parse_bar_type(str(config.bar_type), "data.bar_type"))
    return f"catalog bars {bar_type}", bar_files(path, bar_type) or [path]


@functools.lru_cache(maxsize=256)
def _digest(path: Path, size: int, mtime_ns: int) -> str:
    """SHA-256 of a file (the size and mtime key the cache, so an edited file is hashed anew)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fingerprint(files: list[Path], *, digest: bool) -> list[tuple[object, ...]]:
    """The files' contents in a fixed order: size, and SHA-256 with `digest` (a missing file
    by its path); sizes alone tell most different files apart without reading them."""
    found: list[tuple[object, ...]] = []
    for file in files:
        if not file.is_file():
            found.append(("missing", str(file)))
            continue
        stat = file.stat()
        content = _digest(file, stat.st_size, stat.st_mtime_ns) if digest else ""
        found.append(("file", stat.st_size, content))
    return sorted(found, key=repr)


def same_data(a: DataSourceConfig, b: DataSourceConfig) -> bool:
    """Whether `a` and `b` cut the same data (whatever their date ranges)."""
    stored = ("sample", "csv", "parquet", "catalog")
    if a.kind not in stored or b.kind not in stored:
        return _source(a) == _source(b)
    (store_a, files_a), (store_b, files_b) = _stored(a), _stored(b)
    if store_a != store_b:
        return False
    return files_a == files_b or all(
        _fingerprint(files_a, digest=digest) == _fingerprint(files_b, digest=digest)
        for digest in (False, True)
    )


def date_range(config: DataSourceConfig) -> tuple[float, float]:
    """`[start, end)` of `config` in UTC nanoseconds (infinite where open-ended)."""
    return _bound(config.start, -math.inf), _bound(config.end, math.inf)


def overlap(a: DataSourceConfig, b: DataSourceConfig) -> bool:
    """Whether `a` and `b` share any bar: intersecting date ranges of the same data."""
    (a0, a1), (b0, b1) = date_range(a), date_range(b)
    return max(a0, b0) < min(a1, b1) and same_data(a, b)


def check_disjoint(
    ranges: Mapping[str, DataSourceConfig | None], *, allow_overlap: bool = False
) -> None:
    """Raise `ConfigError` if two of the named ranges overlap (`None` entries are skipped)."""
    named = [(name, config) for name, config in ranges.items() if config is not None]
    for i, (name_a, a) in enumerate(named):
        for name_b, b in named[i + 1 :]:
            if not overlap(a, b):
                continue
            message = (
                f"`{name_a}` ({a.start} .. {a.end}) and `{name_b}` ({b.start} .. {b.end}) "
                f"overlap on the same data"
            )
            if not allow_overlap:
                raise ConfigError(
                    f"{message}: give them disjoint `start`/`end` ranges (or set "
                    f"`allow_overlap: true` to accept a biased estimate)",
                )
            log.warning("%s; allowed by `allow_overlap`: the estimate is biased", message)


def narrow(
    config: DataSourceConfig, role: str, start: str | None = None, end: str | None = None
) -> DataSourceConfig:
    """`config` cut to `[start, end)` (`None` keeps its bound); bounds outside it are refused."""
    narrowed = msgspec.structs.replace(config, start=start or config.start, end=end or config.end)
    (lo, hi), (new_lo, new_hi) = date_range(config), date_range(narrowed)
    if new_lo < lo or new_hi > hi:
        raise ConfigError(
            f"`start`/`end` ({narrowed.start} .. {narrowed.end}) reach outside the {role} range "
            f"`{ROLES[role]}` ({config.start} .. {config.end}): narrow within it, or choose "
            f"another range",
        )
    return narrowed
