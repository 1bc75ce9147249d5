"""The package's module-level imports form no cycle, and stay that way.

Imports inside functions (the lazy ones that keep TensorFlow, scikit-learn or plotly out of a
kernel that does not need them) and under ``if TYPE_CHECKING:`` do not run at import time and
are left out; everything else that runs when a module is imported (its body, class bodies,
``try`` / ``if`` blocks) counts. A cycle closed by a lazy import is a design smell this test
does not catch; a cycle at module level breaks imports depending on which module comes first.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import kepler_jupyter

PACKAGE_DIR = Path(kepler_jupyter.__file__).resolve().parent
PACKAGE = "kepler_jupyter"


def module_names(package_dir: Path, package: str) -> dict[str, Path]:
    """Every module of the package by dotted name (``pkg.sub`` for ``pkg/sub/__init__.py``)."""
    names: dict[str, Path] = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join([package, *parts])] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Import statements that run when the module is imported (not inside functions)."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append(node)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            elif isinstance(node, ast.If):
                if not _is_type_checking(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)
            elif isinstance(node, (ast.With, ast.ClassDef, ast.For, ast.While)):
                visit(node.body)

    visit(tree.body)
    return found


def import_graph(package_dir: Path, package: str) -> dict[str, set[str]]:
    """Module name -> the package's modules it imports at module level."""
    modules = module_names(package_dir, package)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in module_level_imports(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:  # relative: resolve against this module's package
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base]) if base else ".".join(anchor)
                # ``from pkg import sub`` imports the submodule; ``from mod import name`` the module
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                           for alias in node.names]
            for target in targets:
                while target and target not in modules:  # ``import a.b.c`` of a name in a.b
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as ``[a, b, ..., a]``, or ``None``."""
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        return list(error.args[1])
    return None


def test_the_cycle_finder_finds_a_cycle_and_reads_relative_and_nested_imports(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from . import b\n")
    (package / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text(
        "try:\n    from ..a import x\nexcept ImportError:\n    pass\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n"
        "def f():\n    import pkg.sub.b\n")
    graph = import_graph(package, "pkg")
    assert graph["pkg.a"] == {"pkg.sub.b"}
    assert graph["pkg.sub.b"] == {"pkg.a"}
    assert graph["pkg.sub"] == {"pkg.sub.b"}
    assert graph["pkg.c"] == set()  # TYPE_CHECKING and function-level imports do not run
    cycle = find_cycle(graph)
    assert cycle is not None and set(cycle) == {"pkg.a", "pkg.sub.b"}


def test_kepler_has_no_module_level_import_cycle():
    graph = import_graph(PACKAGE_DIR, PACKAGE)
    # the graph is the real one: the checks read models through kepler_jupyter.models
    assert "kepler_jupyter.models.keras_layers" in graph["kepler_jupyter.models.keras_graph"]
    assert "kepler_jupyter.checks.base" in graph["kepler_jupyter.checks.data"]
    cycle = find_cycle(graph)
    if cycle is not None:
        pytest.fail("module-level import cycle: " + " -> ".join(cycle)
                    + "\nmove the shared part into a module both can import (see "
                    "docs/architecture.md), rather than importing inside a function")


def test_measurements_and_model_readers_never_import_a_rule():
    """Data flows from the model readers and measurements to the rules, never back."""
    graph = import_graph(PACKAGE_DIR, PACKAGE)
    rules = {name for name in graph if name.startswith("kepler_jupyter.checks.")
             and not name.startswith("kepler_jupyter.checks.measure")
             and name != "kepler_jupyter.checks.base"}
    for name, imported in graph.items():
        if name.startswith(("kepler_jupyter.checks.measure", "kepler_jupyter.models")):
            assert not imported & rules, f"{name} imports the rules {sorted(imported & rules)}"
        if name.startswith("kepler_jupyter.models"):
            assert not any(target.startswith("kepler_jupyter.checks") for target in imported), name


def private_uses(package_dir: Path, package: str) -> list[str]:
    """``module:line name`` for each private name of another module of the package that a
    module imports (``from pkg.mod import _name``) or reads off an imported module
    (``mod._name``). Dunder names are not private."""
    modules = module_names(package_dir, package)
    found = []

    def private(name: str) -> bool:
        return name.startswith("_") and not name.startswith("__")

    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        imported: dict[str, str] = {}  # local name -> module of the package
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(package):
                for alias in node.names:
                    if private(alias.name):
                        found.append(f"{name}:{node.lineno} {node.module}.{alias.name}")
                    elif f"{node.module}.{alias.name}" in modules:
                        imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith(package) and alias.asname:
                        imported[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and private(node.attr)
                    and isinstance(node.value, ast.Name) and imported.get(node.value.id, name) != name):
                found.append(f"{name}:{node.lineno} {imported[node.value.id]}.{node.attr}")
    return found


def test_the_private_use_finder_finds_imports_and_attribute_reads(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def _step():\n    pass\n\ndef step():\n    _step()\n")
    (package / "b.py").write_text("from pkg import a\nfrom pkg.a import _step, step\n"
                                  "def run():\n    a._step()\n    a.__name__\n    step()\n")
    assert private_uses(package, "pkg") == ["pkg.b:2 pkg.a._step", "pkg.b:4 pkg.a._step"]


def test_no_module_uses_another_modules_private_names():
    """A step another module needs is part of its owner's public, documented API."""
    assert private_uses(PACKAGE_DIR, PACKAGE) == []
