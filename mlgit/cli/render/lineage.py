"""What `mlgit lineage` prints: an indented tree, or with --json one nested object (its
shape is in docs/pipelines.md, "Lineage"). Both are built without recursion: a lineage is
as deep as the pipeline is long."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any

from mlgit.cli import output
from mlgit.cli.render.pipeline import reasons_text
from mlgit.fileio import human_size
from mlgit.git.history import Commit
from mlgit.pipeline.lineage import (
    Dep,
    GitInput,
    Output,
    Recorded,
    Source,
    TrackedInput,
    UntrackedInput,
)
from mlgit.pipeline.stale import show

Item = Source | Dep
INDENT = "  "


def show_lineage(top: Output | TrackedInput, as_json: bool) -> None:
    if as_json:
        body, depth = lineage_dict(top)
        with _recursion_room(depth):  # the JSON encoder recurses once per level
            output.json_out(body)
        return
    todo: list[tuple[Item, int]] = [(top, 0)]
    while todo:
        item, depth = todo.pop()
        pad = INDENT * depth
        for line in _lines(item):
            output.out(pad + line)
        todo += [(child, depth + 1) for child in reversed(_children(item))]


def _children(item: Item) -> list[Item]:
    if isinstance(item, Dep):
        return list(item.sources)
    if isinstance(item, Output):
        return list(item.deps or [])
    return []


def _lines(item: Item) -> list[str]:
    if isinstance(item, Output):
        return _output_lines(item)
    if isinstance(item, Dep):
        return [f"dep {item.path}: {_state(item.recorded, item.workspace, item.path)}"]
    if isinstance(item, TrackedInput):
        inside = f" (in {item.artifact})" if item.artifact != item.path else ""
        return [f"{item.path}: tracked by mlgit{inside} ({item.pointer}), pointer"
                f" {_committed(item.commit)}",
                f"{INDENT}{_state(item.recorded, item.workspace, item.path)}"]
    if isinstance(item, GitInput):
        changes = ", with uncommitted changes" if item.uncommitted_changes else ""
        last = f"last commit {_commit(item.commit)}" if item.commit else "not committed"
        return [f"{item.path}: Git file, {last}{changes}"]
    return [f"{item.path}: not tracked by mlgit or Git"]


def _output_lines(node: Output) -> list[str]:
    stage = node.stage
    inside = f" (in {node.out})" if node.out != node.path else ""
    lines = [f"{node.path}: output of stage {stage.address}{inside}"]
    if node.entry is None:
        lines.append(f"{INDENT}never run: no entry in {stage.lock_file}")
    else:
        lines.append(f"{INDENT}{stage.lock_file} entry {_committed(node.commit)}")
        if node.checked:
            lines.append(f"{INDENT}stale: {reasons_text(node.stale)}" if node.stale
                         else f"{INDENT}up to date")
    where = f" (in {stage.wdir}/)" if stage.wdir else ""
    lines.append(f"{INDENT}cmd{where}: {' && '.join(node.cmd)}")
    lines.append(f"{INDENT}{_state(node.recorded, node.workspace, node.path)}")
    lines += [f"{INDENT}param {file} {key}: {show(value)}"
              for file, values in sorted(node.params.items())
              for key, value in sorted(values.items())]
    if node.deps is None:
        lines.append(f"{INDENT}deps: as shown above for stage {stage.address}")
    return lines


def _committed(commit: Commit | None) -> str:
    return f"committed in {_commit(commit)}" if commit is not None else "not committed"


def _commit(commit: Commit | None) -> str:
    if commit is None:
        return "none"
    when = commit.date[:16].replace("T", " ")
    return f"{commit.sha[:10]} ({when}, {commit.author}): {commit.subject}"


def _state(recorded: Recorded | None, workspace: str, path: str) -> str:
    if recorded is None:
        return workspace
    h = recorded.hashed
    files = f", {h.nfiles} file{'' if h.nfiles == 1 else 's'}" if h.nfiles is not None else ""
    of = f" (of {recorded.path})" if recorded.path != path else ""
    return (f"recorded {h.oid[:8]}, {human_size(h.size)}{files}{of};"
            f" workspace {workspace}")


def lineage_dict(top: Output | TrackedInput) -> tuple[dict[str, Any], int]:
    """The nested object --json prints (each node's dict, its children's under "deps"
    (an output's) or "from" (a dependency's)), and how many nodes deep it is."""
    holder: list[dict[str, Any]] = []
    todo: list[tuple[Item, list[dict[str, Any]], int]] = [(top, holder, 1)]
    deepest = 1
    while todo:
        item, into, depth = todo.pop()
        deepest = max(deepest, depth)
        body = _dict(item)
        into.append(body)
        key = "from" if isinstance(item, Dep) else "deps"
        if isinstance(item, Dep) or (isinstance(item, Output) and item.deps is not None):
            body[key] = []
            todo += [(child, body[key], depth + 1) for child in reversed(_children(item))]
    return holder[0], deepest


@contextlib.contextmanager
def _recursion_room(depth: int) -> Iterator[None]:
    """Room for the JSON encoder's recursion: a few frames per level of nodes."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, old + 4 * depth))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _dict(item: Item) -> dict[str, Any]:
    if isinstance(item, Output):
        return {"kind": "output", "path": item.path, "out": item.out,
                "stage": item.stage.address, "pipeline_file": item.stage.file,
                "lock_file": item.stage.lock_file, "ran": item.entry is not None,
                "commit": _commit_dict(item.commit),
                "stale": [str(r) for r in item.stale] if item.checked else None,
                "cmd": list(item.cmd), "wdir": item.stage.wdir,
                "recorded": _recorded_dict(item.recorded), "workspace": item.workspace,
                "params": _plain(item.params), "deps": None}
    if isinstance(item, Dep):
        return {"path": item.path, "recorded": _recorded_dict(item.recorded),
                "workspace": item.workspace}
    if isinstance(item, TrackedInput):
        return {"kind": "tracked", "path": item.path, "artifact": item.artifact,
                "pointer": item.pointer, "commit": _commit_dict(item.commit),
                "recorded": _recorded_dict(item.recorded), "workspace": item.workspace}
    if isinstance(item, GitInput):
        return {"kind": "git", "path": item.path, "commit": _commit_dict(item.commit),
                "uncommitted_changes": item.uncommitted_changes}
    assert isinstance(item, UntrackedInput)
    return {"kind": "untracked", "path": item.path}


def _commit_dict(commit: Commit | None) -> dict[str, str] | None:
    if commit is None:
        return None
    return {"sha": commit.sha, "date": commit.date, "author": commit.author,
            "subject": commit.subject}


def _recorded_dict(recorded: Recorded | None) -> dict[str, Any] | None:
    if recorded is None:
        return None
    h = recorded.hashed
    return {"path": recorded.path, "oid": h.oid, "size": h.size, "nfiles": h.nfiles}


def _plain(values: dict[str, dict[str, Any]]) -> Any:
    """Param values as JSON can hold them (a YAML date becomes its text)."""
    return json.loads(json.dumps(values, default=str))
