"""`nautilus-rl-lab live`: config errors before connecting, a clean SIGTERM, secrets kept out of
every artefact, and a `kill -9` + restart that continues the same run store."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from nautilus_rl_lab.mt5 import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.rpyc import ServerHandle, serve
from nautilus_rl_lab.mt5.simulator import Mt5TerminalSimulator
from tests.services import redis_server

SECRET = "s3cr3t-Pa55word-917"
LOGIN = 5_123_456
MAGIC = 31337
SESSION_WAIT = 90.0


@pytest.fixture
def terminal() -> Iterator[tuple[Mt5TerminalSimulator, ServerHandle]]:
    config = Mt5SimulatorConfig(
        bar_seconds=3600, synthetic_bars=600, warmup_bars=30, login=LOGIN, password=SECRET
    )
    simulator = Mt5TerminalSimulator(config=config)
    handle = serve(simulator, "127.0.0.1", 0)
    yield simulator, handle
    handle.stop()


def _live_yaml(tmp_path: Path, bundle: Path, port: int, **extra: object) -> Path:
    data = {
        "run_dir": str(tmp_path / "run"),
        "bundle": str(bundle),
        "instrument_id": "EURUSD.MT5",
        "bar_type": "EURUSD.MT5-1-HOUR-BID-EXTERNAL",
        "node": {
            "backend": {"backend": "rpyc", "host": "127.0.0.1", "port": port, "timeout_s": 5.0},
            "magic": MAGIC,
            "poll_interval_secs": 0.05,
            "log_level": "INFO",
        },
        "monitor": {"sample_interval_secs": 0.2, "rules": {"max_drawdown": None}},
        **extra,
    }
    path = tmp_path / "live.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _start(config: Path, tmp_path: Path, name: str) -> tuple[subprocess.Popen, Path]:
    env = {
        **os.environ,
        "NRL_MT5_LOGIN": str(LOGIN),
        "NRL_MT5_PASSWORD": SECRET,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    log = tmp_path / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "nautilus_rl_lab.cli", "-v", "live", "--config", str(config)],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=env,
    )
    return process, log


def _count(run_dir: Path, sql: str) -> int:
    path = run_dir / "run.sqlite"
    if not path.is_file():
        return 0
    with sqlite3.connect(path, timeout=10) as db:
        try:
            return int(db.execute(sql).fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def _wait(predicate, process: subprocess.Popen, log: Path, timeout: float = SESSION_WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if process.poll() is not None:
            raise AssertionError(f"live exited {process.returncode}:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    raise AssertionError(f"timed out:\n{log.read_text()[-3000:]}")


def _session_samples(run_dir: Path, session: int) -> int:
    return _count(run_dir, f"SELECT COUNT(*) FROM samples WHERE session={session}")


def _deals(simulator: Mt5TerminalSimulator) -> list[str]:
    return sorted(
        str(d.ticket) for d in simulator.history_deals_get(0, 2**31 - 1) or () if d.magic == MAGIC
    )


def _stored_fills(run_dir: Path) -> list[str]:
    with sqlite3.connect(run_dir / "run.sqlite") as db:
        return sorted(row[0] for row in db.execute("SELECT trade_id FROM fills"))


def _last_position(run_dir: Path) -> float:
    with sqlite3.connect(run_dir / "run.sqlite") as db:
        row = db.execute("SELECT position FROM samples ORDER BY id DESC LIMIT 1").fetchone()
    return float(row[0])


def _terminal_position(simulator: Mt5TerminalSimulator) -> float:
    total = 0.0
    for position in simulator.positions_get() or ():
        total += (1 if position.type == 0 else -1) * position.volume * 100_000
    return round(total, 2)


def _step_until_trades(simulator, process, log, n_deals: int, max_bars: int = 40) -> None:
    for _ in range(max_bars):
        simulator.advance_bars(1)
        time.sleep(0.4)
        if len(_deals(simulator)) >= n_deals:
            return
        if process.poll() is not None:
            break
    raise AssertionError(f"the agent made no {n_deals} deals:\n{log.read_text()[-3000:]}")


def _run_live_once(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nautilus_rl_lab.cli", "live", "--config", str(config)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )  # fmt: skip


def test_bad_config_fails_with_one_message_before_connecting(
    bundle_dir: Path, tmp_path: Path
) -> None:
    config = _live_yaml(tmp_path, bundle_dir, 1, node={"backend": {"password": "x"}})
    result = _run_live_once(config)
    assert result.returncode == 2
    assert "NRL_MT5_PASSWORD" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    mismatch = _live_yaml(tmp_path, bundle_dir, 1, bar_type="EURUSD.MT5-1-MINUTE-BID-EXTERNAL")
    result = _run_live_once(mismatch)
    assert result.returncode == 2
    assert "`aggregation`" in result.stderr
    assert not (tmp_path / "run").exists(), "something ran before the config was validated"


def test_sigterm_stops_cleanly_and_no_artefact_holds_the_secret(
    terminal, bundle_dir: Path, tmp_path: Path
) -> None:
    simulator, handle = terminal
    config = _live_yaml(tmp_path, bundle_dir, handle.port)
    process, log = _start(config, tmp_path, "live")
    run_dir = tmp_path / "run"
    try:
        _wait(lambda: _session_samples(run_dir, 1) > 0, process, log)
        _step_until_trades(simulator, process, log, 1)
        _wait(lambda: len(_stored_fills(run_dir)) >= 1, process, log)
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(60)
    assert code == 0, log.read_text()[-3000:]
    assert not simulator.orders_get(), "working orders were left at the terminal"
    assert _stored_fills(run_dir) == _deals(simulator)
    for path in [*tmp_path.rglob("*"), config]:
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), f"the secret leaked into {path}"


@pytest.fixture(
    params=[
        "terminal-only",
        "redis-cache",  # the position lists of NETTING flips repaired first (nodes.redis_repair)
    ]
)
def cache_database(request: pytest.FixtureRequest) -> Iterator[dict | None]:
    """No cache database (ownership from claims + the terminal), or Nautilus' Redis cache."""
    if request.param == "terminal-only":
        yield None
        return
    with redis_server() as (host, port):
        yield {"type": "redis", "host": host, "port": port}


def test_kill_9_and_restart_continue_the_same_store(
    terminal, bundle_dir: Path, tmp_path: Path, cache_database: dict | None
) -> None:
    simulator, handle = terminal
    node = {
        "backend": {"backend": "rpyc", "host": "127.0.0.1", "port": handle.port, "timeout_s": 5.0},
        "magic": MAGIC,
        "poll_interval_secs": 0.05,
        "log_level": "INFO",
        "cache_database": cache_database,
    }
    config = _live_yaml(tmp_path, bundle_dir, handle.port, node=node)
    run_dir = tmp_path / "run"
    process, log = _start(config, tmp_path, "first")
    try:
        _wait(lambda: _session_samples(run_dir, 1) > 0, process, log)
        _step_until_trades(simulator, process, log, 2)
        _wait(lambda: len(_stored_fills(run_dir)) >= 2, process, log)
    finally:
        process.kill()  # SIGKILL: no shutdown code runs
        process.wait(30)
    before = _stored_fills(run_dir)

    process, log = _start(config, tmp_path, "second")
    try:
        _wait(lambda: _session_samples(run_dir, 2) > 0, process, log)
        for _ in range(5):  # the agent may or may not trade again: either way nothing is lost
            simulator.advance_bars(1)
            time.sleep(0.4)
        _wait(lambda: _stored_fills(run_dir) == _deals(simulator), process, log)
        _wait(lambda: _last_position(run_dir) == _terminal_position(simulator), process, log)
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(60)
    assert code == 0, log.read_text()[-3000:]
    after = _stored_fills(run_dir)
    assert set(before) <= set(after)
    assert after == _deals(simulator), "store and terminal deal history differ"
    assert _count(run_dir, "SELECT COUNT(*) FROM sessions") == 2
    with sqlite3.connect(run_dir / "run.sqlite") as db:
        owners = {row[0] for row in db.execute("SELECT DISTINCT strategy_id FROM fills")}
    assert owners == {"AgentStrategy-000"}, "a restored fill was left EXTERNAL"


@pytest.mark.parametrize("name", ["live_simulator.yaml", "live_terminal.yaml"])
def test_example_configs_parse_and_hold_no_secret(name: str) -> None:
    from nautilus_rl_lab.deploy.session import LiveRunConfig

    path = Path(__file__).resolve().parents[2] / "configs" / name
    config = LiveRunConfig.from_file(path)
    assert config.node.backend.password is None
    assert config.monitor["metrics_port"] == 9464


@pytest.mark.parametrize("value", [0, -1.0, float("nan"), float("inf")])
def test_a_bad_max_bar_age_is_refused_naming_the_field(value: float) -> None:
    from nautilus_rl_lab.agents import RLAgentConfig
    from nautilus_rl_lab.deploy.session import LiveRunConfig
    from nautilus_rl_lab.errors import ConfigError

    with pytest.raises(ConfigError, match="`max_bar_age_secs`"):
        LiveRunConfig(run_dir="run", bundle="bundle", max_bar_age_secs=value)
    with pytest.raises(ConfigError, match="`max_bar_age_secs`"):
        RLAgentConfig(
            instrument_id="EURUSD.MT5",
            bar_type="EURUSD.MT5-1-HOUR-BID-EXTERNAL",
            max_bar_age_secs=value,
        )
