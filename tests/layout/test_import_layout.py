"""The layout stays true, read from the code's own imports: each package imports only the packages below
it, no modules import each other in a circle, and the engine needs neither pandas nor Plotly."""

from __future__ import annotations

import ast
from pathlib import Path

from indexer import config

#: Each package of ours and its floor: a module may import its own package and those on lower floors.
FLOORS = {"indexer": 0, "corpus": 1, "contextual": 2, "findings": 3, "gallery": 4, "server": 4, "journeys": 5}


def module_name(path: Path) -> str:
    parts = path.relative_to(config.REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The modules of ours that `path` imports anywhere in it (top level or inside a function)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = [path for package in FLOORS for path in (config.REPO_ROOT / package).rglob("*.py")]
    known = {module_name(path) for path in paths}
    return {module_name(path): imported_modules(path, known) - {module_name(path)} for path in paths}


def test_every_package_imports_only_the_packages_below_it():
    upward = [
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        for target in targets
        if module.split(".")[0] != target.split(".")[0]
        and FLOORS[target.split(".")[0]] >= FLOORS[module.split(".")[0]]
    ]
    assert upward == []


def test_no_modules_import_each_other_in_a_circle():
    graph = import_graph()
    # A package's __init__ stands for its package: modules importing it import its parts, not a cycle.
    edges = {module: {t for t in targets if t not in FLOORS} for module, targets in graph.items()}
    cycles, state = [], {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(edges.get(module, ())):
            if state.get(target) == "open":
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_engine_imports_neither_pandas_nor_plotly():
    for path in (config.REPO_ROOT / "indexer").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n.split(".")[0] in ("pandas", "plotly") for n in names), path


def test_the_import_graph_sees_the_layout():
    graph = import_graph()
    assert "journeys.cli" in graph and "indexer.engine" in graph["journeys.cli"]
    assert "corpus.ray_pass" in graph["corpus.corpus_pass"]  # imported inside a function, still seen
