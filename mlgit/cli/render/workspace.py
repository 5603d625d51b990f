"""Rendering the results of the verbs that work on the work tree: init, add, status, ls, rm, mv,
unprotect (text or --json)."""

from __future__ import annotations

from mlgit.cli import output
from mlgit.cli.render.text import (
    MAX_LISTED,
    about,
    as_dict,
    counted,
    git_add_line,
    shell_paths,
    without_prefix,
)
from mlgit.fileio import human_size
from mlgit.paths import printable
from mlgit.workspace.artifact_status import TYPECHANGE
from mlgit.workspace.damage import DAMAGED_HINT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from mlgit.commands.add import AddResult
    from mlgit.commands.init import InitResult
    from mlgit.commands.ls import Listed
    from mlgit.commands.mv import Moved
    from mlgit.commands.rm import Removed
    from mlgit.commands.status import StatusEntry
    from mlgit.commands.unprotect import Unprotected
    from mlgit.workspace.artifact_status import ArtifactStatus


def show_init(result: InitResult, json: bool) -> None:
    if json:
        output.json_out(as_dict(result))
        return
    verb = "Initialised" if result.created else "Already initialised:"
    output.out(f"{verb} mlgit in {result.root}/.mlgit")
    if result.git_add:
        output.out("To commit the mlgit setup, run:\n\n    "
               + git_add_line(result.git_add, result.root) + "\n")


def show_add(result: AddResult, json: bool, root: str) -> None:
    if json:
        output.json_out({"items": [{"path": i.path, "pointer": i.pointer_path, "status": i.status,
                                "kind": i.ptr.kind, "oid": i.ptr.oid, "size": i.ptr.size,
                                "files": i.ptr.files} for i in result.items],
                     "git_add": result.git_add})
        return
    for i in result.items:
        what = counted(i.ptr.files or 0, "file") + ", " if i.ptr.is_dir else ""
        output.out(f"{i.status} {printable(i.path)} ({what}{human_size(i.ptr.size)})")
    if result.git_add:
        output.out("\nTo track the changes with Git, run:\n\n    "
               + git_add_line(result.git_add, root) + "\n")


def _status_dict(e: StatusEntry) -> dict[str, Any]:
    if e.status is None:
        assert e.error is not None
        return {"pointer": e.pointer_rel, "error": without_prefix(e.error.message, e.pointer_rel),
                "hint": e.error.hint}
    s = e.status
    return {"path": s.path, "pointer": e.pointer_rel, "kind": s.kind, "state": s.state,
            "in_cache": s.in_cache, "missing_objects": s.missing_objects,
            "added": s.added, "modified": s.modified, "deleted": s.deleted,
            "damaged": s.damaged}


def show_status(entries: list[StatusEntry], json: bool, pipeline: bool = False,
                extra: list[dict[str, Any]] | None = None) -> None:
    """`pipeline`: the repository has one, and no stage is stale. `extra`: rows that follow
    the artifacts' in --json (the stale stages)."""
    if json:
        output.json_out([*(_status_dict(e) for e in entries), *(extra or [])])
        return
    if not entries and pipeline:
        output.out("Pipeline up to date; no artifacts tracked by pointer files.")
        return
    if not entries:
        output.out("No tracked artifacts. Track some with 'mlgit add PATH'.")
        return
    hints: list[str] = []
    for e in entries:
        if e.status is None:
            assert e.error is not None
            # on stderr with its hint (docs/exit-codes.md, "Where output goes")
            output.err(printable(f"error: {about(e.pointer_rel, e.error.message)}"))
            if e.error.hint and e.error.hint not in hints:
                hints.append(e.error.hint)
                output.err(f"hint: {printable(e.error.hint)}")
            continue
        s = e.status
        cache = "" if s.in_cache else f" (not in cache: {s.missing_objects} object(s))"
        output.out(f"{printable(s.path)}: {_state_words(s)}{cache}")
        for label, paths in (("modified", s.modified), ("added", s.added),
                             ("deleted", s.deleted), ("damaged", s.damaged)):
            _list_paths(label, paths)
    if any(e.status is not None and e.status.state == "damaged" for e in entries) \
            and DAMAGED_HINT not in hints:
        output.err(f"hint: {DAMAGED_HINT}")


def _state_words(s: ArtifactStatus) -> str:
    if s.state == TYPECHANGE:
        return "typechange (replaced by a folder)" if s.kind == "file" \
            else "typechange (replaced by a file)"
    return s.state


def _list_paths(label: str, paths: list[str]) -> None:
    for p in paths[:MAX_LISTED]:
        output.out(f"    {label}: {printable(p)}")
    if len(paths) > MAX_LISTED:
        output.out(f"    ... and {len(paths) - MAX_LISTED} more {label} (see --json)")


def show_ls(rows: list[Listed], json: bool) -> None:
    if json:
        output.json_out([as_dict(r) for r in rows])
        return
    if not rows:
        output.out("No tracked artifacts. Track some with 'mlgit add PATH'.")
        return
    output.out(f"{'SIZE':>10}  {'FILES':>7}  {'HASH':12}  {'CACHE':8}  PATH")
    for r in rows:
        if r.error:
            error = without_prefix(r.error, r.path)
            row = f"{'?':>10}  {'?':>7}  {'?':12}  {'?':8}  {r.path}  (error: {error})"
            output.out(printable(row))
            continue
        cache = "yes" if r.in_cache else "missing"
        output.out(f"{human_size(r.size):>10}  {r.files:>7}  {r.oid[:12]}  {cache:8}"
               f"  {printable(r.path)}")


def show_rm(removed: list[Removed], json: bool, root: str) -> None:
    if json:
        output.json_out([as_dict(r) for r in removed])
        return
    for r in removed:
        output.out(f"stopped tracking {printable(r.path)} (data kept)")
    if removed:
        stage = sorted({r.gitignore_path for r in removed if r.gitignore_path})
        output.out("\nTo record this in Git, run:\n\n    git rm --cached --quiet "
               + shell_paths([r.pointer_path for r in removed], root))
        if stage:
            output.out("    " + git_add_line(stage, root) + "  # may report a removed .gitignore")


def show_mv(moved: Moved, json: bool, root: str) -> None:
    if json:
        output.json_out(as_dict(moved))
        return
    if moved.data_moved:
        output.out(printable(f"moved {moved.src} to {moved.dst}"))
    else:
        output.out(printable(f"moved the pointer of {moved.src} to {moved.dst_pointer}")
               + " (the data is not in the work tree)")
    output.out("\nTo record the move in Git, run:\n\n    " + git_add_line(moved.git_add, root)
           + "\n")


def show_unprotect(result: Unprotected, json: bool) -> None:
    paths = result.changed
    if json:
        output.json_out({"unprotected": paths,
                     "failed": [{"error": e.message, "hint": e.hint} for e in result.failed]})
    else:
        output.out(f"made {len(paths)} file(s) editable" if paths or result.failed
               else "nothing to unprotect")
        for exc in result.failed:
            output.err(f"error: {exc.message}")
        for hint in dict.fromkeys(e.hint for e in result.failed if e.hint):
            output.err(f"hint: {hint}")
