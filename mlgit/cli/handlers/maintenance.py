"""The handlers of gc, fsck, config and version: open the repository, run the command, render
its result, return the exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlgit.cli import exit_codes, output
from mlgit.cli.handlers.repository import opened_repo

if TYPE_CHECKING:
    from mlgit.pipeline.at_revision import Revisions
    from mlgit.repo import Repo


def gc(dry_run: bool, force: bool, remote: str | None, tmp: bool, json: bool,
       revisions: Revisions | None = None) -> int:
    """`tmp`: clean the remote's leftover temp files instead of the cache; `revisions`:
    what else to keep."""
    from mlgit.cli.render.maintenance import show_gc
    from mlgit.commands import gc as cmd
    from mlgit.pipeline.at_revision import NO_REVISIONS

    if tmp:
        return _gc_remote_tmp(remote, dry_run, json)
    revisions = revisions or NO_REVISIONS
    with opened_repo() as repo:
        if dry_run:
            show_gc(cmd.preview(cmd.plan(repo, True, revisions)), json)
        elif force:
            plan = cmd.plan(repo, True, revisions)
            result = cmd.collect(repo, plan, revisions)
            result.remotes = plan.remotes  # so the output says what is now on no remote
            show_gc(result, json)
        else:
            cmd.refuse_foreign_cache(repo)
            return _gc_after_asking(repo, json, revisions)
    return exit_codes.EXIT_OK


def _gc_after_asking(repo: Repo, json: bool, revisions: Revisions) -> int:
    import sys

    import click

    from mlgit.cli.render.maintenance import gc_plan_lines, show_gc
    from mlgit.commands import gc as cmd
    from mlgit.errors import MlgitError

    if json or not sys.stdin.isatty():
        why = "with --json" if json else "when stdin is not a terminal"
        raise MlgitError(f"gc deletes cache objects and cannot ask first {why}",
                         "rerun with -f to delete them, or with --dry-run to see what it would"
                         " delete")
    plan = cmd.plan(repo, True, revisions)
    if plan.count:
        for line in gc_plan_lines(plan):
            output.err(line)
        if not click.confirm("Delete them?", default=False, err=True):
            output.err("nothing deleted")
            return exit_codes.EXIT_FAILED
    result = cmd.collect(repo, plan, revisions)
    result.history = type(result.history)()  # shown before asking
    show_gc(result, json)  # the remotes' lines were shown before asking
    return exit_codes.EXIT_OK


def _gc_remote_tmp(remote: str | None, dry_run: bool, json: bool) -> int:
    from mlgit.cli.render.maintenance import show_remote_tmp
    from mlgit.commands.gc import remote_tmp

    with opened_repo() as repo:
        show_remote_tmp(remote_tmp(repo, remote, dry_run), json)
    return exit_codes.EXIT_OK


def fsck(repair: bool, remote: str | None, jobs: int | None, json: bool) -> int:
    from mlgit.cli.render.maintenance import show_fsck
    from mlgit.commands.fsck import fsck as run

    with opened_repo() as repo:
        result = run(repo, repair, remote, jobs, output.Progress)
    show_fsck(result, json)
    return exit_codes.for_fsck(result)


def config(key: str, value: str | None, local: bool, json: bool) -> int:
    """Read the setting `key`, or set it to `value`."""
    from mlgit.cli.render.maintenance import show_config
    from mlgit.commands import config as cmd

    repo = cmd.open_repo(key, output.warning)
    result = cmd.get(repo, key) if value is None else cmd.set_value(repo, key, value, local)
    show_config(key, result, json)
    if value is not None:
        for warning in cmd.warnings_for(key, result):
            output.warning(warning)
    return exit_codes.EXIT_OK


def version(json: bool) -> int:
    from mlgit.cli.render.maintenance import show_version
    from mlgit.commands.version import version as run

    show_version(run(output.warning), json)
    return exit_codes.EXIT_OK
