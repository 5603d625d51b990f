"""The package's shape as rules (docs/architecture.md): which folder may import which, where
the heavy libraries may be imported, and no import cycles, counting imports inside functions."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "mlgit"

LEAVES = {"errors", "paths", "hashing", "fileio", "parallel", "progress", "pointer", "yamlio"}
CONTEXT = {"repo", "config", "lock"}

# what each layer may import besides itself; nothing imports cli
MAY_IMPORT: dict[str, set[str]] = {
    "leaf": {"leaf"},
    "storage": {"leaf", "storage"},
    "git": {"leaf", "git"},
    "context": {"leaf", "storage", "git", "context"},
    "workspace": {"leaf", "storage", "git", "context", "workspace"},
    "remote": {"leaf", "storage", "git", "context", "remote"},
    "pipeline": {"leaf", "storage", "git", "context", "workspace", "pipeline"},
    "commands": {"leaf", "storage", "git", "context", "workspace", "remote", "pipeline",
                 "commands"},
    "cli": {"leaf", "storage", "git", "context", "workspace", "remote", "pipeline", "commands",
            "cli"},
}

# third-party libraries that only one layer may import (each costs 65-130 ms to import)
OWNED_LIBRARIES = {
    "typer": "cli", "click": "cli", "tqdm": "cli",
    "pygit2": "git", "dulwich": "git",
    "fsspec": "remote", "gcsfs": "remote", "s3fs": "remote", "sshfs": "remote",
}


def layer_of(module: str) -> str:
    parts = module.split(".")[1:]
    if not parts or parts[0] in ("__init__", "__main__"):
        return "cli"
    if len(parts) == 1 and not (PACKAGE / parts[0]).is_dir():
        if parts[0] in LEAVES:
            return "leaf"
        if parts[0] in CONTEXT:
            return "context"
        raise AssertionError(f"mlgit/{parts[0]}.py is in no layer: add it to a folder or to"
                             " LEAVES/CONTEXT in this test and docs/architecture.md")
    return parts[0]


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """Every module this file imports, at any depth (functions, TYPE_CHECKING blocks)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                if sub in known:
                    yield sub, node.lineno


def internal_graph() -> dict[str, dict[str, int]]:
    modules = all_modules()
    known = set(modules)
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges: dict[str, int] = {}
        for target, line in imports_of(path, known):
            if target in known and target != name and modules[target].name != "__init__.py":
                edges.setdefault(target, line)
        graph[name] = edges
    return graph


def layer_violations() -> list[str]:
    found = []
    for source, edges in internal_graph().items():
        here = layer_of(source)
        for target in edges:
            there = layer_of(target)
            if there not in MAY_IMPORT[here]:
                found.append(f"{source} ({here}) imports {target} ({there})")
            elif here == "commands" and there == "commands":
                found.append(f"{source} imports another verb, {target}")
    return sorted(found)


def library_violations() -> list[str]:
    found = []
    modules = all_modules()
    for name, path in modules.items():
        for target, line in imports_of(path, set(modules)):
            owner = OWNED_LIBRARIES.get(target.split(".")[0])
            if owner is not None and layer_of(name) != owner:
                found.append(f"{name}:{line} imports {target}, which only {owner}/ may import")
    return sorted(found)


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
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


def test_every_folder_imports_only_the_layers_below_it() -> None:
    assert layer_violations() == []


def test_heavy_libraries_stay_in_their_layer() -> None:
    assert library_violations() == []


def test_there_is_no_import_cycle() -> None:
    assert cycles(internal_graph()) == []


def test_every_init_is_empty() -> None:
    inits = [p for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE]
    assert inits
    assert [str(p) for p in inits if p.read_text().strip()] == []


# --- the rules catch what they claim to catch ------------------------------------------

def test_a_cycle_through_an_import_inside_a_function_is_found(tmp_path: Path) -> None:
    first = tmp_path / "first.py"
    first.write_text("import mlgit.second\n")
    second = tmp_path / "second.py"
    second.write_text("def later() -> None:\n    from mlgit import first\n")
    known = {"mlgit.first", "mlgit.second"}
    graph = {
        "mlgit.first": dict(imports_of(first, known)),
        "mlgit.second": {t: n for t, n in imports_of(second, known) if t in known},
    }
    assert cycles(graph) == [["mlgit.first", "mlgit.second"]]


@pytest.mark.parametrize(("source", "target", "allowed"), [
    ("mlgit.storage.objects", "mlgit.workspace.scan", False),
    ("mlgit.workspace.scan", "mlgit.storage.objects", True),
    ("mlgit.remote.transfer", "mlgit.workspace.checkout", False),
    ("mlgit.commands.add", "mlgit.cli.output", False),
    ("mlgit.paths", "mlgit.repo", False),
    ("mlgit.repo", "mlgit.git.repository", True),
])
def test_layer_rule_examples(source: str, target: str, allowed: bool) -> None:
    assert (layer_of(target) in MAY_IMPORT[layer_of(source)]) is allowed
