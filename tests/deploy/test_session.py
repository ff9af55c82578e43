"""`nautilus-rl-lab live`: config errors before connecting, a clean SIGTERM, secrets kept out of
every artefact, and a `kill -9` + restart that continues the same run store."""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from nautilus_rl_lab.mt5 import Mt5SimulatorConfig
from nautilus_rl_lab.mt5.rpyc import ServerHandle, serve
from nautilus_rl_lab.mt5.simulator import Mt5TerminalSimulator

SECRET = "s3cr3t-Pa55word-917"
LOGIN = 5_123_456
MAGIC = 31337
CLIENTS = {  # LiveNodeConfig's nested MT5 clients, as a YAML file spells them
    "data_client": {"poll_interval_secs": 0.05},
    "exec_client": {"magic": MAGIC, "poll_interval_secs": 0.05},
}
SESSION_WAIT = 90.0
LIVE_BAR = "EURUSD.MT5-1-HOUR-BID-EXTERNAL"


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
            **CLIENTS,
            "log_level": "INFO",
        },
        "monitor": {"sample_interval_secs": 0.2, "rules": {"max_drawdown": None}},
        **extra,
    }
    path = tmp_path / "live.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _env() -> dict[str, str]:
    """The environment of a `live` process: the terminal's credentials, this checkout first."""
    return {
        **os.environ,
        "NRL_MT5_LOGIN": str(LOGIN),
        "NRL_MT5_PASSWORD": SECRET,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }


def _start(config: Path, tmp_path: Path, name: str) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "nautilus_rl_lab.cli", "-v", "live", "--config", str(config)],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=_env(),
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
        capture_output=True, text=True, timeout=120, env=_env(),
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


@pytest.mark.parametrize("cause", ["metrics_port_busy", "store_not_sqlite"])
def test_a_session_that_cannot_start_names_the_cause_in_one_line(
    terminal, bundle_dir: Path, tmp_path: Path, cause: str
) -> None:
    """Not "did not start within 70s (terminal unreachable...)": the store is checked before
    anything connects (one line); a busy port only when the monitor starts (the last line,
    after Nautilus' log of the failed actor start)."""
    _, handle = terminal
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        if cause == "metrics_port_busy":
            expected = f"`metrics_port` {port} cannot be served on 127.0.0.1: "
        else:
            (tmp_path / "run").mkdir()
            (tmp_path / "run" / "run.sqlite").write_bytes(b"not a database\n" * 200)
            expected = "run.sqlite is not a SQLite run store"
        monitor = {"metrics_port": port if cause == "metrics_port_busy" else None}
        result = _run_live_once(_live_yaml(tmp_path, bundle_dir, handle.port, monitor=monitor))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr[-3000:]
    assert lines[-1].startswith("nautilus-rl-lab live: error: ") and expected in lines[-1], lines
    assert cause == "metrics_port_busy" or len(lines) == 1, result.stderr[-3000:]


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


@pytest.mark.parametrize("halt_on_critical", [True, False])
def test_an_error_while_running_flattens_raises_a_critical_alert_and_exits_1(
    terminal, bundle_dir: Path, tmp_path: Path, halt_on_critical: bool
) -> None:
    """A strategy raising mid-session: no process exit with the position open at the terminal."""
    from nautilus_rl_lab.deploy.session import LiveRunConfig, run_live
    from nautilus_rl_lab.nt.importable import ImportableStrategyConfig
    from tests.adapters.metatrader5.conftest import rpyc_node_config

    simulator, handle = terminal
    failing = ImportableStrategyConfig(
        strategy_path="tests.nodes.test_live_node:ScriptedStrategy",
        config_path="tests.nodes.test_live_node:ScriptedConfig",
        config={"bar_type": LIVE_BAR, "orders": [("BUY", 10_000)], "fail_at_bar": 1},
    )
    config = LiveRunConfig(
        run_dir=str(tmp_path / "run"),
        bundle=str(bundle_dir),
        bar_type=LIVE_BAR,
        node=rpyc_node_config(handle.port, [failing], magic=MAGIC, poll_interval_secs=0.05),
        monitor={"sample_interval_secs": 0.2, "halt_on_critical": halt_on_critical},
        on_shutdown="flatten",
    )
    environ = {"NRL_MT5_LOGIN": str(LOGIN), "NRL_MT5_PASSWORD": SECRET}
    ended = threading.Event()

    def market() -> None:  # the terminal's bars close while the session runs (main thread)
        for _ in range(60):
            if ended.wait(0.5):
                return
            simulator.advance_bars(1)

    bars = threading.Thread(target=market, daemon=True)
    bars.start()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = run_live(config, environ=environ)
    finally:
        ended.set()
        bars.join(5)
        for sig, handler in handlers.items():  # run_live installs its own in the main thread
            signal.signal(sig, handler)
    assert code == 1, "the session did not end on the strategy's error"
    assert _terminal_position(simulator) == 0, "a position was left open at the terminal"
    assert not simulator.orders_get()
    with sqlite3.connect(tmp_path / "run" / "run.sqlite") as db:
        alerts = db.execute("SELECT rule, severity, message FROM alerts").fetchall()
    assert [(rule, severity) for rule, severity, _ in alerts] == [("node_error", "critical")]
    assert "scripted failure on bar 1" in alerts[0][2]


def test_kill_9_and_restart_continue_the_same_store(
    terminal, bundle_dir: Path, tmp_path: Path
) -> None:
    """Ownership after a restart comes from the strategy's claims and the terminal (no cache
    database: 2.0 refuses one on a node with Python clients, `test_live_cache_database.py`)."""
    simulator, handle = terminal
    node = {
        "backend": {"backend": "rpyc", "host": "127.0.0.1", "port": handle.port, "timeout_s": 5.0},
        **CLIENTS,
        "log_level": "INFO",
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


class _PipedSession:
    """`live --config` in a subprocess whose output goes through a pipe (not a file, which a
    lowered RLIMIT_FSIZE would also cut), collected by a thread."""

    def __init__(self, config: Path) -> None:
        env = {
            **os.environ,
            "NRL_MT5_LOGIN": str(LOGIN),
            "NRL_MT5_PASSWORD": SECRET,
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nautilus_rl_lab.cli", "-v", "live", "--config", str(config)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True,
        )  # fmt: skip
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def log(self) -> str:
        return "".join(self.lines[-60:])

    def wait_for(self, predicate, timeout: float = SESSION_WAIT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"live exited {self.process.returncode}:\n{self.log()}")
            time.sleep(0.1)
        raise AssertionError(f"timed out:\n{self.log()}")

    def step_until_deals(self, simulator: Mt5TerminalSimulator, n_deals: int) -> None:
        for _ in range(40):
            simulator.advance_bars(1)
            time.sleep(0.4)
            if len(_deals(simulator)) >= n_deals:
                return
        raise AssertionError(f"the agent made no {n_deals} deals:\n{self.log()}")


def _store_alerts(run_dir: Path) -> int:
    path = run_dir / "alerts.jsonl"
    lines = path.read_text().splitlines() if path.is_file() else []
    return sum(json.loads(line)["rule"] == "store" for line in lines)


@pytest.mark.slow
def test_a_session_under_a_slow_webhook_a_locked_store_and_a_full_disk(
    terminal, bundle_dir: Path, tmp_path: Path, slow_webhook
) -> None:
    """The acceptance run: alerts go to a webhook answering one byte per 1.5 s, another process
    locks the store, then the store's disk is full (RLIMIT_FSIZE of the live process); trading
    goes on (`spool`), each outage raises the critical `store` alert, every fill reaches the
    store once it can write, and SIGTERM flattens and exits 0."""
    simulator, handle = terminal
    monitor = {
        "sample_interval_secs": 0.2,
        "rules": {"max_drawdown": None, "stale_feed_secs": 1.0},
        "webhook_url": slow_webhook.url,
        "on_store_failure": "spool",
        "store_timeout_secs": 0.5,
    }
    config = _live_yaml(tmp_path, bundle_dir, handle.port, monitor=monitor, on_shutdown="flatten")
    run_dir = tmp_path / "run"
    journal = run_dir / "store-journal.jsonl"
    session = _PipedSession(config)
    try:
        session.wait_for(lambda: _session_samples(run_dir, 1) > 0 and bool(slow_webhook.received))
        session.step_until_deals(simulator, 1)

        lock = sqlite3.connect(run_dir / "run.sqlite", isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            session.wait_for(lambda: _store_alerts(run_dir) == 1)
            session.step_until_deals(simulator, len(_deals(simulator)) + 1)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        session.wait_for(lambda: not journal.exists())

        size = max(p.stat().st_size for p in run_dir.glob("run.sqlite*"))
        _, hard = resource.prlimit(session.process.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(session.process.pid, resource.RLIMIT_FSIZE, (size, hard))  # disk full
        try:
            session.wait_for(lambda: _store_alerts(run_dir) == 2)
            session.step_until_deals(simulator, len(_deals(simulator)) + 1)
            assert journal.is_file(), "the rows the store refused were not spooled"
        finally:
            resource.prlimit(session.process.pid, resource.RLIMIT_FSIZE, (hard, hard))
        session.wait_for(lambda: _stored_fills(run_dir) == _deals(simulator))
    finally:
        session.process.send_signal(signal.SIGTERM)
        code = session.process.wait(60)
    session.reader.join(10)
    assert code == 0, session.log()
    assert not simulator.orders_get(), "working orders were left at the terminal"
    assert _terminal_position(simulator) == 0.0, "on_shutdown=flatten left a position"
    assert _stored_fills(run_dir) == _deals(simulator), "store and terminal deal history differ"
    with sqlite3.connect(run_dir / "run.sqlite") as db:
        states = {row[0] for row in db.execute("SELECT DISTINCT trading_state FROM samples")}
        rules = [row[0] for row in db.execute("SELECT rule FROM alerts WHERE rule='store'")]
    assert states == {"ACTIVE"}, "the spool policy must keep trading"
    assert rules == ["store", "store"]


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
