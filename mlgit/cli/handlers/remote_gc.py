"""The handler of `mlgit gc -r REMOTE`: plan, ask (or -f), delete, render."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlgit.cli import exit_codes, output
from mlgit.cli.handlers.repository import opened_repo

if TYPE_CHECKING:
    from collections.abc import Callable

    from mlgit.commands.remote_gc import RemoteGcResult
    from mlgit.pipeline.at_revision import Revisions


def gc_remote(remote: str, dry_run: bool, force: bool, json: bool, revisions: Revisions,
              grace_hours: float) -> int:
    import sys

    from mlgit.cli.render.remote_gc import show_remote_gc
    from mlgit.commands.remote_gc import remote_gc
    from mlgit.errors import MlgitError

    if not (dry_run or force) and (json or not sys.stdin.isatty()):
        why = "with --json" if json else "when stdin is not a terminal"
        raise MlgitError(f"gc -r deletes files on the remote and cannot ask first {why}",
                         "rerun with -f to delete them, or with --dry-run to see what it would"
                         " delete")
    asked: list[bool] = []
    with opened_repo() as repo:
        result = remote_gc(repo, remote, revisions, grace_hours, dry_run,
                           confirm=None if force or dry_run else _asker(asked))
    if asked and not asked[0]:
        output.err("nothing deleted")
        return exit_codes.EXIT_FAILED
    show_remote_gc(result, json)
    return exit_codes.EXIT_OK


def _asker(answers: list[bool]) -> Callable[[RemoteGcResult], bool]:
    def ask(plan: RemoteGcResult) -> bool:
        import click

        from mlgit.cli.render.remote_gc import plan_lines

        plan.dry_run = True  # the lines say "would delete"
        for line in plan_lines(plan):
            output.err(line)
        plan.dry_run = False
        answers.append(click.confirm("Delete them?", default=False, err=True))
        return answers[0]

    return ask
