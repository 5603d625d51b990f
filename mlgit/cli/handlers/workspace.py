"""The handlers of the verbs that work on the work tree: open the repository, run the command,
render its result, return the exit code. Command modules are imported inside each handler so
that a verb pays only for what it uses (`mlgit status` must not load typer, yaml or fsspec)."""

from __future__ import annotations

import contextlib
import os

from mlgit.cli import exit_codes, output
from mlgit.cli.handlers.repository import closed_after, find_repo, opened_repo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from mlgit.pipeline.stale import Check
    from mlgit.repo import Repo


def status(paths: list[str], quiet: bool = False, json: bool = False,
           remote: str | None = None) -> int:
    """`remote`: None for the work tree's status; "" for the default remote's, else a
    remote's name."""
    if remote is not None:
        return _remote_status(paths, quiet, json, remote or None)
    from mlgit.cli.render.workspace import show_status
    from mlgit.commands.status import stale_stages
    from mlgit.commands.status import status as run
    from mlgit.errors import MlgitError

    pipeline_error = None
    with closed_after(find_repo()) as repo:
        entries = run(repo, paths)
        try:
            stages = None if paths else stale_stages(repo)
        except MlgitError as exc:  # the artifacts are still shown
            stages, pipeline_error = None, exc
        damaged_indexes = _damaged_indexes(repo)
        overwritten = {} if quiet else _overwritten_by_a_switch(repo, entries)
        exposed = [] if quiet else _not_ignored(repo, entries)
    if not quiet and json:
        show_status(entries, json, extra=_stale_stages_json(stages))
    elif not quiet:
        if entries or not stages:
            show_status(entries, json, pipeline=stages is not None)
        if stages:
            from mlgit.cli.render.pipeline import show_stale_stages

            show_stale_stages(stages)
    if not quiet:
        _warn_damaged_indexes(damaged_indexes)
        _warn_overwritten(overwritten)
        _warn_not_ignored(exposed)
    if pipeline_error is not None:
        raise pipeline_error
    code = exit_codes.for_status(entries, quiet, damaged_indexes)
    return exit_codes.EXIT_FAILED if quiet and stages else code


def _remote_status(paths: list[str], quiet: bool, json: bool, remote: str | None) -> int:
    from mlgit.cli.render.remote import show_remote_status
    from mlgit.commands.remote_status import run_remote_status

    with opened_repo() as repo:
        name, url, rows = run_remote_status(repo, paths, remote)
    if not quiet:
        show_remote_status(name, url, rows, json)
    return exit_codes.for_remote_status(rows, quiet)


def is_remote_name(word: str) -> bool:
    """Whether `word` names a configured remote (so `status --remote WORD` means it, not a
    path); False when the repository or its settings cannot be read."""
    with contextlib.suppress(Exception):
        from mlgit.remote import settings
        from mlgit.repo import Repo

        # without warnings: the command opens the repository again, and warns then
        return word in settings.names(Repo.find().config)
    return False


def _stale_stages_json(stages: list[Check] | None) -> list[dict[str, Any]]:
    if not stages:  # nothing of the pipeline's rendering to import
        return []
    from mlgit.cli.render.pipeline import stale_stages_json

    return stale_stages_json(stages)


def _damaged_indexes(repo: Repo) -> list[str]:
    """The cache's pack indexes found damaged while this command read the cache (repo-relative
    paths); none if it never needed the packs."""
    odb = repo.__dict__.get("odb")  # only if this command opened the store
    if odb is None:
        return []
    return [os.path.relpath(path, repo.root) for path in odb.damaged_files]


def _overwritten_by_a_switch(repo: Repo, entries: list[Any]) -> dict[str, list[str]]:
    """The modified artifacts a `git checkout` of another local branch would replace with
    the file that branch commits to Git at their path (see docs/hooks.md)."""
    from mlgit.git.other_branches import branches_tracking
    from mlgit.workspace.artifact_status import CHANGED

    changed = [e.status.path for e in entries
               if e.status is not None and e.status.state in CHANGED]
    return branches_tracking(repo.root, changed) if changed else {}


def _not_ignored(repo: Repo, entries: list[Any]) -> list[str]:
    """The artifacts in the work tree whose data Git does not ignore."""
    from mlgit.workspace.gitignore import not_ignored

    present = [e.status.path for e in entries if e.status is not None
               and os.path.lexists(repo.abspath(e.status.path))]
    return not_ignored(repo.root, present) if present else []


def _warn_not_ignored(rels: list[str]) -> None:
    from mlgit.paths import printable, shell_command

    for rel in rels:
        output.warning(printable(
            f"{rel}: Git does not ignore this data (its .gitignore line is"
            " missing, as after 'git mv' of its pointer): 'git add -A' would commit it to"
            f" Git; {shell_command('mlgit add', rel)} writes the line (move artifacts with"
            " 'mlgit mv', which moves it too)"))


def _warn_overwritten(found: dict[str, list[str]]) -> None:
    from mlgit.paths import printable, shell_command

    for rel, branches in found.items():
        named = ", ".join(branches[:3]) + (f" and {len(branches) - 3} more"
                                           if len(branches) > 3 else "")
        output.warning(printable(
            f"{rel}: branch {named} commits a file to Git at this path: switching there"
            " replaces your changes without a word (Git overwrites what .gitignore lists);"
            f" record them first with {shell_command('mlgit add', rel)}"))


def _warn_damaged_indexes(indexes: list[str]) -> None:
    for rel in indexes:
        output.warning(f"the cache's pack index {rel} is damaged: its objects count as not in"
                       " the cache; run 'mlgit fsck --repair', then 'mlgit pull' to restore"
                       " them")


def checkout(paths: list[str], force: bool = False, json: bool = False,
             rev: str | None = None) -> int:
    from mlgit.cli.render.checkout import show_checkout, warn_dangling
    from mlgit.commands.checkout import checkout as run

    if rev is not None:
        return _checkout_revision(paths, force, json, rev)
    from mlgit.commands.checkout import ignore_again

    with closed_after(find_repo()) as repo:
        results = run(repo, paths, force, output.Progress)
        ignores = ignore_again(repo, results)
    show_checkout(results, json)
    if ignores and not json:
        from mlgit.cli.render.text import git_add_line

        output.err("Git did not ignore the data of some artifacts (a pointer moved with"
                   " 'git mv'?): their .gitignore lines are written again; run "
                   + git_add_line(ignores, repo.root))
    warn_dangling(repo)
    return exit_codes.for_checkout(results)


def _checkout_revision(paths: list[str], force: bool, json: bool, rev: str) -> int:
    from mlgit.cli.render.checkout import show_checkout
    from mlgit.commands.checkout import checkout_revision
    from mlgit.errors import MlgitError

    if not rev:
        raise MlgitError("--rev needs a revision", "e.g. 'mlgit checkout --rev HEAD~1 data'")
    with closed_after(find_repo()) as repo:
        results = checkout_revision(repo, rev, paths, force, output.Progress)
    show_checkout(results, json, missing_hint=_fetch_revision_hint(rev, paths))
    written = any(r.restored or r.removed for r in results)
    failed = any(r.failed or r.conflicts for r in results)
    if not json and (written or not failed):
        output.out(f"Data as of {rev}; Git, the pointer files and mlgit.lock stay as they are,"
                   " so 'mlgit status' shows it as changed ('mlgit checkout' goes back).")
    return exit_codes.for_checkout(results)


def _fetch_revision_hint(rev: str, paths: list[str]) -> str:
    """What gets the objects of `rev` the cache lacks: 'mlgit pull' fetches only what the
    work tree's pointers name."""
    import shlex

    from mlgit.paths import shell_command

    fetch = shell_command(f"mlgit fetch --rev {shlex.quote(rev)}", *paths)
    return (f"fetch {rev}'s data from a remote with {fetch}, then run the same checkout"
            " again")


def add(paths: list[str], force: bool = False, json: bool = False) -> int:
    from mlgit.cli.render.workspace import show_add
    from mlgit.commands.add import add as run

    with closed_after(find_repo()) as repo:
        result = run(repo, paths, force, output.Progress)
    show_add(result, json, repo.root)
    return exit_codes.EXIT_OK


def init(json: bool) -> int:
    from mlgit.cli.render.workspace import show_init
    from mlgit.commands.init import init as run

    show_init(run(), json)
    return exit_codes.EXIT_OK


def ls(json: bool) -> int:
    from mlgit.cli.render.workspace import show_ls
    from mlgit.commands.ls import ls as run

    with opened_repo() as repo:
        rows = run(repo)
    show_ls(rows, json)
    return exit_codes.for_ls(rows)


def rm(paths: list[str], json: bool) -> int:
    from mlgit.cli.render.workspace import show_rm
    from mlgit.commands.rm import rm as run

    with opened_repo() as repo:
        show_rm(run(repo, paths), json, repo.root)
    return exit_codes.EXIT_OK


def mv(src: str, dst: str, json: bool) -> int:
    from mlgit.cli.render.workspace import show_mv
    from mlgit.commands.mv import mv as run

    with opened_repo() as repo:
        show_mv(run(repo, src, dst), json, repo.root)
    return exit_codes.EXIT_OK


def unprotect(paths: list[str], json: bool) -> int:
    from mlgit.cli.render.workspace import show_unprotect
    from mlgit.commands.unprotect import unprotect as run

    with opened_repo() as repo:
        result = run(repo, paths)
        show_unprotect(result, json)
    return exit_codes.for_unprotect(result)
