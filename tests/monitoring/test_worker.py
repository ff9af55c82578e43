"""`IoWorker`: jobs run off the caller's thread in order; a full queue drops, counts and tells
the caller once per overflow; `close` gives up on what a stuck job leaves by its deadline."""

from __future__ import annotations

import threading

from nautilus_rl_lab.monitoring.worker import IoWorker


def test_a_full_queue_drops_counts_and_reports_once_per_overflow() -> None:
    release, done = threading.Event(), []
    overflows: list[tuple[str, int]] = []
    worker = IoWorker("sink", capacity=2, on_overflow=lambda *a: overflows.append(a))
    started = threading.Event()

    def blocked() -> None:
        started.set()
        release.wait()

    assert worker.submit(blocked)
    assert started.wait(10)
    accepted = [worker.submit(lambda i=i: done.append(i)) for i in range(5)]
    assert accepted == [True, True, False, False, False]
    assert worker.dropped == 3
    assert overflows == [("sink", 1)]
    release.set()
    assert worker.close(10.0)
    assert done == [0, 1]


def test_a_failing_job_is_logged_and_the_next_one_runs(caplog) -> None:
    done: list[int] = []
    worker = IoWorker("store")

    def broken() -> None:
        raise OSError("disk I/O error")

    worker.submit(broken)
    worker.submit(lambda: done.append(1))
    assert worker.close(10.0)
    assert done == [1]
    assert "disk I/O error" in caplog.text


def test_close_gives_up_on_a_stuck_job_at_its_deadline() -> None:
    release = threading.Event()
    worker = IoWorker("webhook")
    worker.submit(release.wait)
    worker.submit(lambda: None)
    assert not worker.close(0.2)
    release.set()
