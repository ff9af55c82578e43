"""`ThreadView` (NautilusTrader 2.0's live node): every use of the viewed object runs on the
thread that owns it, values come back as they are, and the view holds no reference to it."""

from __future__ import annotations

import gc
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

import pytest

from nautilus_rl_lab.nodes.live_views import ThreadView


class Owned:
    """Records the thread of each method call."""

    def __init__(self) -> None:
        self.value = 3
        self.threads: list[str] = []

    def double(self, x: int) -> int:
        self.threads.append(threading.current_thread().name)
        return 2 * x


def test_each_use_of_a_view_runs_on_the_owning_thread():
    with ThreadPoolExecutor(1, thread_name_prefix="owner") as owner:
        owned = Owned()
        view = ThreadView(lambda fn: owner.submit(fn).result(), lambda: owned)
        assert view.double(4) == 8 and view.value == 3
        view.value = 5
        assert owned.value == 5
        assert owned.threads == ["owner_0"]
        assert isinstance(view, Owned)
        with pytest.raises(AttributeError):
            view.missing  # noqa: B018


def test_a_view_holds_no_reference_to_its_object():
    with ThreadPoolExecutor(1) as owner:
        objects = [Owned()]
        view = ThreadView(lambda fn: owner.submit(fn).result(), lambda: objects[0])
        method = view.double
        alive = weakref.ref(objects[0])
        objects.clear()
        gc.collect()
        assert alive() is None
        with pytest.raises(IndexError):
            method(1)
