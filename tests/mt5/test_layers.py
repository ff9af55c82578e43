"""The MT5 code is layered: imports point one way, without cycles, and parsing stays light.

The layers are read from the module-level import graph (`tests.import_graph`, `lazy=False`:
what importing a module loads); that no import, lazy ones included, closes a cycle is
`tests/test_imports.py`'s rule for the whole package.
"""

from __future__ import annotations

import pytest

from tests.conftest import run_python
from tests.import_graph import import_graph

TERMINAL_API = (
    "nautilus_rl_lab.mt5.constants",
    "nautilus_rl_lab.mt5.structures",
    "nautilus_rl_lab.mt5.protocol",
    "nautilus_rl_lab.mt5.trade_request",
    "nautilus_rl_lab.mt5.server_time",
    "nautilus_rl_lab.mt5.dropin",
    "nautilus_rl_lab.mt5._lazy",
)
BACKENDS = (
    "nautilus_rl_lab.mt5.native",
    "nautilus_rl_lab.mt5.rpyc",
    "nautilus_rl_lab.mt5.simulator",
)
SELECTION = ("nautilus_rl_lab.mt5.backends", "nautilus_rl_lab.mt5.serve")
ADAPTER = "nautilus_rl_lab.adapters.metatrader5"


def _in(module: str, prefixes: tuple[str, ...] | str) -> bool:
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    return any(module == p or module.startswith(f"{p}.") for p in prefixes)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(lazy=False)


def test_the_terminal_api_imports_no_backend_and_nothing_above(graph: dict[str, set[str]]) -> None:
    for module in TERMINAL_API:
        above = [t for t in graph[module] if _in(t, (*BACKENDS, *SELECTION, ADAPTER))]
        assert not above, f"{module} imports {above}"


def test_each_backend_depends_on_the_terminal_api_only(graph: dict[str, set[str]]) -> None:
    for module in (m for m in graph if _in(m, BACKENDS)):
        own = next(b for b in BACKENDS if _in(module, b))
        others = [
            t for t in graph[module] if _in(t, (*BACKENDS, *SELECTION, ADAPTER)) and not _in(t, own)
        ]
        assert not others, f"{module} imports {others}"


def test_the_terminal_side_never_imports_the_nautilus_adapter(graph: dict[str, set[str]]) -> None:
    for module in (m for m in graph if _in(m, "nautilus_rl_lab.mt5")):
        assert not [t for t in graph[module] if _in(t, ADAPTER)], module


def test_adapter_core_holds_venue_constants_only(graph: dict[str, set[str]]) -> None:
    # Nautilus' own names (`nautilus_rl_lab.nt`, its addresses on both lines) are allowed
    assert {m for m in graph[f"{ADAPTER}.core"] if not _in(m, "nautilus_rl_lab.nt")} == set()


def test_every_mt5_module_is_in_a_layer(graph: dict[str, set[str]]) -> None:
    layered = (*TERMINAL_API, *BACKENDS, *SELECTION)
    loose = [
        m
        for m in graph
        if _in(m, "nautilus_rl_lab.mt5") and m != "nautilus_rl_lab.mt5" and not _in(m, layered)
    ]
    assert loose == []


def test_importing_the_adapters_parsing_loads_neither_rpyc_nor_the_simulator() -> None:
    result = run_python(
        "import sys\n"
        "import nautilus_rl_lab.adapters.metatrader5.parsing\n"
        "import nautilus_rl_lab.mt5\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'rpyc'\n"
        "    or m.startswith(('nautilus_rl_lab.mt5.simulator', 'nautilus_rl_lab.mt5.rpyc',\n"
        "    'nautilus_rl_lab.mt5.native', 'nautilus_rl_lab.mt5.backends')))\n"
        "print(loaded)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
