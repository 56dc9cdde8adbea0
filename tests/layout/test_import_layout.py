"""The layout stays true, read from the code's own imports: one import name of our own (`journeys`), each
package importing only the packages below it, no modules importing each other in a circle, and an engine
that needs neither pandas nor Plotly; the wheel installs `journeys` alone."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

from journeys.indexer.settings import REPO_ROOT

#: Each folder of ours and its floor: a module may import its own package and those on lower floors.
#: Installed, folder F is the package journeys.F, and journeys/ is the package `journeys` itself.
FLOORS = {"indexer": 0, "corpus": 1, "contextual": 2, "findings": 3, "gallery": 4, "server": 4, "journeys": 5}


def module_name(path: Path) -> str:
    """The installed name of a module file: indexer/engine.py is journeys.indexer.engine."""
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts if parts[0] == "journeys" else ["journeys", *parts])


def folder_of(module: str) -> str:
    """The folder (and floor) a module of ours belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FLOORS else "journeys"


def imports_in(path: Path) -> list[str]:
    """Every module name `path` imports, at the top or inside a function (for `from M import x`, M.x)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return names


def our_paths() -> list[Path]:
    return [path for folder in FLOORS for path in (REPO_ROOT / folder).rglob("*.py")]


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of ours it imports."""
    known = {module_name(path) for path in our_paths()}
    graph = {}
    for path in our_paths():
        found = set()
        for name in imports_in(path):
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
        graph[module_name(path)] = found - {module_name(path)}
    return graph


def test_every_import_of_ours_goes_through_the_journeys_name():
    bare = [
        f"{path.relative_to(REPO_ROOT)} imports {name}"
        for path in our_paths()
        for name in imports_in(path)
        if name.split(".")[0] in FLOORS and name.split(".")[0] != "journeys"
    ]
    assert bare == []


def test_every_package_imports_only_the_packages_below_it():
    upward = [
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        for target in targets
        if folder_of(module) != folder_of(target) and FLOORS[folder_of(target)] >= FLOORS[folder_of(module)]
    ]
    assert upward == []


def test_no_modules_import_each_other_in_a_circle():
    packages = {"journeys", *(f"journeys.{folder}" for folder in FLOORS)}
    # A package's __init__ stands for its package: importing it is importing its parts, not a cycle.
    edges = {module: targets - packages for module, targets in import_graph().items()}
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
    for path in (REPO_ROOT / "indexer").rglob("*.py"):
        assert not [name for name in imports_in(path) if name.split(".")[0] in ("pandas", "plotly")], path


def test_the_import_graph_sees_the_layout():
    graph = import_graph()
    assert "journeys.indexer.engine" in graph["journeys.cli"]
    # Imported inside a function, still seen.
    assert "journeys.corpus.ray_pass" in graph["journeys.corpus.corpus_pass"]


def test_the_wheel_installs_one_top_level_name(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(REPO_ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    tops = {name for name in names if not name.endswith(".dist-info")}
    assert tops == {"journeys"}
    inside = {
        name.split("/")[1] for name in zipfile.ZipFile(wheel).namelist() if name.startswith("journeys/")
    }
    assert {"indexer", "corpus", "contextual", "findings", "gallery", "server", "cli.py"} <= inside
