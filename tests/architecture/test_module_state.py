"""No hidden shared state (docs/architecture.md): no module of mlgit keeps mutable data at
module level that its functions change (a list one call fills and another empties, a memo of
answers about the file system), and no function is memoised for the whole process. What one
operation finds, it returns. The few exceptions below hold process-wide facts, not state."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "mlgit"

MUTATORS = {"append", "extend", "insert", "add", "update", "setdefault", "pop", "popitem",
            "remove", "discard", "clear"}
MEMOISERS = {"cache", "lru_cache"}

HARMLESS = {
    # a counter that makes temp file names unique within the process: that is its purpose
    "mlgit.fileio._temp_counter",
    # libc, loaded on first use; the same library for the life of the process
    "mlgit.fileio._LIBC",
    # the one-attempt GCS filesystem class, built on first use; always the same class
    "mlgit.remote.filesystems._GCS_CLASS",
}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def module_level_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign) else []
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def changed_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names whose value this code changes in place or rebinds from inside a function:
    NAME.append(...), NAME[k] = v, del NAME[k], next(NAME), `global NAME` (the first set);
    and the same through a module, as in scan.NAME.append(...) (the second)."""
    plain: set[str] = set()
    through_module: set[str] = set()

    def note(node: ast.expr) -> None:
        if isinstance(node, ast.Name):
            plain.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            through_module.add(node.attr)

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in MUTATORS:
                note(func.value)
            elif isinstance(func, ast.Name) and func.id == "next" and node.args:
                note(node.args[0])
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) \
                else [node.target]
            for target in targets:
                if isinstance(target, ast.Subscript):
                    note(target.value)
        elif isinstance(node, ast.Global):
            plain.update(node.names)
    return plain, through_module


def memoised_functions(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = target.attr if isinstance(target, ast.Attribute) else \
                    target.id if isinstance(target, ast.Name) else ""
                if name in MEMOISERS:
                    found.append(node.name)
    return found


def shared_state(sources: dict[str, str]) -> list[str]:
    trees = {name: ast.parse(text) for name, text in sources.items()}
    changes = {name: changed_names(tree) for name, tree in trees.items()}
    from_outside = set().union(*(qualified for _, qualified in changes.values()))
    found = []
    for name, tree in trees.items():
        changed = changes[name][0] | from_outside
        found += [f"{name}.{n}" for n in sorted(module_level_names(tree) & changed)]
        found += [f"{name}.{f} (memoised for the whole process)"
                  for f in memoised_functions(tree)]
    return sorted(found)


def test_no_module_keeps_state_between_calls() -> None:
    sources = {module_name(p): p.read_text() for p in sorted(PACKAGE.rglob("*.py"))}
    found = shared_state(sources)
    assert [f for f in found if f not in HARMLESS] == []
    assert sorted(HARMLESS - set(found)) == [], "gone: drop it from HARMLESS"


def test_the_check_finds_a_list_filled_by_one_call_and_emptied_by_another() -> None:
    scan = "found: list[str] = []\n\ndef scan() -> None:\n    found.append('x')\n"
    status = "from m import scan\n\ndef status() -> None:\n    scan.found.clear()\n"
    assert shared_state({"m.scan": scan.replace("found.append('x')", "pass"),
                         "m.status": status}) == ["m.scan.found"]
    assert shared_state({"m.scan": scan}) == ["m.scan.found"]


def test_the_check_finds_a_process_wide_memo_and_a_rebound_global() -> None:
    memo = "import functools\n\n@functools.cache\ndef look(path: str) -> bool:\n    return True\n"
    rebound = "seen = 0\n\ndef count() -> None:\n    global seen\n    seen += 1\n"
    constants = "KEYS = {'a': 1}\nNAMES = ['x']\n\ndef get(k: str) -> int:\n    return KEYS[k]\n"
    assert shared_state({"m.memo": memo, "m.rebound": rebound, "m.constants": constants}) \
        == ["m.memo.look (memoised for the whole process)", "m.rebound.seen"]
