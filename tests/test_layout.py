"""The package's layout: wings import only downward, no module imports itself round a circle."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "vgmodels"

# A module may import modules of its own rank or below, never above (DESIGN.md, Layout).
RANKS = {
    "vgmodels": 0, "device": 0, "data": 0, "profiles": 0, "provenance": 0,
    "models": 1, "optim": 1,
    "remedies": 2, "results": 2, "cli": 2,
    "training": 3, "runs": 4, "analysis": 5, "sweep": 6, "report": 7,
    "check": 8, "__main__": 8,
}  # fmt: skip


def module_name(path: Path) -> str:
    """Dotted name of a file of the package."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """Every package module `path` imports, at the top or inside a function, relative or absolute."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names
            ]
        else:
            continue
        found |= {t for t in targets if t in modules and t != name}
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports."""
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in files}
    return {module_name(p): imports_of(p, modules) for p in files}


def wing(module: str) -> str:
    """The wing (or root module) a dotted module name belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of `graph`, or None (depth-first search with colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_reader_sees_function_level_and_relative_imports(tmp_path, monkeypatch):
    pkg = tmp_path / "vgmodels"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from .sub import b\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("from vgmodels import a\nimport vgmodels.sub\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    graph = import_graph()
    assert graph["vgmodels.a"] == {"vgmodels.sub.b"}
    assert graph["vgmodels.sub.b"] == {"vgmodels.a", "vgmodels.sub"}
    assert cycle(graph) == ["vgmodels.a", "vgmodels.sub.b", "vgmodels.a"]


def test_no_module_imports_itself_round_a_circle():
    assert cycle(import_graph()) is None


def test_every_import_points_down_the_wings():
    graph = import_graph()
    unranked = {wing(m) for m in graph} - set(RANKS)
    assert not unranked, f"modules outside every wing: {sorted(unranked)}"
    upward = [
        f"{m} -> {d}" for m, deps in graph.items() for d in deps if RANKS[wing(d)] > RANKS[wing(m)]
    ]
    assert upward == []


def test_the_package_root_holds_a_handful_of_modules():
    root = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root) <= 12, root
