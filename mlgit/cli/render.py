"""Rendering command results as text or JSON (through ui)."""

from __future__ import annotations

import os
import shlex
from typing import TYPE_CHECKING, Any

from mlgit.cli import output
from mlgit.paths import is_utf8, printable
from mlgit.workspace.damage import DAMAGED_HINT

if TYPE_CHECKING:
    from mlgit.commands.add import AddResult
    from mlgit.commands.fsck import Damaged, FsckResult
    from mlgit.commands.gc import GcPlan, GcResult, RemoteCheck, RemoteTmp
    from mlgit.commands.init import InitResult
    from mlgit.commands.ls import Listed
    from mlgit.commands.mv import Moved
    from mlgit.commands.remote import RemoteRow
    from mlgit.commands.rm import Removed
    from mlgit.commands.status import StatusEntry
    from mlgit.commands.transfer import Outcome, RemoteStatus
    from mlgit.commands.unprotect import Unprotected
    from mlgit.remote.transfer import Failure
    from mlgit.repo import Repo
    from mlgit.workspace.checkout import CheckoutResult

MAX_LISTED = 20


def _asdict(obj: Any) -> dict[str, Any]:
    from dataclasses import asdict  # imported here: status output never needs it

    return asdict(obj)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _without_prefix(message: str, pointer_rel: str) -> str:
    """An error about a pointer, for a line that already starts with the pointer's name."""
    return message.removeprefix(f"{pointer_rel}: ")


def _git_add_line(paths: list[str], root: str) -> str:
    return "git add " + _shell_paths(paths, root)


def _shell_paths(paths: list[str], root: str) -> str:
    """Repo-relative `paths` as shell words that work when pasted in the current folder:
    relative to it, quoted, and after `--` when one of them starts with `-`."""
    here = os.getcwd()
    shown = [os.path.relpath(os.path.join(root, p), here) for p in paths]
    words = [_shell_word(p) for p in shown]
    if any(p.startswith("-") for p in shown):
        words.insert(0, "--")
    return " ".join(words)


def _shell_word(path: str) -> str:
    """`path` quoted for a POSIX shell; a name with control characters or bytes that are not
    UTF-8 in bash's $'...' form, so the command stays on one line and still names the file."""
    shown = printable(path)
    if shown == path:
        return shlex.quote(path)
    return "$'" + printable(path.replace("\\", "\\\\").replace("'", "\\'")) + "'"


def show_init(result: InitResult, json: bool) -> None:
    if json:
        output.json_out(_asdict(result))
        return
    verb = "Initialised" if result.created else "Already initialised:"
    output.out(f"{verb} mlgit in {result.root}/.mlgit")
    if result.git_add:
        output.out("To commit the mlgit setup, run:\n\n    "
               + _git_add_line(result.git_add, result.root) + "\n")


def show_add(result: AddResult, json: bool, root: str) -> None:
    if json:
        output.json_out({"items": [{"path": i.path, "pointer": i.pointer_path, "status": i.status,
                                "kind": i.ptr.kind, "oid": i.ptr.oid, "size": i.ptr.size,
                                "files": i.ptr.files} for i in result.items],
                     "git_add": result.git_add})
        return
    for i in result.items:
        what = _count(i.ptr.files or 0, "file") + ", " if i.ptr.is_dir else ""
        output.out(f"{i.status} {printable(i.path)} ({what}{output.human_size(i.ptr.size)})")
    if result.git_add:
        output.out("\nTo track the changes with Git, run:\n\n    "
               + _git_add_line(result.git_add, root) + "\n")


def _status_dict(e: StatusEntry) -> dict[str, Any]:
    if e.status is None:
        assert e.error is not None
        return {"pointer": e.pointer_rel, "error": _without_prefix(e.error.message, e.pointer_rel),
                "hint": e.error.hint}
    s = e.status
    return {"path": s.path, "pointer": e.pointer_rel, "kind": s.kind, "state": s.state,
            "in_cache": s.in_cache, "missing_objects": s.missing_objects,
            "added": s.added, "modified": s.modified, "deleted": s.deleted,
            "damaged": s.damaged}


def show_status(entries: list[StatusEntry], json: bool) -> None:
    if json:
        output.json_out([_status_dict(e) for e in entries])
        return
    if not entries:
        output.out("No tracked artifacts. Track some with 'mlgit add PATH'.")
        return
    hints: list[str] = []
    for e in entries:
        if e.status is None:
            assert e.error is not None
            output.out(printable(f"{e.pointer_rel}: error:"
                             f" {_without_prefix(e.error.message, e.pointer_rel)}"))
            if e.error.hint and e.error.hint not in hints:
                hints.append(e.error.hint)
            continue
        s = e.status
        cache = "" if s.in_cache else f" (not in cache: {s.missing_objects} object(s))"
        output.out(f"{printable(s.path)}: {s.state}{cache}")
        for label, paths in (("modified", s.modified), ("added", s.added),
                             ("deleted", s.deleted), ("damaged", s.damaged)):
            _list_paths(label, paths)
        if s.state == "damaged" and DAMAGED_HINT not in hints:
            hints.append(DAMAGED_HINT)
    for hint in hints:
        output.err(f"hint: {hint}")


def _list_paths(label: str, paths: list[str]) -> None:
    for p in paths[:MAX_LISTED]:
        output.out(f"    {label}: {printable(p)}")
    if len(paths) > MAX_LISTED:
        output.out(f"    ... and {len(paths) - MAX_LISTED} more {label} (see --json)")


MISSING_HINT = "fetch the missing objects from a remote with 'mlgit pull', or add the data again"
CORRUPT_HINT = ("a corrupt cache object is never written to the workspace: restore it with"
                " 'mlgit pull' from a remote that has it, or add the data again")
SET_ASIDE_HINT = ("a corrupt cache object is never written to the workspace; it was set aside,"
                  " so 'mlgit pull' restores it too (from a remote that has it), or add the"
                  " data again")
OTHER_HINT = "fix the cause named above, then run 'mlgit checkout' again"


def show_checkout(results: list[CheckoutResult], json: bool,
                  reported: frozenset[str] = frozenset()) -> None:
    """`reported`: paths whose objects a fetch already reported as not fetched; their
    'not in the cache' failures are not reported again."""
    if json:
        output.json_out([{"path": r.path, "restored": r.restored, "removed": r.removed,
                      "unchanged": r.unchanged, "conflicts": r.conflicts,
                      "failed": [{"path": p, "reason": why} for p, why in r.failed],
                      **_untracked_json(r)}
                     for r in results])
        return
    for r in results:
        if isinstance(getattr(r, "kept", None), list):
            _show_untracked(r)
            continue
        parts = [f"{len(r.restored)} restored"] if r.restored else []
        parts += [f"{len(r.removed)} removed"] if r.removed else []
        parts += [f"{r.unchanged} unchanged"] if r.unchanged else []
        parts += [f"{len(r.failed)} failed"] if r.failed else []
        parts += [f"{len(r.conflicts)} left as is"] if r.conflicts else []
        output.out(f"{printable(r.path)}: {', '.join(parts) or 'nothing to do'}")
        for path, why in _failures_shown(r, reported)[:MAX_LISTED]:
            output.err(printable(f"error: {path}: {why}"))
        for path in r.conflicts[:MAX_LISTED]:
            output.err(f"error: {printable(path)}: changed in the workspace and not in the cache;"
                   " left as is")
    conflicts = [p for r in results for p in r.conflicts]
    if any(is_utf8(p) for p in conflicts):
        output.err("hint: keep the changes with 'mlgit add', or discard them with"
               " 'mlgit checkout --force'")
    if not all(is_utf8(p) for p in conflicts):
        output.err("hint: mlgit records names as UTF-8 text and cannot keep a file whose name is"
               " not: rename it to a UTF-8 name or move it out of the tracked folder (or"
               " delete it with 'mlgit checkout --force')")
    hints = list(dict.fromkeys(h for r in results for h in r.hints if h))
    for hint in hints:
        output.err(f"hint: {hint}")
    for hint in dict.fromkeys(h for r in results for h in _failure_hints(r, reported)):
        output.err(f"hint: {hint}")


def _already_reported(failure: tuple[str, str], reported: frozenset[str]) -> bool:
    from mlgit.workspace.checkout import MANIFEST_NOT_IN_CACHE, NOT_IN_CACHE

    return failure[0] in reported and failure[1] in (NOT_IN_CACHE, MANIFEST_NOT_IN_CACHE)


def _failure_hints(r: CheckoutResult, reported: frozenset[str]) -> list[str]:
    """The hint for each kind of failure that has none of its own: a missing object, a
    corrupt one, or anything else (a failure with its own hint is never missing or
    corrupt, so those are counted against `r.hints`)."""
    from mlgit.workspace.checkout import CORRUPT, MANIFEST_NOT_IN_CACHE, NOT_IN_CACHE

    hints, others = [], 0
    for failure in r.failed:
        why = failure[1]
        if why in (NOT_IN_CACHE, MANIFEST_NOT_IN_CACHE):
            if not _already_reported(failure, reported) and not r.cause:  # else r.hints
                hints.append(MISSING_HINT)
        elif CORRUPT in why:
            hints.append(SET_ASIDE_HINT if "; set aside in " in why else CORRUPT_HINT)
        else:
            others += 1
    if others > len(r.hints) - bool(r.cause):  # the cause's hint is not for the others
        hints.append(OTHER_HINT)
    return hints


def _failures_shown(r: CheckoutResult, reported: frozenset[str]) -> list[tuple[str, str]]:
    """The failures to list: not those a fetch already reported; those a known cause
    explains (objects not in the cache) become one line."""
    shown = [f for f in r.failed if not _already_reported(f, reported)]
    if not r.cause:
        return shown
    from mlgit.workspace.checkout import NOT_CACHED

    explained = sum(why in NOT_CACHED for _, why in r.failed)
    return [(r.path, f"{explained} {'object' if explained == 1 else 'objects'} not in the"
                     f" cache: {r.cause}"),
            *((p, why) for p, why in shown if why not in NOT_CACHED)]


def _untracked_json(r: CheckoutResult) -> dict[str, Any]:
    """Extra JSON fields of an artifact that is no longer tracked (see orphans.Orphan)."""
    kept = getattr(r, "kept", None)
    if kept is None:
        return {}
    return {"tracked": False, "kept": [{"path": p, "reason": why} for p, why in kept],
            "not_placed_by_mlgit": getattr(r, "foreign", 0),
            "tracked_by_git": getattr(r, "in_git", [])}


def _show_untracked(r: CheckoutResult) -> None:
    """An artifact whose pointer is gone: what was removed and what was left, and why."""
    kept: list[tuple[str, str]] = getattr(r, "kept", [])
    foreign: int = getattr(r, "foreign", 0)
    parts = [f"{len(r.removed)} removed"] if r.removed else []
    parts += [f"{len(kept) + len(r.failed)} left in place"] if kept or r.failed else []
    parts += [f"{foreign} not placed by mlgit left as is"] if foreign else []
    in_git: list[str] = getattr(r, "in_git", [])
    parts += [f"{len(in_git)} tracked by Git left as is"] if in_git else []
    output.out(f"{printable(r.path)}: no longer tracked; {', '.join(parts) or 'nothing to remove'}")
    for path, why in kept[:MAX_LISTED]:
        output.err(printable(f"warning: {path}: no longer tracked and not removed: {why};")
               + f" keep it with 'mlgit add {_shell_word(path)}', or move it away")
    for path, why in r.failed[:MAX_LISTED]:
        output.err(printable(f"error: {path}: {why}"))


def show_ls(rows: list[Listed], json: bool) -> None:
    if json:
        output.json_out([_asdict(r) for r in rows])
        return
    if not rows:
        output.out("No tracked artifacts. Track some with 'mlgit add PATH'.")
        return
    output.out(f"{'SIZE':>10}  {'FILES':>7}  {'HASH':12}  {'CACHE':8}  PATH")
    for r in rows:
        if r.error:
            error = _without_prefix(r.error, r.path)
            row = f"{'?':>10}  {'?':>7}  {'?':12}  {'?':8}  {r.path}  (error: {error})"
            output.out(printable(row))
            continue
        cache = "yes" if r.in_cache else "missing"
        output.out(f"{output.human_size(r.size):>10}  {r.files:>7}  {r.oid[:12]}  {cache:8}"
               f"  {printable(r.path)}")


def show_rm(removed: list[Removed], json: bool, root: str) -> None:
    if json:
        output.json_out([_asdict(r) for r in removed])
        return
    for r in removed:
        output.out(f"stopped tracking {printable(r.path)} (data kept)")
    if removed:
        stage = sorted({r.gitignore_path for r in removed if r.gitignore_path})
        output.out("\nTo record this in Git, run:\n\n    git rm --cached --quiet "
               + _shell_paths([r.pointer_path for r in removed], root))
        if stage:
            output.out("    " + _git_add_line(stage, root) + "  # may report a removed .gitignore")


def show_mv(moved: Moved, json: bool, root: str) -> None:
    if json:
        output.json_out(_asdict(moved))
        return
    if moved.data_moved:
        output.out(printable(f"moved {moved.src} to {moved.dst}"))
    else:
        output.out(printable(f"moved the pointer of {moved.src} to {moved.dst_pointer}")
               + " (the data is not in the work tree)")
    output.out("\nTo record the move in Git, run:\n\n    " + _git_add_line(moved.git_add, root)
           + "\n")


def show_gc(result: GcResult, json: bool) -> None:
    if json:
        output.json_out(_asdict(result))
        return
    verb = "would remove" if result.dry_run else "removed"
    output.out(f"{verb} {result.removed} object(s), {output.human_size(result.freed_bytes)};"
           f" kept {result.kept}")
    if result.remotes is not None:
        for line in gc_remote_lines(result.remotes, result.removed, not result.dry_run):
            output.out(line)
    if result.set_aside:
        output.out(_set_aside_line(result.set_aside, result.set_aside_bytes, result.quarantine))


def _set_aside_line(files: int, nbytes: int, folder: str) -> str:
    return (f"{_count(files, 'damaged file')} set aside in {folder}/ ({output.human_size(nbytes)}),"
            " never deleted by mlgit: delete that folder when you no longer need them")


def gc_plan_lines(plan: GcPlan) -> list[str]:
    """What gc is about to delete, for the question before it does."""
    lines = [f"gc will delete {_count(plan.count, 'object')} ({output.human_size(plan.nbytes)})"
             " from the cache.",
             "No pointer in the work tree, at HEAD or staged needs them; other branches or"
             " older commits may."]
    if plan.remotes is not None:
        lines += gc_remote_lines(plan.remotes, plan.count)
    return lines


def gc_remote_lines(check: RemoteCheck, total: int, deleted: bool = False) -> list[str]:
    lines = [f"could not check a remote: {problem}" for problem in check.problems]
    if not check.checked and not check.problems:
        lines.append("no remote is configured: the cache held the only copy" if deleted
                     else "no remote is configured: the cache holds the only copy")
    elif check.unbacked == 0:
        lines.append(f"every one of them is on a remote ({', '.join(check.checked)})")
    else:
        some = "all" if check.unbacked == total else f"{check.unbacked} of them"
        where = f"checked: {', '.join(check.checked)}" if check.checked else "none checked"
        lines.append(f"{some} ({output.human_size(check.unbacked_bytes)}) on no remote ({where}):"
                     + (" those are lost for good" if deleted
                        else " deleting those loses them for good"))
    return lines


def show_remote_tmp(result: RemoteTmp, json: bool) -> None:
    if json:
        output.json_out(_asdict(result))
        return
    verb = "would remove" if result.dry_run else "removed"
    line = (f"{verb} {len(result.removed)} temporary file(s) of"
            f" interrupted pushes from {result.remote} ({result.url})")
    if result.kept:
        line += f"; kept {len(result.kept)} less than an hour old (a push may be writing them)"
    output.out(line)


def warn_dangling(repo: Repo) -> None:
    """Name the workspace links into the cache whose object this command set aside."""
    from mlgit.errors import MlgitError
    from mlgit.workspace.dangling import dangling_links

    try:
        paths = dangling_links(repo)
    except (OSError, MlgitError):
        return  # the command's own report stands; status will show these files
    for path in paths[:MAX_LISTED]:
        output.err(f"warning: {printable(path)}: points nowhere now (a link to a damaged cache"
               f" object, which was set aside): 'mlgit fetch' then 'mlgit checkout"
               f" {_shell_word(path)}'"
               " puts it back")
    if len(paths) > MAX_LISTED:
        output.err(f"warning: ... and {len(paths) - MAX_LISTED} more links that point nowhere")


def show_unprotect(result: Unprotected, json: bool) -> int:
    """Returns the exit code: 1 if any file could not be made editable."""
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
    return 1 if result.failed else 0


def show_config(key: str, value: Any, json: bool) -> None:
    if json:
        output.json_out({key: value})
    elif isinstance(value, list):
        output.out(",".join(str(v) for v in value))
    else:
        output.out(str(value))


def show_version(info: dict[str, str], json: bool) -> None:
    if json:
        output.json_out(info)
        return
    width = max(len(k) for k in info)
    for key, value in info.items():
        output.out(f"{key:<{width}}  {value}")


def show_remotes(rows: list[RemoteRow], json: bool) -> None:
    if json:
        output.json_out([r._asdict() for r in rows])
        return
    if not rows:
        output.out("No remotes. Add one with 'mlgit remote add NAME URL'.")
        return
    width = max(len(r.name) for r in rows)
    for r in rows:
        mark = "*" if r.default else " "
        if r.error:
            output.out(f"{mark} {r.name:<{width}}  (error: {r.error})")
            continue
        opts = [f"{o} (local)" if o in r.local_options else o for o in r.options]
        extra = f"  options: {', '.join(opts)}" if opts else ""
        output.out(f"{mark} {r.name:<{width}}  {r.url}{extra}")


def show_remote(row: RemoteRow, verb: str, json: bool) -> None:
    if json:
        output.json_out(row._asdict())
    else:
        default = " (default)" if row.default else ""
        output.out(f"{verb} remote {row.name}{default}: {row.url}")


def show_default_remote(name: str | None, json: bool) -> None:
    if json:
        output.json_out({"default": name})
    elif name is None:
        output.out("no default remote (set one with 'mlgit remote default NAME')")
    else:
        output.out(name)


_VERBS = {"push": ("pushed", "to", "already on the remote"),
          "fetch": ("fetched", "from", "already in the cache"),
          "pull": ("fetched", "from", "already in the cache")}


def show_transfer(outcome: Outcome, command: str, json: bool) -> None:
    r = outcome.result
    if json:
        data: dict[str, Any] = {
            "remote": outcome.remote, "url": outcome.url, "transferred": r.transferred,
            "bytes": r.bytes, "already": r.already, "stopped": r.stopped or None,
            "failed": [{"path": f.path, "oid": f.oid or None, "reason": f.reason}
                       for f in r.failed]}
        if command == "pull":
            data["checkout"] = [{"path": c.path, "restored": len(c.restored),
                                 "unchanged": c.unchanged, "conflicts": c.conflicts,
                                 "failed": [{"path": p, "reason": why} for p, why in c.failed]}
                                for c in outcome.checkouts]
        output.json_out(data)
        return
    done, direction, already = _VERBS[command]
    size = output.human_size(r.bytes)
    output.out(f"{done} {_count(r.transferred, 'object')} ({size}) {direction}"
               f" {outcome.remote}; {r.already} {already}; {len(r.failed)} failed")
    from mlgit.remote.retry import NOT_SENT

    tried = [f for f in r.failed if f.reason != NOT_SENT]
    for f in tried[:MAX_LISTED]:
        output.err(printable(f"error: {f.path}: {f.reason}"))
    if len(tried) > MAX_LISTED:
        output.err(f"error: ... and {len(tried) - MAX_LISTED} more (see --json)")
    if r.stopped:
        untried = len(r.failed) - len(tried)
        output.err(f"error: stopped early: the remote keeps failing ({r.stopped});"
               f" {_count(untried, 'object')} not tried")
    for hint in dict.fromkeys(f.hint for f in r.failed if f.hint):
        output.err(f"hint: {hint}")
    others = [f for f in r.failed if not f.hint]
    if others:
        output.err(f"hint: {_transfer_hint(others, command, outcome.remote)}")
    if command == "pull":  # after the fetch's hints, so that each sits under its errors
        show_checkout(outcome.checkouts, False, frozenset(
            f.path.removesuffix(" (folder manifest)") for f in r.failed))


def _transfer_hint(failed: list[Failure], command: str, remote: str) -> str:
    reasons = {f.reason for f in failed}
    if reasons == {"not on the remote"}:
        return "push the missing objects from a clone whose cache has them"
    if command != "push" and any(r.startswith("the remote's copy") for r in reasons) \
            and all(r.startswith("the remote's copy") or r == "not on the remote"
                    for r in reasons):  # fetching again reads the same bad bytes
        return (f"the remote's copy is damaged: 'mlgit fsck -r {remote}' names the files to"
                " delete there; then push again from a clone whose cache has the objects"
                " intact")
    if reasons == {"not in the cache"}:
        return "the cache lacks them: fetch them from another remote, or add the data again"
    if command == "push" and any("set aside" in r for r in reasons):
        return ("corrupt cache objects were set aside (see 'mlgit fsck'): restore them with"
                " 'mlgit fetch' from a remote that has them, or add the data again")
    return f"run 'mlgit {command}' again to retry; what already arrived is not sent again"


def show_remote_status(remote: str, url: str, rows: list[RemoteStatus], json: bool) -> None:
    if json:
        output.json_out({"remote": remote, "url": url, "artifacts": [r._asdict() for r in rows]})
        return
    if not rows:
        output.out("No tracked artifacts. Track some with 'mlgit add PATH'.")
        return
    for r in rows:
        if r.error:
            error = _without_prefix(r.error, r.pointer_rel)
            output.out(printable(f"{r.pointer_rel}: error: {error}"))
            continue
        output.out(f"{printable(r.path)}: {_where(r, remote)}")


def _where(r: RemoteStatus, remote: str) -> str:
    if r.in_cache == r.objects and r.on_remote == r.objects:
        return f"in cache and on {remote}"
    text = (f"{r.in_cache} of {_count(r.objects, 'object')} in cache,"
            f" {r.on_remote} on {remote}")
    if r.nowhere:
        text += f"; MISSING {r.nowhere} (in neither)"
    elif r.on_remote < r.objects:
        text += "; not all pushed"
    return text


MAX_USES = 5


def show_fsck(result: FsckResult, json: bool) -> None:
    if json:
        output.json_out(_asdict(result))
        return
    where = result.url if result.remote is None else f"{result.remote} ({result.url})"
    found = f"{len(result.damaged)} damaged" if result.damaged else "no damage found"
    indexes = "1 pack index" if result.pack_indexes == 1 \
        else f"{result.pack_indexes} pack indexes"
    output.out(f"checked {_count(result.objects, 'object')} ({output.human_size(result.bytes)}) and"
           f" {indexes} in {where}: {found}")
    for d in result.damaged[:MAX_LISTED]:
        output.out(_damage_line(d))
        if d.artifacts:
            output.out(printable(f"    used by {_first(d.artifacts, MAX_USES)}"))
    if len(result.damaged) > MAX_LISTED:
        output.out(f"... and {len(result.damaged) - MAX_LISTED} more damaged (see --json)")
    if result.missing:
        paths = [p for m in result.missing for p in m.artifacts]
        output.out(printable(f"not in {where}: {_count(len(result.missing), 'object')} used by"
                         f" {_first(paths, MAX_USES)}"))
    for pointer in result.unreadable_pointers:
        output.out(f"{printable(pointer)}: error: cannot read this pointer; what it uses was not"
               " looked up")
    if result.set_aside:
        output.out(_set_aside_line(result.set_aside, result.set_aside_bytes, result.quarantine))
    hint = _fsck_hint(result)
    if hint:
        output.err(f"hint: {hint}")


def _damage_line(d: Damaged) -> str:
    size = "" if d.size is None else f", {output.human_size(d.size)}"
    if d.kind == "object":
        where = "loose" if d.location == "loose" else f"in {d.location}"
        line = f"damaged object {d.name} ({where}{size}): {d.reason}"
    else:
        line = f"damaged pack index {d.name}: {d.reason}"
    return line + (" -> set aside" if d.set_aside else "")


def _first(items: list[str], limit: int) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _fsck_hint(result: FsckResult) -> str:
    if result.damaged and result.remote is not None:
        files = result.remote_files
        named = " and ".join(files) if len(files) <= 2 else _first(files, MAX_USES)
        what = f"delete {named} on {result.remote}" if files \
            else "delete the damaged files on the remote"
        listed = " (all listed by --json under remote_files)" if len(files) > MAX_USES else ""
        return (f"mlgit never changes a remote: {what} yourself{listed}, then push again from a"
                " clone whose cache has the objects intact")
    if result.repaired:
        return ("the damaged copies were set aside: run 'mlgit fetch' (or 'mlgit pull') to"
                " restore them from a remote")
    if result.damaged:
        return ("run 'mlgit fsck --repair' to set the damaged copies aside, then 'mlgit fetch'"
                " to restore them from a remote")
    if result.missing and result.remote is None:
        return "run 'mlgit fetch' to get the missing objects from a remote"
    return ""
