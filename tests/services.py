"""Real servers for tests, started on 127.0.0.1 in a temporary directory and stopped afterwards."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts[-3])
    if versions:
        return versions[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@contextlib.contextmanager
def postgres_server(password: str) -> Iterator[tuple[str, int]]:
    """Start PostgreSQL (user `nrl`, database `study`, password auth) and yield `(host, port)`.

    Uses the Debian `postgresql` package's binaries; as root they run as the `postgres` user
    (PostgreSQL refuses to run as root). The data directory is removed afterwards.
    """
    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found: install Debian's `postgresql` package")
    root = Path(tempfile.mkdtemp(prefix="nrl-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", free_port()
    pwfile = root / "pw"
    pwfile.write_text(password)
    if prefix:
        shutil.chown(pwfile, "postgres", "postgres")

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "nrl", "-A", "scram-sha-256",
            f"--pwfile={pwfile}", "-N")  # fmt: skip
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"),
            "-w", "start")  # fmt: skip
        env = {**os.environ, "PGPASSWORD": password}
        subprocess.run(
            [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "nrl", "study"],
            check=True, capture_output=True, timeout=60, env=env,
        )  # fmt: skip
        yield "127.0.0.1", port
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def redis_server() -> Iterator[tuple[str, int]]:
    """Start Debian's `redis-server` on 127.0.0.1 (free port, temp dir, no persistence); yield `(host, port)`."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(
            "redis-server not found: install Debian's `redis-server` package (make services)"
        )
    root = Path(tempfile.mkdtemp(prefix="nrl-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(root),
         "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"redis-server did not listen on 127.0.0.1:{port}")
        yield "127.0.0.1", port
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
        if process.poll() is None:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)


class SlowWebhook:
    """An HTTP endpoint on 127.0.0.1 that reads each POST, then answers one byte every 1.5 s."""

    PAUSE = 1.5
    ANSWER = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.stopped = threading.Event()
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                webhook.received.append(json.loads(body))
                for byte in webhook.ANSWER:
                    if webhook.stopped.wait(webhook.PAUSE):
                        return
                    try:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    except OSError:  # the client gave up
                        return

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/alerts"

    def close(self) -> None:
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()


#: The storage password variable the Ray head's environment holds, as every node's must.
RAY_PG_PASSWORD_VARIABLE = "NRL_TEST_PG_PASSWORD"
RAY_PG_PASSWORD = "s3cret-for-ray-test"
_RAY_ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",
    # Keep 127.0.0.1: otherwise Ray swaps it for this machine's outward address.
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    # A loaded CI machine may take longer than Ray's default to start the node's agents.
    "RAY_agent_register_timeout_ms": "180000",
}


@dataclass(frozen=True)
class RayHead:
    """A running local Ray head: its GCS address and the PID of its `ray start` process."""

    address: str
    pid: int


#: Ray's `ray start` gives the node 30 s (fixed) to register; a loaded machine may need more.
RAY_START_ATTEMPTS = 3


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop the process group `process` leads (the head and everything it started)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def _start_head(num_cpus: int, root: Path) -> tuple[subprocess.Popen[bytes], int, str]:
    """`ray start --head --block` in its own process group; `(process, port, log text)`."""
    repo = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": repo, RAY_PG_PASSWORD_VARIABLE: RAY_PG_PASSWORD}
    port = free_port()
    log_file = root / "head.log"
    with log_file.open("w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "ray"), "start", "--head", "--block",
             "--node-ip-address=127.0.0.1", f"--port={port}", f"--num-cpus={num_cpus}",
             "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={root}",
             # no autoscaler nor log monitor: fewer processes to start
             "--no-monitor", "--include-log-monitor=false", f"--ray-client-server-port={free_port()}",
             f"--dashboard-agent-listen-port={free_port()}"],
            cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    while process.poll() is None and "Ray runtime started" not in log_file.read_text():
        time.sleep(0.1)
    return process, port, log_file.read_text()


@contextlib.contextmanager
def ray_head(num_cpus: int = 2) -> Iterator[RayHead]:
    """Start a Ray head on 127.0.0.1 (`ray start --head --block`); yield it; stop it by PID.

    Its workers import this checkout (`PYTHONPATH`); the driver (this process) gets the same
    Ray settings. The head runs in its own process group, which is stopped at the end. A head
    that fails to start (Ray's fixed 30 s registration limit) is stopped and started again.
    """
    os.environ.update(_RAY_ENV)  # before Ray is imported: it reads them at import time
    try:
        import ray
    except ImportError:
        pytest.skip("Ray is not installed: pip install -e '.[cluster]' (it is in the dev extras)")
    root = Path(tempfile.mkdtemp(prefix="nrl-ray-"))
    try:
        for _ in range(RAY_START_ATTEMPTS):
            process, port, log = _start_head(num_cpus, root)
            if process.poll() is None:
                break
            _stop_group(process)
        else:
            raise RuntimeError(f"the Ray head exited ({process.returncode}):\n{log[-3000:]}")
        try:
            yield RayHead(f"127.0.0.1:{port}", process.pid)
        finally:
            if ray.is_initialized():
                ray.shutdown()
            _stop_group(process)
    finally:
        shutil.rmtree(root, ignore_errors=True)
