"""What the typer declarations (app.py and the app_*.py modules) share: the options several
verbs take, the way a command exits, and how a group of subcommands is made."""
from __future__ import annotations

from typing import Annotated, Any, NoReturn

import click
import typer

# click 8.4+ says "Did you mean ...?" for a mistyped command itself; typer would repeat it
TYPER_SUGGESTS = not hasattr(click.exceptions, "NoSuchCommand")
HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}


def group(help: str) -> typer.Typer:
    """A group of subcommands (`mlgit remote ...`), added to the main app by app.py."""
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None,
                       suggest_commands=TYPER_SUGGESTS, context_settings=HELP_OPTIONS)


def finish(code: int) -> NoReturn:
    raise typer.Exit(code)


JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
PathsArg = Annotated[list[str] | None, typer.Argument(
    help="Artifacts (data paths or their .mlgit pointer files). Default: all.",
    show_default=False)]
RevOpt = Annotated[list[str] | None, typer.Option(
    "--rev", metavar="REV", show_default=False,
    help="Also what this revision references (a commit, branch or tag; repeatable).")]
AllBranchesOpt = Annotated[bool, typer.Option(
    "--all-branches", "-a", help="Also what the tip of every local branch references.")]
AllTagsOpt = Annotated[bool, typer.Option(
    "--all-tags", "-T", help="Also what every tagged commit references.")]
AllCommitsOpt = Annotated[bool, typer.Option(
    "--all-commits", "-A", help="Also what every commit of every branch and tag references.")]
NoWorkspaceOpt = Annotated[bool, typer.Option(
    "--no-workspace", help="With revisions: only theirs, not the workspace's pointers.")]


def revisions(rev: list[str] | None, all_branches: bool, all_tags: bool, all_commits: bool,
              no_workspace: bool = False) -> Any:
    from mlgit.pipeline.at_revision import Revisions

    chosen = Revisions(tuple(rev or ()), all_branches, all_tags, all_commits, not no_workspace)
    if no_workspace and not chosen.any:
        raise typer.BadParameter("--no-workspace needs --rev or an --all-... option",
                                 param_hint="--no-workspace")
    return chosen
