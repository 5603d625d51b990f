"""Rendering gc, fsck, config and version (text or --json)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlgit.cli import output
from mlgit.cli.render.text import (
    MAX_LISTED,
    UNREADABLE_POINTER_HINT,
    as_dict,
    counted,
    set_aside_line,
)
from mlgit.fileio import human_size
from mlgit.paths import printable

if TYPE_CHECKING:
    from mlgit.commands.fsck import Damaged, FsckResult
    from mlgit.commands.gc import GcPlan, GcResult, RemoteCheck, RemoteTmp
    from mlgit.pipeline.history_needs import History


def show_gc(result: GcResult, json: bool) -> None:
    if json:
        output.json_out(as_dict(result))
        return
    verb = "would remove" if result.dry_run else "removed"
    output.out(f"{verb} {result.removed} object(s), {human_size(result.freed_bytes)};"
           f" kept {result.kept}")
    if result.remotes is not None:
        for line in gc_remote_lines(result.remotes, result.removed, not result.dry_run):
            output.line(line)
    for line in gc_history_lines(result.history, not result.dry_run):
        output.line(line)
    if result.set_aside:
        output.out(set_aside_line(result.set_aside, result.set_aside_bytes, result.quarantine))


def gc_plan_lines(plan: GcPlan) -> list[str]:
    """What gc is about to delete, for the question before it does."""
    lines = [f"gc will delete {counted(plan.count, 'object')} ({human_size(plan.nbytes)})"
             " from the cache.",
             "No pointer in the work tree, at HEAD or staged needs them"
             + (", nor any revision asked to keep." if plan.history.unknown_folders
                or plan.history.flag != "--all-commits" else ".")]
    lines += gc_history_lines(plan.history)
    if plan.remotes is not None:
        lines += gc_remote_lines(plan.remotes, plan.count)
    return lines


def gc_history_lines(history: History, deleted: bool = False) -> list[str]:
    """What the deleted objects meant to the Git history."""
    lines = []
    if history.needed:
        size = human_size(history.needed_bytes)
        lines.append((f"{history.needed} of them ({size}) were needed by older commits or other"
                      " branches" if deleted else f"{history.needed} of them ({size}) are needed"
                      " by older commits or other branches")
                     + f"; keep them with 'mlgit gc {history.flag}'")
    for problem in dict.fromkeys(history.unreadable):
        lines.append(f"warning: {problem}: what it names is not kept")
    for folder in history.unknown_folders:
        lines.append(f"warning: {folder}: its folder manifest is not in the cache, so the"
                     " files it needs are not known and not kept")
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
        lines.append(f"{some} ({human_size(check.unbacked_bytes)}) on no remote ({where}):"
                     + (" those are lost for good" if deleted
                        else " deleting those loses them for good"))
    return lines


def show_remote_tmp(result: RemoteTmp, json: bool) -> None:
    if json:
        output.json_out(as_dict(result))
        return
    verb = "would remove" if result.dry_run else "removed"
    line = (f"{verb} {len(result.removed)} temporary file(s) of"
            f" interrupted pushes from {result.remote} ({result.url})")
    if result.kept:
        line += f"; kept {len(result.kept)} less than an hour old (a push may be writing them)"
    output.out(line)


MAX_USES = 5


def show_fsck(result: FsckResult, json: bool) -> None:
    if json:
        output.json_out(as_dict(result))
        return
    where = result.url if result.remote is None else f"{result.remote} ({result.url})"
    found = f"{len(result.damaged)} damaged" if result.damaged else "no damage found"
    indexes = "1 pack index" if result.pack_indexes == 1 \
        else f"{result.pack_indexes} pack indexes"
    output.out(f"checked {counted(result.objects, 'object')} ({human_size(result.bytes)}) and"
           f" {indexes} in {where}: {found}")
    for d in result.damaged[:MAX_LISTED]:
        output.out(_damage_line(d))
        if d.artifacts:
            output.out(printable(f"    used by {_first(d.artifacts, MAX_USES)}"))
    if len(result.damaged) > MAX_LISTED:
        output.out(f"... and {len(result.damaged) - MAX_LISTED} more damaged (see --json)")
    if result.missing:
        paths = [p for m in result.missing for p in m.artifacts]
        output.out(printable(f"not in {where}: {counted(len(result.missing), 'object')} used by"
                         f" {_first(paths, MAX_USES)}"))
    for pointer in result.unreadable_pointers:
        output.err(f"error: {printable(pointer)}: cannot read this pointer; what it uses was not"
                   " looked up")
    if result.set_aside:
        output.out(set_aside_line(result.set_aside, result.set_aside_bytes, result.quarantine))
    if result.unreadable_pointers:
        output.err(f"hint: {UNREADABLE_POINTER_HINT}")
    hint = _fsck_hint(result)
    if hint:
        output.err(f"hint: {hint}")


def _damage_line(d: Damaged) -> str:
    size = "" if d.size is None else f", {human_size(d.size)}"
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
        if not files:  # chunks gone behind their list: nothing to delete, push sends them
            return ("run 'mlgit push' from a clone whose cache has those files intact: it sends"
                    " what the remote lacks")
        named = " and ".join(files) if len(files) <= 2 else _first(files, MAX_USES)
        what = f"delete {named} on {result.remote}"
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


def show_config(key: str, value: Any, json: bool) -> None:
    if json:
        output.json_out({key: value})
    elif isinstance(value, list):
        output.out(",".join(str(v) for v in value))
    elif value is None:  # not set and no default (cache.dir): nothing, as `git config`
        return
    else:
        output.out(str(value))


def show_version(info: dict[str, str], json: bool) -> None:
    if json:
        output.json_out(info)
        return
    width = max(len(k) for k in info)
    for key, value in info.items():
        output.out(f"{key:<{width}}  {value}")
