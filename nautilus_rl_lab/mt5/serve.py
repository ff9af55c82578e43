"""The ``nautilus-rl-lab mt5-sim serve`` command: serve a terminal over the RPyC bridge.

`add_serve_arguments` + `run_serve` (also runnable as `main(argv)`, ``python -m
nautilus_rl_lab.mt5.serve``): the backend is built by `backends.create_client` — the
simulator from `--config` and the flags, or the native module — served by `rpyc.server.serve`
until Ctrl-C / SIGTERM. It prints the address it listens on; a port outside 1..65535 (0: a
free one) is a `ConfigError`.
"""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from nautilus_rl_lab.config import decode_config, read_mapping
from nautilus_rl_lab.errors import ConfigError, error_line
from nautilus_rl_lab.mt5.backends import Mt5BackendConfig, available_backends, create_client
from nautilus_rl_lab.mt5.rpyc.codec import DEFAULT_HOST, DEFAULT_PORT
from nautilus_rl_lab.mt5.rpyc.server import ServerHandle, check_port, serve
from nautilus_rl_lab.mt5.simulator.config import Mt5SimulatorConfig


def add_serve_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``mt5-sim serve`` options to `parser` (flags override `--config`)."""
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port (0: a free one)")
    parser.add_argument(
        "--backend",
        choices=[name for name in available_backends() if name != "rpyc"],
        default="simulator",
        help="serve the simulator, or the MetaTrader5 package of this (Windows) machine",
    )
    parser.add_argument("--config", type=Path, help="JSON/YAML file of Mt5SimulatorConfig fields")
    parser.add_argument("--data", help="bars to replay: a CSV/Parquet file or 'sample'")
    parser.add_argument(
        "--speed", type=float, help="replay speed-up factor (0: clock stands still)"
    )
    parser.add_argument("--symbols", help="comma-separated symbols, e.g. EURUSD,USDJPY")
    parser.add_argument("--margin-mode", choices=("netting", "hedging"))
    parser.add_argument("--balance", type=float)
    parser.add_argument("--leverage", type=int)
    parser.add_argument("--spread-points", type=int)
    parser.add_argument("--warmup-bars", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--server-offset", type=int, help="server clock offset in seconds")
    parser.add_argument(
        "--server-timezone", help="server clock time zone with DST rules, e.g. Europe/Athens"
    )
    parser.add_argument("--shift-to-now", action="store_true", default=None)
    return parser


def simulator_config_from_args(args: argparse.Namespace) -> Mt5SimulatorConfig:
    """Build the `Mt5SimulatorConfig` from `--config` and the individual flags (flags win).

    Errors are one `ConfigError` naming the file or flag: a missing/unreadable/non-mapping
    config file, a wrong type or NaN/inf, or a `data_path` that is neither a file nor 'sample'.
    """
    values: dict[str, Any] = {}
    if args.config is not None:
        values.update(read_mapping(args.config))
    overrides = {
        "data_path": args.data,
        "replay_speed": args.speed,
        "symbols": tuple(s.strip() for s in args.symbols.split(",")) if args.symbols else None,
        "margin_mode": args.margin_mode,
        "balance": args.balance,
        "leverage": args.leverage,
        "spread_points": args.spread_points,
        "warmup_bars": args.warmup_bars,
        "seed": args.seed,
        "server_offset_s": args.server_offset,
        "server_timezone": args.server_timezone,
        "shift_to_now": args.shift_to_now,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    source = "the flags" if args.config is None else f"{args.config} and the flags"
    try:
        config = decode_config(Mt5SimulatorConfig, values)
    except ConfigError as e:
        raise ConfigError(f"simulator options from {source}: {e}") from e
    if config.data_path not in (None, "sample") and not Path(config.data_path).is_file():
        raise ConfigError(
            f"`data_path` (--data) {config.data_path!r} is not a file: "
            "give a CSV/Parquet file of bars or 'sample'"
        )
    return config


def check_address(host: str, port: int) -> None:
    """Bind `host:port` once before any work, so a bad address or a busy port is one clear error."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            probe.bind(address)
    except OSError as e:  # an address that does not resolve, a busy port, no permission
        raise ConfigError(
            f"cannot listen on `--host` {host!r} `--port` {port}: {e.strerror or e}"
        ) from e


def run_serve(
    args: argparse.Namespace,
    *,
    ready: Callable[[ServerHandle], None] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Serve until interrupted (Ctrl-C / SIGTERM, or `stop` set); return the exit code.

    `ready` is called with the running server's handle (e.g. to learn the port when
    ``--port 0``). Prints the address it listens on (this is the command's output).
    """
    port = check_port(args.port)
    simulator_config = simulator_config_from_args(args) if args.backend == "simulator" else None
    check_address(args.host, port)  # all options checked before the data loads
    from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator

    client = create_client(Mt5BackendConfig(backend=args.backend, simulator=simulator_config))
    simulator = client if isinstance(client, Mt5TerminalSimulator) else None
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    handle = serve(client, args.host, args.port)
    print(f"MT5 {args.backend} serving on {handle.host}:{handle.port} (RPyC)", flush=True)
    try:
        if simulator is not None and simulator.config.replay_speed > 0:
            simulator.start_replay(simulator.config.replay_speed)
        if ready is not None:
            ready(handle)
        while not stop.wait(0.5):
            if not handle.alive:
                return 1
    except KeyboardInterrupt:
        pass
    finally:
        if simulator is not None:
            simulator.stop_replay()
        handle.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m nautilus_rl_lab.mt5.serve --port ...``."""
    parser = add_serve_arguments(
        argparse.ArgumentParser(
            prog="nautilus-rl-lab mt5-sim serve",
            description="Serve the MT5 terminal simulator (or a native terminal) over RPyC.",
        ),
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show the traceback of an error"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        return run_serve(args)
    except Exception as e:  # one line and exit status 2/1, as `nautilus-rl-lab` does
        if args.verbose:
            raise
        line, status = error_line(e)
        print(f"{parser.prog}: error: {line}", file=sys.stderr)
        return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
