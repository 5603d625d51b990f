"""What `mlgit gc -r REMOTE` prints."""

from __future__ import annotations

from mlgit.cli import output
from mlgit.cli.render.text import as_dict, counted
from mlgit.commands.remote_gc import RemoteGcResult
from mlgit.fileio import human_size

MAX_PATHS = 20
"""A dry run lists this many of the files it would delete (--json lists all)."""


def plan_lines(r: RemoteGcResult) -> list[str]:
    """What gc -r deletes (or would), one line per kind, then what it keeps and why."""
    verb = "would delete" if r.dry_run else "deleted"
    lines = [f"{verb} {counted(r.objects_gone, 'object')} ({human_size(r.freed)}) from"
             f" {r.remote} ({r.url}); kept {r.kept}"]
    parts = [f"{n} {what}" for n, what in (
        (r.loose, "loose object(s)"), (r.chunk_lists, "chunk list(s)"),
        (r.packs_deleted, "pack(s) of garbage only"),
        (r.packs_repacked, "pack(s) repacked (their live objects copied first)"),
        (r.runs, "run-cache record(s) whose outputs go"),
        (r.leftovers, "leftover(s) of interrupted uploads")) if n]
    if parts:
        lines.append("  " + ", ".join(parts))
    if r.young:
        lines.append(f"  kept {counted(r.young, 'object or pack')} written less than"
                     f" {r.grace_hours:g} h ago (a push may be about to name them; --grace)")
    if r.history.needed:
        verb = "were" if not r.dry_run else "are"
        lines.append(f"{r.history.needed} of them ({human_size(r.history.needed_bytes)}) {verb}"
                     " needed by older commits or other branches; keep them with"
                     f" {_quoted_command(r.remote)}")
    if r.left_in_packs:
        lines.append(f"  left {human_size(r.left_in_packs)} of garbage inside packs that are"
                     " mostly live")
    for folder in r.unknown_folders[:5]:
        lines.append(f"warning: {folder}: its folder manifest is in neither the cache nor the"
                     " remote, so its files are not kept")
    for key in r.unreadable_runs[:5]:
        lines.append(f"warning: run-cache record {key} cannot be read; kept")
    for rel in r.lone_indexes[:5]:
        lines.append(f"warning: {rel}: its pack is missing; left alone (see 'mlgit fsck -r"
                     f" {r.remote}')")
    for what in r.corrupt:
        lines.append(f"warning: {what} is corrupt; that pack was left as it is (see 'mlgit"
                     f" fsck -r {r.remote}')")
    return lines


def show_remote_gc(r: RemoteGcResult, json: bool) -> None:
    if json:
        output.json_out(as_dict(r))
        return
    for line in plan_lines(r):
        output.line(line)
    if r.dry_run:
        for rel in r.paths[:MAX_PATHS]:
            output.out(f"  {rel}")
        if len(r.paths) > MAX_PATHS:
            output.out(f"  ... and {len(r.paths) - MAX_PATHS} more files (see --json)")


def _quoted_command(remote: str) -> str:
    from mlgit.paths import shell_command

    return shell_command("mlgit gc -r", remote, tail="--all-commits")
