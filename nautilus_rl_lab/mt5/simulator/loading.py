"""The simulator's bars: loaded through `data.source`, completed with synthetic walks, fed as ticks.

`data_path` is read by `nautilus_rl_lab.data.source.load_frame` (the loaders every node uses:
``"sample"`` is the bundled EUR/USD hours, ``*.parquet`` a Parquet file, anything else a CSV
file), so a file the nodes refuse is refused here with the same message. Symbols without
bars get a seeded synthetic walk on the first frame's times; `shift_to_now` moves every
frame by whole weeks so the replay starts in the current week (sessions keep their weekday).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import NamedTuple

import pandas as pd

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.market import SymbolFeed, synthetic_ohlcv
from nautilus_rl_lab.mt5.simulator.symbols import DEFAULT_SYMBOL_SPECS, SymbolSpec

_WEEK_MS = 7 * 86_400_000


class LoadedBars(NamedTuple):
    """What the terminal replays: each symbol's spec and tick feed, and the clock's start."""

    specs: dict[str, SymbolSpec]
    feeds: dict[str, SymbolFeed]
    start_ms: int


def load_bars(data_path: str) -> pd.DataFrame:
    """Load bars from ``"sample"`` (bundled EUR/USD), a ``.parquet`` or a CSV file."""
    from nautilus_rl_lab.data.source import DataSourceConfig, load_frame  # keeps the drop-in light

    if data_path == "sample":
        return load_frame(DataSourceConfig(kind="sample"))
    kind = "parquet" if data_path.endswith(".parquet") else "csv"
    return load_frame(DataSourceConfig(kind=kind, path=data_path))


def load_market(
    data: pd.DataFrame | Mapping[str, pd.DataFrame] | None,
    config: Mt5SimulatorConfig,
    specs: Mapping[str, SymbolSpec] | None = None,
) -> LoadedBars:
    """The specs, feeds and start of a terminal over `data` (or `config.data_path`)."""
    if config.data_path:
        if data is not None:
            raise ConfigError(
                f"`data_path` {config.data_path!r} and `data` both give the bars: pass one"
            )
        data = load_bars(config.data_path)
    frames: dict[str, pd.DataFrame] = (
        {config.symbols[0]: data} if isinstance(data, pd.DataFrame) else dict(data or {})
    )
    symbols = list(dict.fromkeys([*config.symbols, *frames]))
    known = {**DEFAULT_SYMBOL_SPECS, **(specs or {})}
    unknown = [s for s in symbols if s not in known]
    if unknown:
        raise ConfigError(
            f"`symbols` {unknown} have no spec; pass `specs={{name: SymbolSpec(...)}}` or "
            f"use one of {sorted(known)}",
        )
    with_defaults = {
        s: known[s].with_defaults(config.spread_points, config.stops_level) for s in symbols
    }
    frames = _complete_frames(frames, symbols, with_defaults, config)
    feeds = {s: SymbolFeed.from_frame(with_defaults[s], frames[s]) for s in symbols}
    primary = feeds[symbols[0]]
    if config.warmup_bars >= len(primary.bar_times_s):
        raise ConfigError(
            f"`warmup_bars` ({config.warmup_bars}) must be smaller than the number of "
            f"bars ({len(primary.bar_times_s)})",
        )
    start_ms = int(primary.bar_times_s[config.warmup_bars]) * 1000
    if config.shift_to_now:
        weeks = (int(time.time() * 1000) - start_ms) // _WEEK_MS
        shift = pd.Timedelta(milliseconds=weeks * _WEEK_MS)
        frames = {s: f.set_axis(f.index + shift) for s, f in frames.items()}
        feeds = {s: SymbolFeed.from_frame(with_defaults[s], frames[s]) for s in symbols}
        start_ms += weeks * _WEEK_MS
    return LoadedBars(with_defaults, feeds, start_ms)


def _complete_frames(
    frames: dict[str, pd.DataFrame],
    symbols: list[str],
    specs: Mapping[str, SymbolSpec],
    config: Mt5SimulatorConfig,
) -> dict[str, pd.DataFrame]:
    """`frames` plus a seeded synthetic walk for each symbol without bars."""
    template = next(iter(frames.values()), None)
    out = dict(frames)
    for i, symbol in enumerate(symbols):
        if symbol in out:
            continue
        spec = specs[symbol]
        n_bars = len(template) if template is not None else config.synthetic_bars
        frame = synthetic_ohlcv(
            n_bars,
            bar_seconds=config.bar_seconds,
            base_price=spec.base_price,
            volatility=0.0015 if spec.calc_mode == mt5c.SYMBOL_CALC_MODE_FOREX else 0.002,
            seed=config.seed + i,
        )
        out[symbol] = frame.set_axis(template.index) if template is not None else frame
    return out
