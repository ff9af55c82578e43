from __future__ import annotations

import threading

import pytest

from nautilus_rl_lab.widgets.debounce import Debouncer


def test_a_burst_of_calls_runs_the_action_once_with_the_last_state() -> None:
    seen: list[int] = []
    state = {"value": 0}
    debouncer = Debouncer(lambda: seen.append(state["value"]), delay=0.2)
    for value in range(1, 21):
        state["value"] = value
        debouncer()
    debouncer.wait()
    assert seen == [20]
    assert debouncer.runs == 1


def test_calls_after_a_run_get_their_own_run() -> None:
    seen: list[str] = []
    debouncer = Debouncer(lambda: seen.append(threading.current_thread().name), delay=0.01)
    debouncer()
    debouncer.wait()
    debouncer()
    debouncer.wait()
    assert len(seen) == 2 and threading.main_thread().name not in seen  # off the caller


def test_errors_go_to_on_error_and_later_runs_still_happen() -> None:
    errors: list[Exception] = []
    calls = iter([ValueError("bad"), None])

    def action() -> None:
        error = next(calls)
        if error is not None:
            raise error

    debouncer = Debouncer(action, delay=0.01, on_error=errors.append)
    debouncer()
    debouncer.wait()
    debouncer()
    debouncer.wait()
    assert [str(e) for e in errors] == ["bad"] and debouncer.runs == 2


def test_wait_without_calls_returns() -> None:
    Debouncer(lambda: pytest.fail("must not run")).wait()
