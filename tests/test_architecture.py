"""The package's shape: one-way imports, private state kept private, small modules, a true map.

These read the source with :mod:`ast` (nothing is imported), so they are fast and see every
import, including ``TYPE_CHECKING``-only and function-level ones.
"""

from __future__ import annotations

import ast
import re
import statistics
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGES = ("klaster", "klaster_sectors")
MAX_LINES = 400
MAX_MEDIAN = 200
# Private attributes of the standard library that are its documented API.
STDLIB_PRIVATE = frozenset({"_getframe", "_value_", "_missing_", "_name_", "_replace", "_fields"})


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[0] not in PACKAGES:
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


@cache
def tree(name: str) -> ast.Module:
    return ast.parse(modules()[name].read_text(encoding="utf-8"))


def imports(name: str) -> Iterator[tuple[str, str | None]]:
    """(module, imported name or None) for every klaster import anywhere in a module."""
    for node in ast.walk(tree(name)):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in PACKAGES:
                for alias in node.names:
                    yield node.module, alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:
                    yield alias.name, None


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name in known:
        for module, imported in imports(name):
            if imported is not None and f"{module}.{imported}" in known:
                edges[name].add(f"{module}.{imported}")  # a submodule
            elif module in known:
                edges[name].add(module)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def own_private_attributes(module: ast.Module) -> set[str]:
    """The private attributes a module defines: ``self._x =``, class-body names, methods."""
    own = set()
    for node in ast.walk(module):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls", "member")
        ):
            own.add(node.attr)
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    own.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    own.add(item.target.id)
                elif isinstance(item, ast.Assign):
                    own.update(t.id for t in item.targets if isinstance(t, ast.Name))
    return own


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


class TestImports:
    def test_the_graph_sees_every_package(self) -> None:
        edges = graph()
        assert "klaster.model.cluster" in edges
        assert "klaster.model.member" in edges["klaster.model.cluster"]

    def test_the_cycle_finder_finds_a_cycle(self) -> None:
        assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]

    def test_no_import_cycles(self) -> None:
        assert cycles(graph()) == []

    def test_no_private_name_is_imported_from_another_module(self) -> None:
        known = modules()
        found = [
            f"{name} imports {imported} from {module}"
            for name in known
            for module, imported in imports(name)
            if imported is not None
            and is_private(imported)
            and f"{module}.{imported}" not in known  # a private module of its own package
        ]
        assert found == []

    def test_no_module_reads_another_class_private_state(self) -> None:
        found = []
        for name in modules():
            own = own_private_attributes(tree(name)) | STDLIB_PRIVATE
            for node in ast.walk(tree(name)):
                if (
                    isinstance(node, ast.Attribute)
                    and is_private(node.attr)
                    and node.attr not in own
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
                ):
                    found.append(f"{name}: {ast.unparse(node)}")
        assert found == []


class TestSizes:
    def test_no_module_is_over_the_limit(self) -> None:
        sizes = {n: p.read_text(encoding="utf-8").count("\n") for n, p in modules().items()}
        assert {n: lines for n, lines in sizes.items() if lines > MAX_LINES} == {}

    def test_median_module_is_small(self) -> None:
        sizes = [p.read_text(encoding="utf-8").count("\n") for p in modules().values()]
        assert statistics.median(sizes) < MAX_MEDIAN


def public_modules() -> list[str]:
    return sorted(
        name
        for name in modules()
        if name.startswith("klaster.") and not any(is_private(p) for p in name.split("."))
    )


class TestArchitecturePage:
    @pytest.mark.parametrize("name", public_modules())
    def test_every_public_module_is_on_the_map(self, name: str) -> None:
        page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
        parts = name.split(".")[1:]
        if modules()[name].name == "__init__.py":
            assert "/".join(parts) + "/" in page, name
        else:
            parent, leaf = "/".join(parts[:-1]), parts[-1]
            assert (f"{parent}/" if parent else "klaster/") in page, name
            assert f"{leaf}.py" in page, name

    def test_no_module_on_the_map_is_gone(self) -> None:
        page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
        named = re.findall(r"`((?:klaster/)?[a-z_]+(?:/[a-z_]+)*\.py)`", page)
        paths = {str(p.relative_to(SRC / "klaster")) for p in (SRC / "klaster").rglob("*.py")}
        paths |= {f"klaster/{p}" for p in paths}
        missing = [
            n
            for n in named
            if not n.startswith("tests/")
            and n not in paths
            and not any(p.endswith("/" + n) for p in paths)
        ]
        assert missing == []
