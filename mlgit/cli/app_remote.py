"""The transfer verbs (push, fetch, pull) and the `mlgit remote` group as typer declares
them; app.py registers both on the main app."""
from __future__ import annotations

from typing import Annotated

import typer

from mlgit.cli.app_options import (
    AllBranchesOpt,
    AllCommitsOpt,
    AllTagsOpt,
    JsonOpt,
    NoWorkspaceOpt,
    RevOpt,
    finish,
    group,
    revisions,
)

RemoteOpt = Annotated[str | None, typer.Option(
    "--remote", "-r", metavar="NAME", show_default=False,
    help="The remote to use (default: the default remote).")]
JobsOpt = Annotated[int | None, typer.Option(
    "--jobs", "-j", min=1, metavar="N", show_default=False,
    help="Parallel transfers (default: 4 for local folders, 8 for ssh, 16 for gs/s3).")]
TransferPaths = Annotated[list[str] | None, typer.Argument(
    help="Artifacts, stage outputs, or paths inside tracked folders. Default: everything"
    " tracked, and every output mlgit.lock records.",
    show_default=False)]
RunCacheOpt = Annotated[bool, typer.Option(
    "--run-cache", help="Also move the run-cache: the record of every stage run, with its"
    " outputs (mlgit repro restores a run from it instead of running it again).")]


def push(paths: TransferPaths = None, remote: RemoteOpt = None, jobs: JobsOpt = None,
         run_cache: RunCacheOpt = False, json: JsonOpt = False, rev: RevOpt = None,
         all_branches: AllBranchesOpt = False, all_tags: AllTagsOpt = False,
         all_commits: AllCommitsOpt = False, no_workspace: NoWorkspaceOpt = False) -> None:
    """Upload the objects the pointers reference to a remote (only those it lacks).

    Exit 1 if any object failed; the rest are uploaded, and running it again finishes the job.
    """
    from mlgit.cli.handlers import remote as handlers

    finish(handlers.push(paths or [], remote, jobs, json, run_cache,
                          revisions(rev, all_branches, all_tags, all_commits, no_workspace)))


def fetch(paths: TransferPaths = None, remote: RemoteOpt = None, jobs: JobsOpt = None,
          run_cache: RunCacheOpt = False, json: JsonOpt = False, rev: RevOpt = None,
          all_branches: AllBranchesOpt = False, all_tags: AllTagsOpt = False,
          all_commits: AllCommitsOpt = False, no_workspace: NoWorkspaceOpt = False) -> None:
    """Download the objects the pointers reference from a remote into the cache (only those
    the cache lacks); the workspace is not touched. Every object is verified first."""
    from mlgit.cli.handlers import remote as handlers

    finish(handlers.fetch(paths or [], remote, jobs, json, run_cache,
                           revisions(rev, all_branches, all_tags, all_commits, no_workspace)))


def pull(
    paths: TransferPaths = None, remote: RemoteOpt = None, jobs: JobsOpt = None,
    force: Annotated[bool, typer.Option("--force", "-f", help=(
        "Overwrite workspace changes even when their content is not in the cache."))] = False,
    run_cache: RunCacheOpt = False, json: JsonOpt = False, rev: RevOpt = None,
    all_branches: AllBranchesOpt = False, all_tags: AllTagsOpt = False,
    all_commits: AllCommitsOpt = False,
) -> None:
    """Fetch, then check out: make the workspace match the pointers with data from a remote.
    What --rev and the --all-... options add is fetched, not checked out."""
    from mlgit.cli.handlers import remote as handlers

    finish(handlers.pull(paths or [], remote, jobs, force, json, run_cache,
                          revisions(rev, all_branches, all_tags, all_commits)))


remote_app = group("Manage remotes: where push, fetch and pull send and get data.")
NameArg = Annotated[str, typer.Argument(help="Remote name, e.g. origin.", show_default=False)]


@remote_app.command("add")
def remote_add(
    name: NameArg,
    url: Annotated[str, typer.Argument(help=(
        "A local folder, file://, gs://bucket/prefix, s3://bucket/prefix,"
        " ssh://[user@]host[:port]/path or memory://name."), show_default=False)],
    default: Annotated[bool, typer.Option(
        "--default", "-d", help=("Make it the default remote (a remote added while there is"
                                 " no default becomes it anyway)."))
    ] = False,
    force: Annotated[bool, typer.Option(
        "--force", "-f", help="Replace a remote of that name (its options are dropped).")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Add a remote to .mlgit/config.yaml (committed, so clones know it)."""
    from mlgit.cli.handlers import remote as handlers

    finish(handlers.remote_add(name, url, default, force, json))


@remote_app.command("list")
def remote_list(json: JsonOpt = False) -> None:
    """List remotes: name, URL (without credentials), option names; * marks the default.
    Option values are never shown."""
    from mlgit.cli.handlers import remote as handlers

    finish(handlers.remote_list(json))


@remote_app.command("remove")
def remote_remove(name: NameArg, json: JsonOpt = False) -> None:
    """Remove a remote and its options from both config files (its data stays where it is)."""
    from mlgit.cli.handlers import remote as handlers

    finish(handlers.remote_remove(name, json))


@remote_app.command("default")
def remote_default(
    name: Annotated[str | None, typer.Argument(
        help="The remote to make the default; omit to show the default.",
        show_default=False)] = None,
    json: JsonOpt = False,
) -> None:
    """Show or set the default remote (core.remote in .mlgit/config.yaml)."""
    from mlgit.cli.handlers import remote as handlers

    finish(handlers.remote_default(name, json))


@remote_app.command("modify")
def remote_modify(
    name: NameArg,
    key: Annotated[str, typer.Argument(help=(
        "url, or an option of the remote's kind (e.g. endpoint_url, project, profile,"
        " key_file); see docs/remotes.md."), show_default=False)],
    value: Annotated[str | None, typer.Argument(
        help="The new value (omit with --unset).", show_default=False)] = None,
    local: Annotated[bool, typer.Option("--local", help=(
        "Write to .mlgit/config.local.yaml (this machine only, not committed): the place"
        " for credentials."))] = False,
    unset: Annotated[bool, typer.Option("--unset", help="Remove the setting.")] = False,
    json: JsonOpt = False,
) -> None:
    """Set or remove a remote's URL or option. Values are never printed."""
    from mlgit.cli.handlers import remote as handlers

    if unset == (value is not None):
        raise typer.BadParameter("give either a VALUE or --unset", param_hint="VALUE")
    finish(handlers.remote_modify(name, key, value, local, json))
