"""Rendering push, fetch, pull, status --remote and the remote verbs (text or --json)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlgit.cli import output
from mlgit.cli.render.checkout import show_checkout
from mlgit.cli.render.text import MAX_LISTED, UNREADABLE_POINTER_HINT, about, counted
from mlgit.fileio import human_size
from mlgit.paths import printable

if TYPE_CHECKING:
    from mlgit.commands.remote import RemoteRow
    from mlgit.commands.remote_status import RemoteStatus
    from mlgit.remote.failures import Failure
    from mlgit.remote.transfer import Outcome
    from mlgit.workspace.checkout_result import CheckoutResult


_VERBS = {"push": ("pushed", "to", "already on the remote"),
          "fetch": ("fetched", "from", "already in the cache"),
          "pull": ("fetched", "from", "already in the cache")}


def show_transfer(outcome: Outcome[CheckoutResult], command: str, json: bool) -> None:
    r = outcome.result
    if json:
        data: dict[str, Any] = {
            "remote": outcome.remote, "url": outcome.url, "transferred": r.transferred,
            "bytes": r.bytes, "already": r.already, "stopped": r.stopped or None,
            "failed": [{"path": f.path, "oid": f.oid or None, "reason": f.reason}
                       for f in r.failed],
            "skipped": [{"path": path, "reason": why} for path, why in r.skipped]}
        if r.runs is not None:
            data["run_cache_entries"] = r.runs
        if command == "pull":
            data["checkout"] = [{"path": c.path, "restored": len(c.restored),
                                 "unchanged": c.unchanged, "conflicts": c.conflicts,
                                 "failed": [{"path": p, "reason": why} for p, why in c.failed]}
                                for c in outcome.checkouts]
        output.json_out(data)
        return
    done, direction, already = _VERBS[command]
    size = human_size(r.bytes)
    runs = "" if r.runs is None else f", and {counted(r.runs, 'run-cache record')}"
    output.out(f"{done} {counted(r.transferred, 'object')} ({size}){runs} {direction}"
               f" {outcome.remote}; {r.already} {already}; {len(r.failed)} failed")
    from mlgit.remote.failures import FailureKind

    _warn_skipped(r.skipped, command)
    tried = [f for f in r.failed if f.kind is not FailureKind.NOT_SENT]
    for f in tried[:MAX_LISTED]:
        output.err(printable(f"error: {f.path}: {f.reason}"))
    if len(tried) > MAX_LISTED:
        output.err(f"error: ... and {len(tried) - MAX_LISTED} more (see --json)")
    if r.stopped:
        untried = len(r.failed) - len(tried)
        output.err(f"error: stopped early: the remote keeps failing ({r.stopped});"
               f" {counted(untried, 'object')} not tried")
    for hint in dict.fromkeys(f.hint for f in r.failed if f.hint):
        output.err(f"hint: {hint}")
    others = [f for f in r.failed if not f.hint]
    if others:
        output.err(f"hint: {_transfer_hint(others, command, outcome.remote)}")
    if command == "pull":  # after the fetch's hints, so that each sits under its errors
        show_checkout(outcome.checkouts, False, frozenset(
            f.path.removesuffix(" (folder manifest)") for f in r.failed))


def _warn_skipped(skipped: list[tuple[str, str]], command: str) -> None:
    for path, why in skipped[:MAX_LISTED]:
        output.warning(printable(f"{path}: {why}; skipped: the file names no object to"
                                 f" {command}, and a commit cannot be fixed"))
    if len(skipped) > MAX_LISTED:
        output.warning(f"... and {len(skipped) - MAX_LISTED} more skipped (see --json)")


def _transfer_hint(failed: list[Failure], command: str, remote: str) -> str:
    from mlgit.remote.failures import FailureKind as Kind

    kinds = {f.kind for f in failed}
    if kinds == {Kind.NOT_ON_REMOTE}:
        return "push the missing objects from a clone whose cache has them"
    if command != "push" and Kind.REMOTE_CORRUPT in kinds \
            and kinds <= {Kind.REMOTE_CORRUPT, Kind.NOT_ON_REMOTE}:
        # fetching again reads the same bad bytes
        return (f"the remote's copy is damaged: 'mlgit fsck -r {remote}' names the files to"
                " delete there; then push again from a clone whose cache has the objects"
                " intact")
    if kinds == {Kind.NOT_IN_CACHE}:
        return "the cache lacks them: fetch them from another remote, or add the data again"
    if command == "push" and Kind.SET_ASIDE in kinds:
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
            output.err(printable(f"error: {about(r.pointer_rel, r.error)}"))
            continue
        output.out(f"{printable(r.path)}: {_where(r, remote)}")
    if any(r.error for r in rows):
        output.err(f"hint: {UNREADABLE_POINTER_HINT}")


def _where(r: RemoteStatus, remote: str) -> str:
    if r.in_cache == r.objects and r.on_remote == r.objects:
        return f"in cache and on {remote}"
    text = (f"{r.in_cache} of {counted(r.objects, 'object')} in cache,"
            f" {r.on_remote} on {remote}")
    if r.nowhere:
        text += f"; MISSING {r.nowhere} (in neither)"
    elif r.on_remote < r.objects:
        text += "; not all pushed"
    return text


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
        return
    default = " (default)" if row.default else ""
    if row.error:  # a remote broken by hand, repaired one key at a time
        output.out(f"{verb} remote {row.name}{default}")
        output.warning(f"it does not work yet: {row.error}")
        return
    output.out(f"{verb} remote {row.name}{default}: {row.url}")


def show_default_remote(name: str | None, json: bool) -> None:
    if json:
        output.json_out({"default": name})
    elif name is None:
        output.out("no default remote (set one with 'mlgit remote default NAME')")
    else:
        output.out(name)
