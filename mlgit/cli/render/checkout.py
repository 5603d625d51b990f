"""Rendering what a checkout did (also the checkout of a pull): per artifact counts, the files
left or failed, one hint per kind of failure; and links left pointing nowhere."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlgit.cli import output
from mlgit.cli.render.text import MAX_LISTED
from mlgit.paths import is_utf8, printable, shell_command

if TYPE_CHECKING:
    from mlgit.repo import Repo
    from mlgit.workspace.checkout_result import CheckoutResult


MISSING_HINT = "fetch the missing objects from a remote with 'mlgit pull', or add the data again"


CORRUPT_HINT = ("a corrupt cache object is never written to the workspace: restore it with"
                " 'mlgit pull' from a remote that has it, or add the data again")


SET_ASIDE_HINT = ("a corrupt cache object is never written to the workspace; it was set aside,"
                  " so 'mlgit pull' restores it too (from a remote that has it), or add the"
                  " data again")


OTHER_HINT = "fix the cause named above, then run 'mlgit checkout' again"


def show_checkout(results: list[CheckoutResult], json: bool,
                  reported: frozenset[str] = frozenset(), missing_hint: str = MISSING_HINT
                  ) -> None:
    """`reported`: paths whose objects a fetch already reported as not fetched; their
    'not in the cache' failures are not reported again. `missing_hint`: what gets objects
    the cache lacks (for another revision, 'mlgit pull' does not)."""
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
    if any(is_utf8(p) for r in results if not r.stage_output for p in r.conflicts):
        output.err("hint: keep the changes with 'mlgit add', or discard them with"
               " 'mlgit checkout --force'")
    if any(r.conflicts for r in results if r.stage_output):
        output.err("hint: a stage's output: 'mlgit repro' runs the stage again (it saves the"
                   " changes in the cache first), 'mlgit checkout --force' discards them")
    if not all(is_utf8(p) for p in conflicts):
        output.err("hint: mlgit records names as UTF-8 text and cannot keep a file whose name is"
               " not: rename it to a UTF-8 name or move it out of the tracked folder (or"
               " delete it with 'mlgit checkout --force')")
    hints = list(dict.fromkeys(h for r in results for h in r.hints if h))
    for hint in hints:
        output.err(f"hint: {hint}")
    for hint in dict.fromkeys(h for r in results for h in _failure_hints(r, reported)):
        output.err(f"hint: {missing_hint if hint == MISSING_HINT else hint}")


def _already_reported(failure: tuple[str, str], reported: frozenset[str]) -> bool:
    from mlgit.workspace.checkout_result import MANIFEST_NOT_IN_CACHE, NOT_IN_CACHE

    return failure[0] in reported and failure[1] in (NOT_IN_CACHE, MANIFEST_NOT_IN_CACHE)


def _failure_hints(r: CheckoutResult, reported: frozenset[str]) -> list[str]:
    """The hint for each kind of failure that has none of its own: a missing object, a
    corrupt one, or anything else (a failure with its own hint is never missing or
    corrupt, so those are counted against `r.hints`)."""
    from mlgit.workspace.checkout_result import CORRUPT, MANIFEST_NOT_IN_CACHE, NOT_IN_CACHE

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
    from mlgit.workspace.checkout_result import NOT_CACHED

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
               + f" keep it with {shell_command('mlgit add', path)}, or move it away")
    for path, why in r.failed[:MAX_LISTED]:
        output.err(printable(f"error: {path}: {why}"))


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
               f" object, which was set aside): 'mlgit fetch' then"
               f" {shell_command('mlgit checkout', path)} puts it back")
    if len(paths) > MAX_LISTED:
        output.err(f"warning: ... and {len(paths) - MAX_LISTED} more links that point nowhere")
