"""The shape DESIGN.md draws, checked on the source so that a clone checks itself:

- apps import only downward, in DESIGN's order (core <- areas <- rollups <- orgs <- ...), at
  module level or inside a function alike;
- inside the apps, the rooms point one way too: a model never imports a service, a selector no
  service, a view no API module, a template tag no view;
- no import hidden inside a function to dodge a cycle: a function may import lazily (a heavy
  library, the app registry in `ready`), but not a module that already imports, at module
  level and through any chain, the module the function is in;
- no application module passes 800 lines.

Reads the files only (no Django, no database)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

NEEDLE = Path(__file__).resolve().parents[2]

# DESIGN.md's order; an app may import only apps of a lower number.
LAYER = {
    "core": 0,
    "areas": 1,
    "rollups": 2,
    "orgs": 3,
    "notify": 4,
    "cases": 5,
    "intel": 6,
    "center": 6,
    "volunteering": 7,
    "care": 8,
    "consult": 8,
    "supervision": 9,
    "operations": 10,
    "demo": 11,
}

# room -> the rooms it must not import (in its own app or any other).
ROOMS_BELOW = {
    "models": {"services", "selectors", "views", "api"},
    "selectors": {"services", "views", "api"},
    "services": {"views", "api"},
    "views": {"api"},
    "templatetags": {"views", "api"},
}

MAX_LINES = 800
# Modules over MAX_LINES still waiting to be split along their seams. Remove a line once its
# module is split; the test fails when a listed module is already short, so the list cannot
# go stale.
BEING_SPLIT = {}


@dataclass(frozen=True)
class Import:
    target: str  # dotted module name, e.g. "needle.cases.services"
    line: int
    nested: bool  # inside a function (runs when called, not when the module loads)


def _app_modules() -> dict[str, Path]:
    """Dotted name -> file, for the apps' own code (tests and migrations left out)."""
    modules = {}
    for path in sorted(NEEDLE.rglob("*.py")):
        rel = path.relative_to(NEEDLE)
        if rel.parts[0] not in LAYER or "tests" in rel.parts or "migrations" in rel.parts:
            continue
        parts = ["needle", *rel.with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _ours(module: str | None) -> bool:
    return module is not None and (module == "needle" or module.startswith("needle."))


def _imports(tree: ast.AST, known: set[str]) -> Iterator[Import]:
    """Every `needle.*` import the module runs, with whether it sits inside a function.
    `from needle.x import y` counts as importing needle.x.y when that is a module."""

    def visit(node: ast.AST, nested: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue  # never runs
            inner = nested or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("needle."):
                        yield Import(alias.name, child.lineno, nested)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and _ours(child.module):
                for alias in child.names:
                    sub = f"{child.module}.{alias.name}"
                    yield Import(sub if sub in known else str(child.module), child.lineno, nested)
            yield from visit(child, inner)

    yield from visit(tree, False)


def _app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYER else None


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 else None


def _survey() -> tuple[dict[str, Path], dict[str, list[Import]]]:
    modules = _app_modules()
    known = set(modules)
    found = {
        name: list(_imports(ast.parse(path.read_text(encoding="utf-8")), known))
        for name, path in modules.items()
    }
    return modules, found


def _where(modules: dict[str, Path], name: str, imp: Import) -> str:
    return f"{modules[name].relative_to(NEEDLE)}:{imp.line} imports {imp.target}"


def test_apps_import_only_downward():
    modules, found = _survey()
    wrong = {
        _where(modules, name, imp)
        for name, imports in found.items()
        for imp in imports
        if (app := _app(name)) is not None
        and (other := _app(imp.target)) is not None
        and other != app
        and LAYER[other] >= LAYER[app]
    }
    assert not wrong, "imports against DESIGN's order of apps:\n" + "\n".join(sorted(wrong))


def test_rooms_import_only_downward():
    modules, found = _survey()
    wrong = {
        _where(modules, name, imp)
        for name, imports in found.items()
        for imp in imports
        if _app(imp.target) is not None and _room(imp.target) in ROOMS_BELOW.get(_room(name) or "", set())
    }
    assert not wrong, "a room imports one above it (e.g. a selector a service):\n" + "\n".join(sorted(wrong))


def test_no_import_inside_a_function_dodges_a_cycle():
    modules, found = _survey()
    loads = {
        name: {imp.target for imp in imports if not imp.nested and imp.target in modules}
        for name, imports in found.items()
    }

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            current = todo.pop()
            if current == goal:
                return True
            if current not in seen:
                seen.add(current)
                todo.extend(loads.get(current, ()))
        return False

    hidden = {
        _where(modules, name, imp) + " (which imports it back)"
        for name, imports in found.items()
        for imp in imports
        if imp.nested and imp.target in modules and imp.target != name and reaches(imp.target, name)
    }
    assert not hidden, "imports inside functions that dodge a cycle:\n" + "\n".join(sorted(hidden))


def test_the_check_sees_imports_hidden_in_functions():
    source = "def f():\n    from needle.intel.services import case_triage\n"
    (imp,) = _imports(ast.parse(source), {"needle.intel.services"})
    assert imp == Import("needle.intel.services", 2, True)
    guarded = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from needle.cases import models\n"
    assert list(_imports(ast.parse(guarded), set())) == []


def test_no_application_module_passes_800_lines():
    modules, _ = _survey()
    lengths = {
        str(path.relative_to(NEEDLE)): path.read_text(encoding="utf-8").count("\n")
        for path in modules.values()
        if "data" not in path.relative_to(NEEDLE).parts
    }
    too_long = sorted(f"{rel} {n}" for rel, n in lengths.items() if n > MAX_LINES and rel not in BEING_SPLIT)
    assert not too_long, f"modules over {MAX_LINES} lines (split them along their seams):\n" + "\n".join(
        too_long
    )
    stale = sorted(rel for rel in BEING_SPLIT if lengths.get(rel, 0) <= MAX_LINES)
    assert not stale, "split already; take them off BEING_SPLIT:\n" + "\n".join(stale)
