"""Commands that hooks, CI and scripts run constantly, runnable without importing typer/click.

`mlgit status`, `checkout` and `add` run in Git hooks, CI and loops all the time; typer and
click cost ~50 ms of start-up, a quarter of a no-op status. When the arguments are ones this parser
fully understands, entry.run calls the command body directly; anything else (help, unknown
options) goes through the typer app in cli.py, which calls the same bodies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlgit.repo import Repo

# command -> {option spelling: flag name}
FLAGS = {
    "add": {"-f": "force", "--force": "force", "--json": "json"},
    "status": {"-q": "quiet", "--quiet": "quiet", "--json": "json"},
    "checkout": {"-f": "force", "--force": "force", "--json": "json"},
}


def parse(args: list[str]) -> tuple[str, list[str], dict[str, bool]] | None:
    """(command, paths, flags) if `args` are a plain invocation of a fast command, else
    None. Every flag of the command is present in the dict, False unless given."""
    if not args or args[0] not in FLAGS:
        return None
    spellings = FLAGS[args[0]]
    flags = dict.fromkeys(spellings.values(), False)
    paths: list[str] = []
    only_paths = False
    for arg in args[1:]:
        if only_paths or not arg.startswith("-") or arg == "-":
            paths.append(arg)
        elif arg == "--":
            only_paths = True
        elif arg in spellings:
            flags[spellings[arg]] = True
        else:
            return None
    return args[0], paths, flags


def parse_status(args: list[str]) -> tuple[list[str], bool, bool] | None:
    """(paths, quiet, json) if `args` are a plain `status` invocation, else None."""
    parsed = parse(args)
    if parsed is None or parsed[0] != "status":
        return None
    _, paths, flags = parsed
    return paths, flags["quiet"], flags["json"]


def status_body(paths: list[str], quiet: bool, json: bool) -> int:
    """Run `mlgit status` and render it; returns the exit code."""
    from mlgit.cli.render import show_status
    from mlgit.commands.status import status
    from mlgit.repo import Repo

    repo = Repo.find()
    try:
        entries = status(repo, paths)
        damaged_indexes = _damaged_indexes(repo)
    finally:
        repo.close()
    if not quiet:
        show_status(entries, json)
        _warn_damaged_indexes(damaged_indexes)
    if quiet and not all(e.clean for e in entries):
        return 1
    return 1 if damaged_indexes or any(e.error or e.damaged for e in entries) else 0


def _damaged_indexes(repo: Repo) -> list[str]:
    """The cache's pack indexes found damaged while this command read the cache (repo-relative
    paths); none if it never needed the packs."""
    import os

    odb = repo.__dict__.get("odb")  # only if this command opened the store
    if odb is None:
        return []
    return [os.path.relpath(os.path.join(odb.root, rel), repo.root)
            for rel in odb.damaged_indexes]


def _warn_damaged_indexes(indexes: list[str]) -> None:
    from mlgit.cli import output
    for rel in indexes:
        output.warning(f"the cache's pack index {rel} is damaged: its objects count as not in the"
                   " cache; run 'mlgit fsck --repair', then 'mlgit pull' to restore them")


def checkout_body(paths: list[str], force: bool, json: bool) -> int:
    """Run `mlgit checkout` and render it; returns the exit code."""
    from mlgit.cli.output import Progress
    from mlgit.cli.render import show_checkout, warn_dangling
    from mlgit.commands.checkout import checkout
    from mlgit.repo import Repo

    repo = Repo.find()
    try:
        results = checkout(repo, paths, force, Progress)
    finally:
        repo.close()
    show_checkout(results, json)
    warn_dangling(repo)
    return 0 if all(r.ok for r in results) else 1


def add_body(paths: list[str], json: bool, force: bool = False) -> int:
    """Run `mlgit add` and render it; returns the exit code."""
    from mlgit.cli.render import show_add
    from mlgit.commands.add import add
    from mlgit.repo import Repo

    repo = Repo.find()
    try:
        result = add(repo, paths, force)
    finally:
        repo.close()
    show_add(result, json, repo.root)
    return 0


def try_run(args: list[str]) -> int | None:
    parsed = parse(args)
    if parsed is None:
        return None
    command, paths, flags = parsed
    if command == "status":
        return status_body(paths, flags["quiet"], flags["json"])
    if command == "checkout":
        return checkout_body(paths, flags["force"], flags["json"])
    if not paths:
        return None  # let the CLI report the missing argument as a usage error
    return add_body(paths, flags["json"], flags["force"])
