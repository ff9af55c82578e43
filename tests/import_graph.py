"""The package's import graph, read with `ast` from every module of `nautilus_rl_lab`.

An edge goes to the module named, or for ``from package import name`` to the submodule
``package.name`` when it exists. `lazy=True` counts every import statement, those inside
functions included (a lazy import hides a dependency, it does not remove it);
`lazy=False` keeps module-level imports only (including those under
``if TYPE_CHECKING:`` / ``try:``), for rules about what importing a module loads.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nautilus_rl_lab

ROOT = Path(nautilus_rl_lab.__file__).parent


def modules() -> dict[str, Path]:
    """Dotted module name -> its file, for every module of the package."""
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for statement in tree.body:
        if isinstance(statement, ast.If | ast.Try):
            found += [n for n in ast.walk(statement) if isinstance(n, ast.Import | ast.ImportFrom)]
        elif isinstance(statement, ast.Import | ast.ImportFrom):
            found.append(statement)
    return found


def _imports(tree: ast.Module, lazy: bool) -> list[ast.Import | ast.ImportFrom]:
    if not lazy:
        return _module_level_imports(tree)
    return [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]


def import_graph(*, lazy: bool) -> dict[str, set[str]]:
    """Module -> the package modules it imports (anywhere if `lazy`, else at module level)."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _imports(ast.parse(path.read_text()), lazy):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
                continue
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in known else base)
        graph[name] = {t for t in targets if t in known and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle (``[a, b, ..., a]``) or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
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
