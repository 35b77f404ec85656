"""The package's shape, held by tests: modules stay small, project imports sit at the top
of a module (none hidden in a function), and no two modules import each other in a loop.
(The one-way layer rule itself is import-linter's contract in pyproject.toml.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted((ROOT / "sim").rglob("*.py"))
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports(path: Path) -> list[tuple[ast.stmt, str, bool]]:
    """(statement, imported module, at module level?) for each import of ``sim``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    type_only = set()
    for n in tree.body:  # `if TYPE_CHECKING:` blocks hold type-only imports
        if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test):
            type_only.update(id(s) for s in n.body)
    out = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and (
                node.module == "sim" or node.module.startswith("sim.")):
            base = node.module
            for a in node.names:  # `from sim.x import y` may import the module sim.x.y
                sub = f"{base}.{a.name}"
                name = sub if any(module_name(p) == sub for p in MODULES) else base
                out.append((node, name, id(node) in top))
        elif isinstance(node, ast.Import):
            out += [(node, a.name, id(node) in top) for a in node.names
                    if a.name == "sim" or a.name.startswith("sim.")]
        elif isinstance(node, ast.ImportFrom) and node.level:
            out.append((node, "<relative>", id(node) in top))
    return out


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_is_small(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{n} lines: split it by role (STYLE.md)"


def test_project_imports_are_absolute_and_at_the_top():
    hidden = [f"{p.relative_to(ROOT)}:{node.lineno} {name}" for p in MODULES
              for node, name, at_top in project_imports(p) if not at_top or name == "<relative>"]
    assert not hidden, "imports inside functions or relative: " + "; ".join(hidden)


def test_no_import_cycles():
    names = {module_name(p): p for p in MODULES}
    graph = {m: sorted({n for _, n, _ in project_imports(p) if n in names and n != m})
             for m, p in names.items()}
    cycles = _cycles(graph)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
    assert _cycles({"a": ["b"], "b": []}) == []
