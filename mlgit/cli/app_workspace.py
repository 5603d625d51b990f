"""The workspace verbs as typer declares them: init, add, status, checkout, ls, rm, mv,
unprotect (registered on the main app by app.py)."""
from __future__ import annotations

from typing import Annotated, Any

import click
import typer
import typer.core

from mlgit.cli.app_options import JsonOpt, PathsArg, finish


class BareRemoteCommand(typer.core.TyperCommand):
    """A command whose --remote may be given without a value, meaning the default remote
    (click then gives ""); the fast parser reads `--remote NAME` the same way."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, click.Option) and param.name == "remote":
                param._flag_needs_value = True  # click's switch for an optional value
                param.flag_value = ""


def init(json: JsonOpt = False) -> None:
    """Set up mlgit in the current Git repository (safe to run again)."""
    from mlgit.cli.handlers import workspace

    finish(workspace.init(json))


def add(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or glob patterns.")],
    force: Annotated[bool, typer.Option(
        "--force", "-f", help="Re-add a tracked folder with fewer files than recorded even"
        " when its recorded version is not in the cache (records only what is here).")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Track files and folders: store their content in the cache and write PATH.mlgit pointers.

    Re-adding a changed artifact updates its pointer; an unchanged one is a quick no-op.
    """
    from mlgit.cli.handlers import workspace

    finish(workspace.add(paths, force, json))


def status(
    paths: PathsArg = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q",
                                        help="Print nothing; exit 1 if anything changed.")] = False,
    remote: Annotated[str | None, typer.Option(
        "--remote", metavar="[NAME]", show_default=False,
        help="Instead, show per artifact whether its objects are in the cache and on the"
             " remote NAME (default: the default remote).")] = None,
    json: JsonOpt = False,
) -> None:
    """Show, for each tracked artifact, whether it is unchanged, modified, deleted or not in
    the cache, and which files inside a tracked folder changed."""
    from mlgit.cli.handlers import workspace

    finish(workspace.status(paths or [], quiet, json, remote))


def checkout(
    paths: PathsArg = None,
    force: Annotated[bool, typer.Option("--force", "-f", help=(
        "Overwrite workspace changes even when their content is not in the cache."))] = False,
    json: JsonOpt = False,
    rev: Annotated[str | None, typer.Option(
        "--rev", metavar="REV", show_default=False, help=(
            "Restore the data as of this revision instead; Git and the pointers stay as"
            " they are, and nothing is removed."))] = None,
) -> None:
    """Make the workspace match the pointer files, restoring data from the cache.

    Changed workspace files whose content is not in the cache are left alone (use --force).
    Without paths, data that mlgit put in the workspace and that is no longer tracked (after
    switching Git branches) is removed, if unchanged and in the cache.
    """
    from mlgit.cli.handlers import workspace

    finish(workspace.checkout(paths or [], force, json, rev))


def ls_cmd(json: JsonOpt = False) -> None:
    """List tracked artifacts: size, file count, hash prefix, and whether the cache has them."""
    from mlgit.cli.handlers import workspace

    finish(workspace.ls(json))


def rm(
    paths: Annotated[list[str], typer.Argument(help="Artifacts to stop tracking.")],
    json: JsonOpt = False,
) -> None:
    """Stop tracking artifacts: remove their pointers and .gitignore entries; keep the data."""
    from mlgit.cli.handlers import workspace

    finish(workspace.rm(paths, json))


def mv(
    src: Annotated[str, typer.Argument(help="The artifact to move (its data path or pointer).",
                                       show_default=False)],
    dst: Annotated[str, typer.Argument(help=(
        "The new path, or an existing folder to move it into."), show_default=False)],
    json: JsonOpt = False,
) -> None:
    """Move or rename an artifact: its data, its pointer file and its .gitignore entry."""
    from mlgit.cli.handlers import workspace

    finish(workspace.mv(src, dst, json))


def unprotect(
    paths: Annotated[list[str], typer.Argument(help="Artifacts to make editable.")],
    json: JsonOpt = False,
) -> None:
    """Replace read-only links into the cache (hardlink/symlink) with editable copies."""
    from mlgit.cli.handlers import workspace

    finish(workspace.unprotect(paths, json))
