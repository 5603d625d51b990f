"""The verbs that read other revisions, as typer declares them: diff, get and merge-driver
(registered on the main app by app.py)."""
from __future__ import annotations

from typing import Annotated

import typer

from mlgit.cli.app_options import JsonOpt, finish


def diff(
    revs: Annotated[list[str] | None, typer.Argument(
        metavar="[A [B]]", show_default=False,
        help=("Two revisions; one: it against the workspace; none: HEAD against it."
              " 'workspace' names the work tree (refused if a branch or tag has that"
              " name).")), ] = None,
    json: JsonOpt = False,
    md: Annotated[bool, typer.Option("--md", help="Print a Markdown table.")] = False,
) -> None:
    """Show the data added, modified, deleted and renamed between two revisions (down to
    files inside tracked folders, with sizes), stage outputs included."""
    from mlgit.cli.handlers import history

    if json and md:
        raise typer.BadParameter("give --json or --md, not both", param_hint="--md")
    finish(history.diff(revs or [], json, md))


def get(
    rev: Annotated[str, typer.Argument(help="A commit, branch or tag.", show_default=False)],
    path: Annotated[str, typer.Argument(help=(
        "What REV tracks: an artifact, a stage output, or a path inside a tracked folder."),
        show_default=False)],
    out: Annotated[str | None, typer.Option(
        "--out", "-o", metavar="OUT", show_default=False,
        help="Where to write it (default: its name in the current folder).")] = None,
    remote: Annotated[str | None, typer.Option(
        "--remote", "-r", metavar="NAME", show_default=False,
        help="Fetch what the cache lacks from this remote (default: the default remote).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", "-f", help="Overwrite OUT.")] = False,
    json: JsonOpt = False,
) -> None:
    """Write PATH as revision REV has it to OUT, without touching the workspace, Git or the
    pointers (objects the cache lacks are fetched from a remote first)."""
    from mlgit.cli.handlers import history

    finish(history.get(rev, path, out, remote, force, json))


def merge_driver(
    files: Annotated[list[str] | None, typer.Argument(
        metavar="[BASE OURS THEIRS PATH]", show_default=False,
        help="Given by Git (%O %A %B %P): the merged result replaces OURS.")] = None,
    install: Annotated[bool, typer.Option("--install", help=(
        "Register the driver: merge.mlgit in .git/config, merge=mlgit for *.mlgit and"
        " mlgit.lock and merge=union for .gitignore in .gitattributes."))] = False,
    uninstall: Annotated[bool, typer.Option("--uninstall", help="Undo --install.")] = False,
    json: JsonOpt = False,
) -> None:
    """Git's merge driver for pointer files and mlgit.lock: a stage or pointer changed on
    one side merges cleanly; a true conflict is left between conflict markers (exit 1)."""
    from mlgit.cli.handlers import history

    finish(history.merge_driver(files or [], install, uninstall, json))
