"""The thread an engine lives in: the caller's, or a thread of its own.

NautilusTrader 2 keeps a kernel's state per thread: each new kernel makes its message bus the
thread's (`set_message_bus` in `crates/system/src/kernel.rs`, a `thread_local!` in
`crates/common/src/msgbus/mod.rs`), so an engine built later in the same thread receives an
earlier engine's bars and orders; the thread's callback dispatcher refuses to run an engine
while another one's run is paused inside a handler ("Callback work or access is still
active"); and its objects may only be touched, and should only be dropped, in the thread that
made them (another thread's access aborts the interpreter).

So an engine's owner (a `TrainingNode`) gets an `EngineHost` from `engine_host()` and makes
every call that touches the engine through `host.call(...)`: the first live owner in a thread
is called inline, at no cost and readable from its thread; a further owner in a thread that
already has a live one gets a thread of its own (`ThreadHost`: 7-16 us per call for the
hand-off on 2 busy cores), so vec envs, eval envs and many envs of one process work.
Greenlets started inside a call stay in that thread.
"""

from __future__ import annotations

import atexit
import gc
import queue
import sys
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

_T = TypeVar("_T")
# each thread's inline host in use, by thread id
_residents: dict[int, InlineHost] = {}


class EngineHost(Protocol):
    """Runs the calls that touch one engine in the thread that owns it."""

    def call(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """`fn(*args, **kwargs)` in the engine's thread; its exception is raised here."""
        ...

    def close(self, *leftovers: object) -> None:
        """Release the thread once the engine is disposed; safe twice. `leftovers` (the
        engine's objects, still referenced by the owner) are dropped in the engine's thread
        when the owner is gone (2.0 leaks an object dropped in another thread, with a warning)."""
        ...


class InlineHost:
    """Calls in the caller's thread: the engine is the thread's own."""

    def __init__(self, owner: object) -> None:
        self.closed = False
        self.owner = weakref.ref(owner)
        self._thread = threading.get_ident()

    def call(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """`fn(*args, **kwargs)`, here."""
        return fn(*args, **kwargs)

    def close(self, *leftovers: object) -> None:
        """Let the next engine built in this thread be called inline."""
        self.closed = True
        if _residents.get(self._thread) is self:
            del _residents[self._thread]


class ThreadHost:
    """Calls in a daemon thread of its own, which serves one call at a time until closed."""

    def __init__(self, name: str) -> None:
        self._requests: queue.SimpleQueue[Callable[[], Any] | None] = queue.SimpleQueue()
        self._answers: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()
        self._leftovers: tuple[object, ...] = ()
        self._owner_gone = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()
        self.closed = False

    def call(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """`fn(*args, **kwargs)` in the host's thread, waiting for it (also when interrupted:
        the next call must not read this one's answer)."""
        if self.closed:
            raise RuntimeError(f"the engine thread {self._thread.name!r} is closed")
        self._requests.put(lambda: fn(*args, **kwargs))
        try:
            ok, value = self._answers.get()
        except BaseException:
            self._answers.get()
            raise
        if not ok:
            raise value
        return value

    def close(self, *leftovers: object) -> None:
        """Serve no more calls; the thread drops `leftovers` and ends once the owner is gone."""
        if not self.closed:
            self.closed = True
            self._leftovers = leftovers
            self._requests.put(None)

    def owner_gone(self) -> None:
        """The owner was collected: end the thread (closing it first if it was not)."""
        self.close()
        self._owner_gone.set()

    def _serve(self) -> None:
        while (request := self._requests.get()) is not None:
            try:
                answer = (True, request())
            except BaseException as e:  # raised again in the calling thread
                answer = (False, e)
            self._answers.put(answer)
            del request, answer  # nothing of the call outlives it here
        if self._leftovers:
            self._owner_gone.wait()
            # the owner's references go just after its finalizer ran (in the collecting
            # thread): wait until only this thread holds the leftovers (3: the tuple, the
            # loop variable, `getrefcount`'s argument), for a second at most
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline and any(
                sys.getrefcount(leftover) > 3 for leftover in self._leftovers
            ):
                time.sleep(0.001)
            self._leftovers = ()


def engine_host(owner: object, name: str) -> EngineHost:
    """The host for `owner`'s engine: inline unless this thread already has
    a live engine owner, then a new thread called `name`. Closed with `owner` if never closed,
    so a collected owner frees the thread's inline place (garbage is collected first)."""
    if threading.get_ident() in _residents:
        gc.collect()  # an unclosed env paused mid-episode is a reference cycle: free it first
    if threading.get_ident() in _residents:
        thread = ThreadHost(name)
        weakref.finalize(owner, thread.owner_gone).atexit = False  # `close_at_exit` first
        return thread
    host = InlineHost(owner)
    _residents[threading.get_ident()] = host
    weakref.finalize(owner, host.close).atexit = False
    return host


def resident() -> object | None:
    """The live engine owner this thread calls inline, if any: while it lives, every further
    engine built in this thread runs on a thread of its own (uncollected garbage included)."""
    host = _residents.get(threading.get_ident())
    return host.owner() if host is not None else None


class _Closeable(Protocol):
    def close(self) -> None: ...


_open: weakref.WeakSet[_Closeable] = weakref.WeakSet()


def close_at_exit(owner: _Closeable) -> None:
    """Close `owner` when the interpreter exits, should it still be open and alive then:
    NautilusTrader 2 crashes the exiting interpreter (SIGSEGV) on an engine whose run is
    still paused in a handler (an env's unfinished episode)."""
    _open.add(owner)


@atexit.register
def _close_open() -> None:
    for owner in list(_open):
        owner.close()


class _Call:
    """The owner of an engine that lives for one call (`call_with_engine`)."""


def call_with_engine(name: str, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """`fn(*args, **kwargs)`, which builds, runs and disposes an engine, where that engine may
    live: here, unless this thread has a live engine owner (an env), then in
    a thread called `name` for the call; `fn`'s result must hold no Nautilus object of it."""
    owner = _Call()
    host = engine_host(owner, name)
    try:
        return host.call(fn, *args, **kwargs)
    finally:
        host.close()
        if isinstance(host, ThreadHost):
            host.owner_gone()


__all__ = [
    "EngineHost",
    "InlineHost",
    "ThreadHost",
    "call_with_engine",
    "close_at_exit",
    "engine_host",
    "resident",
]
