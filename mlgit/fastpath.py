"""Commands that hooks and CI run constantly, runnable without importing typer/click.

`mlgit status` is called by Git hooks and CI on every commit; typer and click cost ~50 ms of
start-up, a third of a no-op status. When the arguments are ones this parser fully
understands, entry.main runs the command body directly; anything else (help, unknown
options) goes through the typer app in cli.py, which calls the same body.
"""

from __future__ import annotations

STATUS_FLAGS = {"-q": "quiet", "--quiet": "quiet", "--json": "json"}


def parse_status(args: list[str]) -> tuple[list[str], bool, bool] | None:
    """(paths, quiet, json) if `args` are a plain `status` invocation, else None."""
    if not args or args[0] != "status":
        return None
    paths: list[str] = []
    flags = {"quiet": False, "json": False}
    only_paths = False
    for arg in args[1:]:
        if only_paths or not arg.startswith("-") or arg == "-":
            paths.append(arg)
        elif arg == "--":
            only_paths = True
        elif arg in STATUS_FLAGS:
            flags[STATUS_FLAGS[arg]] = True
        else:
            return None
    return paths, flags["quiet"], flags["json"]


def status_body(paths: list[str], quiet: bool, json: bool) -> int:
    """Run `mlgit status` and render it; returns the exit code."""
    from mlgit.commands.status import status
    from mlgit.repo import Repo
    from mlgit.views import show_status

    repo = Repo.find()
    try:
        entries = status(repo, paths)
    finally:
        repo.close()
    if not quiet:
        show_status(entries, json)
    if quiet and not all(e.clean for e in entries):
        return 1
    return 1 if any(e.error for e in entries) else 0


def try_run(args: list[str]) -> int | None:
    parsed = parse_status(args)
    if parsed is None:
        return None
    return status_body(*parsed)
