"""The cache and settings verbs as typer declares them: gc, config, fsck, version
(registered on the main app by app.py)."""
from __future__ import annotations

from typing import Annotated

import typer

from mlgit.cli.app_options import (
    AllBranchesOpt,
    AllCommitsOpt,
    AllTagsOpt,
    JsonOpt,
    RevOpt,
    finish,
    revisions,
)


def gc(
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n",
                                          help="Only report what would be deleted.")] = False,
    force: Annotated[bool, typer.Option("--force", "-f", help=(
        "Delete without asking (needed when stdin is not a terminal, with --json, and for"
        " a cache that cache.dir puts outside the repository)."))
    ] = False,
    remote: Annotated[str | None, typer.Option(
        "--remote", "-r", metavar="NAME", show_default=False,
        help=("Clean this remote instead of the cache: delete what nothing kept references"
              " (with --tmp: only the leftovers of interrupted pushes; default remote)."))
    ] = None,
    tmp: Annotated[bool, typer.Option("--tmp", help=(
        "Instead, delete the temporary files that interrupted pushes left on a remote"
        " (those over an hour old)."))] = False,
    grace: Annotated[float | None, typer.Option(
        "--grace", metavar="HOURS", min=0, show_default=False,
        help="With -r: keep what the remote received less than this many hours ago"
             " (default 24).")
    ] = None,
    json: JsonOpt = False, rev: RevOpt = None, all_branches: AllBranchesOpt = False,
    all_tags: AllTagsOpt = False, all_commits: AllCommitsOpt = False,
) -> None:
    """Delete cache objects that no pointer in the work tree or at HEAD references (nor
    the revisions --rev and the --all-... options name).

    Otherwise older commits may still need them: gc says how many. On a terminal, gc lists
    what it will delete (and how much of it is on no remote) and asks first.

    With -r NAME, gc cleans that remote instead: it deletes what the same references do not
    need, keeps what the remote received less than --grace hours ago, and rewrites packs
    that are mostly garbage (docs/formats.md, "Remote layout after gc").
    """
    from mlgit.cli.handlers import maintenance

    if remote is not None and not tmp:
        from mlgit.cli.handlers.remote_gc import gc_remote
        from mlgit.remote.gc_plan import GRACE_HOURS

        finish(gc_remote(remote, dry_run, force, json,
                          revisions(rev, all_branches, all_tags, all_commits),
                          GRACE_HOURS if grace is None else grace))
    if grace is not None:
        raise typer.BadParameter("only works with -r NAME (and without --tmp)",
                                 param_hint="'--grace'")
    finish(maintenance.gc(dry_run, force, remote, tmp, json,
                           revisions(rev, all_branches, all_tags, all_commits)))


def config(
    key: Annotated[str, typer.Argument(help="Setting name, e.g. cache.link.")],
    value: Annotated[str | None, typer.Argument(help="New value; omit to read.")] = None,
    local: Annotated[bool, typer.Option(
        "--local", help="Write to .mlgit/config.local.yaml (this machine only, not committed)."
    )] = False,
    json: JsonOpt = False,
) -> None:
    """Read or set a setting: cache.dir, cache.link, core.jobs, core.lock_timeout, core.remote."""
    from mlgit.cli.handlers import maintenance

    finish(maintenance.config(key, value, local, json))


def fsck(
    repair: Annotated[bool, typer.Option("--repair", help=(
        "Set damaged cache objects (and pack indexes) aside in the cache's quarantine folder,"
        " so that 'mlgit fetch' restores them."))] = False,
    remote: Annotated[str | None, typer.Option(
        "--remote", "-r", metavar="NAME", show_default=False,
        help="Check this remote's objects instead of the cache (read only).")] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, metavar="N", show_default=False,
        help="Objects checked in parallel (default: core.jobs; for a remote, as push).")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Verify every object and pack index in the cache (or on a remote): report what is
    damaged and which artifacts it affects.

    Exit 1 if anything is damaged, 0 if not.
    """
    from mlgit.cli.handlers import maintenance

    finish(maintenance.fsck(repair, remote, jobs, json))


def version(json: JsonOpt = False) -> None:
    """Show versions of mlgit, Python and key libraries, the link type and filesystem."""
    from mlgit.cli.handlers import maintenance

    finish(maintenance.version(json))
