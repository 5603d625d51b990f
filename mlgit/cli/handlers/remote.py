"""The handlers of push, fetch, pull and the remote verbs: open the repository, run the
command, render its result, return the exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlgit.cli import exit_codes, output
from mlgit.cli.handlers.repository import opened_repo

if TYPE_CHECKING:
    from mlgit.pipeline.at_revision import Revisions
    from mlgit.remote.transfer import Outcome
    from mlgit.workspace.checkout_result import CheckoutResult


def push(paths: list[str], remote: str | None, jobs: int | None, json: bool,
         run_cache: bool = False, revisions: Revisions | None = None) -> int:
    from mlgit.commands.push import run_push
    from mlgit.pipeline.at_revision import NO_REVISIONS

    with opened_repo() as repo:
        outcome = run_push(repo, paths, remote, jobs, output.Progress, run_cache,
                           revisions or NO_REVISIONS)
    return _show_transfer(outcome, "push", json)


def fetch(paths: list[str], remote: str | None, jobs: int | None, json: bool,
          run_cache: bool = False, revisions: Revisions | None = None) -> int:
    from mlgit.commands.fetch import run_fetch
    from mlgit.pipeline.at_revision import NO_REVISIONS

    with opened_repo() as repo:
        outcome = run_fetch(repo, paths, remote, jobs, open_progress=output.Progress,
                            run_cache=run_cache, revisions=revisions or NO_REVISIONS)
    return _show_transfer(outcome, "fetch", json)


def pull(paths: list[str], remote: str | None, jobs: int | None, force: bool,
         json: bool, run_cache: bool = False, revisions: Revisions | None = None) -> int:
    from mlgit.commands.fetch import run_fetch
    from mlgit.pipeline.at_revision import NO_REVISIONS

    with opened_repo() as repo:
        outcome = run_fetch(repo, paths, remote, jobs, checkout=True, force=force,
                            open_progress=output.Progress, run_cache=run_cache,
                            revisions=revisions or NO_REVISIONS)
    return _show_transfer(outcome, "pull", json)


def _show_transfer(outcome: Outcome[CheckoutResult], command: str, json: bool) -> int:
    from mlgit.cli.render.remote import show_transfer

    show_transfer(outcome, command, json)
    return exit_codes.for_transfer(outcome)


def remote_add(name: str, url: str, default: bool, force: bool, json: bool) -> int:
    from mlgit.cli.render.remote import show_remote
    from mlgit.commands import remote as cmd

    with opened_repo() as repo:
        show_remote(cmd.add(repo, name, url, default, force), "added", json)
    return exit_codes.EXIT_OK


def remote_list(json: bool) -> int:
    from mlgit.cli.render.remote import show_remotes
    from mlgit.commands import remote as cmd

    with opened_repo() as repo:
        rows = cmd.list_remotes(repo)
    show_remotes(rows, json)
    return exit_codes.for_remote_list(rows)


def remote_remove(name: str, json: bool) -> int:
    from mlgit.commands import remote as cmd

    with opened_repo() as repo:
        cmd.remove(repo, name)
    if json:
        output.json_out({"removed": name})
    else:
        output.out(f"removed remote {name}")
    return exit_codes.EXIT_OK


def remote_default(name: str | None, json: bool) -> int:
    from mlgit.cli.render.remote import show_default_remote
    from mlgit.commands import remote as cmd

    with opened_repo() as repo:
        show_default_remote(cmd.default(repo, name), json)
    return exit_codes.EXIT_OK


def remote_modify(name: str, key: str, value: str | None, local: bool, json: bool) -> int:
    from mlgit.cli.render.remote import show_remote
    from mlgit.commands import remote as cmd

    with opened_repo() as repo:
        show_remote(cmd.modify(repo, name, key, value, local), "modified", json)
    return exit_codes.EXIT_OK
