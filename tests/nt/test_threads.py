"""`nt.threads`: an engine's calls run in the thread that owns it (2.0: one live engine per thread)."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from nautilus_rl_lab.nt.threads import InlineHost, ThreadHost, call_with_engine, engine_host


class Owner:
    """Stands in for an env: something that owns an engine and can be collected."""


def test_thread_host_runs_calls_in_its_own_thread_and_returns_their_values() -> None:
    host = ThreadHost("engine-test")
    try:
        ident = host.call(threading.get_ident)
        assert ident != threading.get_ident()
        assert host.call(threading.get_ident) == ident  # the same thread every call
        assert host.call(lambda a, *, b: a + b, 2, b=3) == 5
    finally:
        host.owner_gone()


def test_thread_host_raises_a_calls_exception_in_the_caller_and_serves_on() -> None:
    host = ThreadHost("engine-test")
    try:
        with pytest.raises(ZeroDivisionError):
            host.call(lambda: 1 / 0)
        assert host.call(lambda: "next") == "next"
    finally:
        host.owner_gone()


def test_closed_thread_host_refuses_calls_and_drops_leftovers_in_its_thread_when_owner_goes() -> (
    None
):
    host = ThreadHost("engine-test")
    dropped_in: list[int] = []

    class Leftover:
        def __del__(self) -> None:
            dropped_in.append(threading.get_ident())

    thread = host.call(threading.get_ident)
    leftover = Leftover()
    host.close(leftover)
    del leftover
    with pytest.raises(RuntimeError, match="closed"):
        host.call(threading.get_ident)
    assert dropped_in == []  # kept until the owner is gone
    host.close()  # twice is safe
    host.owner_gone()
    host._thread.join(timeout=10)
    assert not host._thread.is_alive()
    assert dropped_in == [thread]


def test_first_live_owner_of_a_thread_is_called_inline() -> None:
    owner = Owner()
    host = engine_host(owner, "engine-test")
    try:
        assert isinstance(host, InlineHost)
        assert host.call(threading.get_ident) == threading.get_ident()
    finally:
        host.close()


def test_a_second_live_owner_gets_its_own_thread() -> None:
    first, second = Owner(), Owner()
    first_host = engine_host(first, "engine-test")
    second_host = engine_host(second, "engine-test")
    try:
        assert isinstance(first_host, InlineHost)
        assert isinstance(second_host, ThreadHost)
        assert second_host.call(threading.get_ident) != threading.get_ident()
    finally:
        second_host.close()
        first_host.close()
    third = Owner()
    third_host = engine_host(third, "engine-test")  # the first one closed: inline again
    assert isinstance(third_host, InlineHost)
    third_host.close()


def test_a_collected_owner_frees_its_thread_and_its_inline_place() -> None:
    first = Owner()
    first_host = engine_host(first, "engine-test")
    second = Owner()
    second_host = engine_host(second, "engine-test")
    del first, second
    gc.collect()
    assert first_host.closed and second_host.closed
    if isinstance(second_host, ThreadHost):
        second_host._thread.join(timeout=10)
        assert not second_host._thread.is_alive()
    third = Owner()
    third_host = engine_host(third, "engine-test")
    assert isinstance(third_host, InlineHost)
    third_host.close()


def test_call_with_engine_runs_here_unless_a_live_owner_holds_this_thread() -> None:
    here = threading.get_ident()
    assert call_with_engine("engine-test", threading.get_ident) == here
    owner = Owner()
    host = engine_host(owner, "engine-test")
    try:
        assert call_with_engine("engine-test", threading.get_ident) != here
        with pytest.raises(ZeroDivisionError):
            call_with_engine("engine-test", lambda: 1 / 0)
    finally:
        host.close()
    assert call_with_engine("engine-test", threading.get_ident) == here


def test_an_env_left_paused_mid_episode_is_closed_at_exit_and_the_interpreter_exits_cleanly() -> (
    None
):
    # NautilusTrader 2 crashes (SIGSEGV) an exiting interpreter with a run paused in `on_bar`
    script = (
        "from nautilus_rl_lab.nodes import TrainingNode, TrainingNodeConfig\n"
        "env = TrainingNode(TrainingNodeConfig(episode_length=30))\n"
        "env.reset(seed=0)\n"
        "env.step(env.action_space.sample())\n"
        "print('stepped')\n"
    )
    for _ in range(3):  # the crash is not certain on a single exit
        done = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=Path(__file__).parents[2],  # this checkout's package
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert "stepped" in done.stdout
