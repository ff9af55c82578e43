"""MT5 history into a Nautilus `ParquetDataCatalog`, through any backend, resumable.

`download_bars(client, catalog, symbols, timeframe, start, end)` asks the terminal
(`copy_rates_range`, dates in server time via `ServerTime`) for each symbol's bars, turns
them into Nautilus bars stamped at their UTC close (`parsing.rates_to_bars`) and writes the
instrument (from `symbol_info`) and the bars to the catalog, so a node trains on the
broker's own history (``DataSourceConfig(kind="catalog", bar_type=...)``). Bars already in
the catalog are skipped: a second call only adds what is newer than its last bar.

Command line: ``nautilus-rl-lab mt5 download --symbols EURUSD --timeframe H1 --from
2024-01-01 --to 2024-06-30 --catalog catalog`` (`add_download_arguments`, `run_download`;
the RPyC backend by default, with a progress bar).
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from nautilus_rl_lab.adapters.metatrader5.parsing import (
    rates_to_bars,
    symbol_info_to_instrument,
    timeframe_to_bar_spec,
)
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.backends import Mt5BackendConfig, create_client, initialize_from_config
from nautilus_rl_lab.mt5.protocol import Mt5Client, RemoteMt5Client, require_success
from nautilus_rl_lab.mt5.rpyc.codec import DEFAULT_HOST, DEFAULT_PORT
from nautilus_rl_lab.mt5.server_time import ServerTime, as_server_time
from nautilus_rl_lab.nt.catalog import query_bars, write_data
from nautilus_rl_lab.nt.model import AggregationSource, BarType
from nautilus_rl_lab.nt.persistence import ParquetDataCatalog
from nautilus_rl_lab.validation import check_folder

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DownloadResult:
    """What one symbol's download did."""

    bar_type: str
    written: int
    already_present: int


def _utc_s(value: datetime | str | pd.Timestamp, field: str) -> int:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"`{field}` must be a date or time, was {value!r}") from exc
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int(stamp.value // 1_000_000_000)


def download_bars(
    client: Mt5Client,
    catalog_path: str | os.PathLike[str],
    symbols: Sequence[str],
    timeframe: int,
    start: datetime | str | pd.Timestamp,
    end: datetime | str | pd.Timestamp,
    *,
    server_time: ServerTime | int = 0,
    progress: bool = False,
) -> list[DownloadResult]:
    """Download the bars opened in ``[start, end]`` (UTC) of `symbols` into the catalog.

    `client` must be initialised. Raises `Mt5Error` (with `last_error()`) when the terminal
    refuses a call, `ConfigError` for bad arguments.
    """
    if not symbols:
        raise ConfigError("`symbols` must name at least one symbol, e.g. ['EURUSD']")
    try:
        timeframe_secs = mt5c.timeframe_seconds(timeframe)
    except ValueError as exc:
        raise ConfigError(f"`timeframe`: {exc}") from None
    start_s, end_s = _utc_s(start, "start"), _utc_s(end, "end")
    if end_s < start_s:
        raise ConfigError(f"`end` ({end}) is before `start` ({start})")
    clock = as_server_time(server_time)
    Path(catalog_path).mkdir(parents=True, exist_ok=True)
    catalog = ParquetDataCatalog(str(catalog_path))
    results = []
    for symbol in tqdm(symbols, desc="MT5 download", unit="symbol", disable=not progress):
        require_success(client, client.symbol_select(symbol, True), f"symbol_select({symbol!r})")
        info = require_success(client, client.symbol_info(symbol), f"symbol_info({symbol!r})")
        instrument = symbol_info_to_instrument(info, ts_init=0)
        bar_type = BarType(
            instrument.id, timeframe_to_bar_spec(timeframe), AggregationSource.EXTERNAL
        )
        present = query_bars(catalog, [str(bar_type)])
        last_close_ns = max((b.ts_event for b in present), default=None)
        first_open_s = start_s
        if last_close_ns is not None:  # resume after the last bar already stored
            first_open_s = max(start_s, last_close_ns // 1_000_000_000)
        rates = require_success(
            client,
            client.copy_rates_range(
                symbol, timeframe, clock.server_s(first_open_s), clock.server_s(end_s)
            ),
            f"copy_rates_range({symbol!r})",
        )
        bars = rates_to_bars(rates, bar_type, instrument, 0, clock, timeframe_secs)
        new = [b for b in bars if last_close_ns is None or b.ts_event > last_close_ns]
        write_data(catalog, [instrument])
        if new:
            write_data(catalog, new)
        logger.info("%s: %d bars written, %d already present", bar_type, len(new), len(present))
        results.append(DownloadResult(str(bar_type), len(new), len(present)))
    return results


# --- command line: ``nautilus-rl-lab mt5 download`` -----------------------------------------


def add_download_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``mt5 download`` options to `parser`."""
    parser.add_argument("--symbols", required=True, help="comma-separated, e.g. EURUSD,USDJPY")
    parser.add_argument("--timeframe", default="H1", help="MT5 timeframe name: M1 ... H1 ... W1")
    parser.add_argument("--from", dest="start", required=True, help="first bar (UTC date)")
    parser.add_argument("--to", dest="end", required=True, help="last bar (UTC date)")
    parser.add_argument("--catalog", required=True, help="ParquetDataCatalog directory")
    parser.add_argument("--backend", default="rpyc", help="rpyc (default), native or simulator")
    parser.add_argument("--host", default=DEFAULT_HOST, help="RPyC bridge host")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="RPyC bridge port")
    parser.add_argument("--server-offset", type=int, default=0, help="server clock - UTC, s")
    parser.add_argument("--server-timezone", help="server clock time zone, e.g. Europe/Athens")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def run_download(args: argparse.Namespace) -> int:
    """Run ``mt5 download``: print one line per symbol; return the exit code."""
    name = f"TIMEFRAME_{args.timeframe.upper()}"
    timeframe = getattr(mt5c, name, None)
    if not isinstance(timeframe, int):
        raise ConfigError(f"`--timeframe` {args.timeframe!r} is not an MT5 timeframe (e.g. H1)")
    check_folder("--catalog", args.catalog)
    backend = Mt5BackendConfig(backend=args.backend, host=args.host, port=args.port)
    client = create_client(backend)
    require_success(client, initialize_from_config(client, backend), "initialize")
    try:
        results = download_bars(
            client,
            args.catalog,
            [s.strip() for s in args.symbols.split(",") if s.strip()],
            timeframe,
            args.start,
            args.end,
            server_time=ServerTime(args.server_offset, args.server_timezone),
            progress=not args.no_progress,
        )
    finally:
        client.shutdown()
        if isinstance(client, RemoteMt5Client):
            client.close()
    for result in results:
        print(
            f"{result.bar_type}: {result.written} bars written, "
            f"{result.already_present} already in {args.catalog}"
        )
    return 0
