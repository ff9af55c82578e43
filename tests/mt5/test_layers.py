"""The MT5 code is layered: imports point one way, without cycles, and parsing stays light.

The import graph is read with `ast` from every module of `nautilus_rl_lab` (module-level
imports, including those under ``if TYPE_CHECKING:`` / ``try:``; imports inside functions
are deliberate lazy imports and are left out). An edge goes to the module named, or for
``from package import name`` to the submodule ``package.name`` when it exists.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import nautilus_rl_lab
from tests.conftest import run_python

ROOT = Path(nautilus_rl_lab.__file__).parent

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


def _modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for statement in tree.body:
        if isinstance(statement, ast.If | ast.Try):
            found += [n for n in ast.walk(statement) if isinstance(n, ast.Import | ast.ImportFrom)]
        elif isinstance(statement, ast.Import | ast.ImportFrom):
            found.append(statement)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports at module level."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _module_level_imports(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
                continue
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in modules else base)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle (``[a, b, ..., a]``) or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def _in(module: str, prefixes: tuple[str, ...] | str) -> bool:
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    return any(module == p or module.startswith(f"{p}.") for p in prefixes)


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_package() -> None:
    assert find_cycle(import_graph()) is None


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


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
    assert graph[f"{ADAPTER}.core"] == set()


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
