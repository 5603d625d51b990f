"""The handlers of the revision-history verbs (diff, get, merge-driver): open the repository,
run the command, render its result, return the exit code."""

from __future__ import annotations

from mlgit.cli import exit_codes
from mlgit.cli.handlers.repository import closed_after, find_repo


def diff(revs: list[str], json: bool, md: bool) -> int:
    from mlgit.cli.render.history import show_diff
    from mlgit.commands.diff import diff as run

    with closed_after(find_repo()) as repo:
        result = run(repo, revs)
    show_diff(result, json, md)
    return exit_codes.EXIT_FAILED if result.errors else exit_codes.EXIT_OK


def get(rev: str, path: str, out: str | None, remote: str | None, force: bool, json: bool
        ) -> int:
    from mlgit.cli.render.history import show_get
    from mlgit.commands.get import get as run

    with closed_after(find_repo()) as repo:
        result = run(repo, rev, path, out, remote, force)
    show_get(result, json)
    return exit_codes.EXIT_OK
