"""Imports point one way: no cycle between the package's files, nor between its top-level parts.

Every import counts, lazy ones inside functions included: a lazy import only hides a cycle
(`schemes.registry` <-> `schemes.reward` was one). A top-level part is a folder of
`nautilus_rl_lab` (`deploy`, `training`, ...) or a top-level module (`config`, `files`,
`plots`, ...). Deprecated aliases (`DEPRECATED_ALIASES`) import their new home only when a
name is read from them, so they add no edge; each must warn and return the moved object.
"""

from __future__ import annotations

import importlib

import pytest

from tests.import_graph import find_cycle, import_graph, modules

DEPRECATED_ALIASES = {
    "nautilus_rl_lab.reports.plots": ("nautilus_rl_lab.plots", "plot_equity_curves"),
    "nautilus_rl_lab.reports.research": ("nautilus_rl_lab.research.plots", "plot_walk_forward"),
}


def top_level(module: str) -> str:
    """The folder or top-level module of `nautilus_rl_lab` that `module` belongs to."""
    return ".".join(module.split(".")[:2])


def part_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The import graph between top-level parts (a part's imports of itself left out)."""
    parts: dict[str, set[str]] = {}
    for module, targets in graph.items():
        if module == "nautilus_rl_lab":
            continue  # the package's own __init__ re-exports from the parts above it
        own = top_level(module)
        parts.setdefault(own, set()).update(
            t for t in map(top_level, targets) if t not in (own, "nautilus_rl_lab")
        )
    return parts


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(lazy=True)


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_lazy_imports_count() -> None:
    lazy, module_level = import_graph(lazy=True), import_graph(lazy=False)
    # TrainingNode.render imports its figures when called
    assert "nautilus_rl_lab.plots" in lazy["nautilus_rl_lab.nodes.training"]
    assert "nautilus_rl_lab.plots" not in module_level["nautilus_rl_lab.nodes.training"]


def test_parts_are_folders_and_top_level_modules(graph: dict[str, set[str]]) -> None:
    parts = part_graph(graph)
    assert {"nautilus_rl_lab.deploy", "nautilus_rl_lab.training", "nautilus_rl_lab.config"} <= set(
        parts
    )
    assert "nautilus_rl_lab.agents" in parts["nautilus_rl_lab.evaluation"]
    # a cycle between parts is found even when no two files form one
    files = {"p.a.x": {"p.b.y"}, "p.b.y": set(), "p.b.z": {"p.a.w"}, "p.a.w": set()}
    assert find_cycle(part_graph(files)) == ["p.a", "p.b", "p.a"]


def test_no_import_cycle_between_files(graph: dict[str, set[str]]) -> None:
    assert find_cycle(graph) is None


def test_no_import_cycle_between_top_level_parts(graph: dict[str, set[str]]) -> None:
    assert find_cycle(part_graph(graph)) is None


def test_nothing_in_the_package_imports_a_deprecated_alias(graph: dict[str, set[str]]) -> None:
    users = {m: sorted(t & set(DEPRECATED_ALIASES)) for m, t in graph.items()}
    assert {m: t for m, t in users.items() if t} == {}
    assert set(DEPRECATED_ALIASES) <= set(modules())


@pytest.mark.parametrize("alias", sorted(DEPRECATED_ALIASES))
def test_a_deprecated_alias_warns_and_returns_the_moved_name(alias: str) -> None:
    new, name = DEPRECATED_ALIASES[alias]
    old_module = importlib.import_module(alias)
    with pytest.warns(DeprecationWarning, match=f"moved to {new}.{name}"):
        moved = getattr(old_module, name)
    assert moved is getattr(importlib.import_module(new), name)
    with pytest.raises(AttributeError, match="no attribute"):
        old_module.not_a_name  # noqa: B018
