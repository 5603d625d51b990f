"""The Git hook verbs as typer declares them: install, uninstall, hook (registered on the
main app by app.py)."""
from __future__ import annotations

from typing import Annotated

import typer

from mlgit.cli.app_options import JsonOpt, finish

HookOpt = Annotated[list[str] | None, typer.Option(
    "--hook", metavar="NAME", show_default=False,
    help="post-checkout (with post-rewrite, for rebases), post-merge, pre-commit or pre-push."
         " Repeatable. Default: all of them.")]


def install(hook: HookOpt = None, json: JsonOpt = False) -> None:
    """Install mlgit's Git hooks: data follows checkouts, merges and rebases; commits whose
    data changed without its pointer are refused; git push uploads the data first.

    Hooks go where Git runs them (core.hooksPath, or the common git dir of worktrees). A hook
    already there is kept and runs first. Running it again changes nothing.
    """
    from mlgit.cli.handlers import hooks

    finish(hooks.install(hook or [], json))


def uninstall(hook: HookOpt = None, json: JsonOpt = False) -> None:
    """Remove mlgit's Git hooks, putting back any hook they replaced as it was."""
    from mlgit.cli.handlers import hooks

    finish(hooks.uninstall(hook or [], json))


def hook(
    name: Annotated[str, typer.Argument(help=(
        "post-checkout, post-merge, post-rewrite, pre-commit or pre-push."),
        show_default=False)],
    args: Annotated[list[str] | None, typer.Argument(
        help="The arguments Git gives the hook.", show_default=False)] = None,
) -> None:
    """Run a Git hook (the installed hook scripts call this; see docs/hooks.md).

    MLGIT_SKIP_HOOKS=1 skips it; in a repository without mlgit it does nothing.
    """
    from mlgit.cli.handlers import hooks

    finish(hooks.hook([name, *(args or [])]))
