"""The command line: parse arguments, call a command, render its result. The only module
that imports typer. Command modules are imported inside each command so `mlgit --help` pays
only for what it uses. Exit codes are mapped in entry.py (docs/exit-codes.md)."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, NoReturn

import click
import typer

from mlgit.entry import EXIT_FAILED, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from mlgit.repo import Repo


app = typer.Typer(
    name="mlgit",
    help="Version large data and models beside Git.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
PathsArg = Annotated[list[str] | None, typer.Argument(
    help="Artifacts (data paths or their .mlgit pointer files). Default: all.",
    show_default=False)]


def _repo() -> Repo:
    from mlgit.repo import Repo

    return Repo.find()


@contextlib.contextmanager
def _opened_repo() -> Iterator[Repo]:
    """The repository, closed (state flushed, files released) however the command ends."""
    repo = _repo()
    try:
        yield repo
    finally:
        repo.close()


def _finish(code: int) -> NoReturn:
    raise typer.Exit(code)


@app.command()
def init(json: JsonOpt = False) -> None:
    """Set up mlgit in the current Git repository (safe to run again)."""
    from mlgit.commands.init import init as run
    from mlgit.views import show_init

    show_init(run(), json)


@app.command()
def add(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or glob patterns.")],
    json: JsonOpt = False,
) -> None:
    """Track files and folders: store their content in the cache and write PATH.mlgit pointers.

    Re-adding a changed artifact updates its pointer; an unchanged one is a quick no-op.
    """
    from mlgit.fastpath import add_body

    _finish(add_body(paths, json))


@app.command()
def status(
    paths: PathsArg = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q",
                                        help="Print nothing; exit 1 if anything changed.")] = False,
    json: JsonOpt = False,
) -> None:
    """Show, for each tracked artifact, whether it is unchanged, modified, deleted or not in
    the cache, and which files inside a tracked folder changed."""
    from mlgit.fastpath import status_body

    _finish(status_body(paths or [], quiet, json))


@app.command()
def checkout(
    paths: PathsArg = None,
    force: Annotated[bool, typer.Option("--force", "-f", help=(
        "Overwrite workspace changes even when their content is not in the cache."))] = False,
    json: JsonOpt = False,
) -> None:
    """Make the workspace match the pointer files, restoring data from the cache.

    Changed workspace files whose content is not in the cache are left alone (use --force).
    """
    from mlgit.fastpath import checkout_body

    _finish(checkout_body(paths or [], force, json))


@app.command("ls")
def ls_cmd(json: JsonOpt = False) -> None:
    """List tracked artifacts: size, file count, hash prefix, and whether the cache has them."""
    from mlgit.commands.ls import ls as run
    from mlgit.views import show_ls

    with _opened_repo() as repo:
        rows = run(repo)
    show_ls(rows, json)
    if any(r.error for r in rows):
        _finish(EXIT_FAILED)


@app.command()
def rm(
    paths: Annotated[list[str], typer.Argument(help="Artifacts to stop tracking.")],
    json: JsonOpt = False,
) -> None:
    """Stop tracking artifacts: remove their pointers and .gitignore entries; keep the data."""
    from mlgit.commands.rm import rm as run
    from mlgit.views import show_rm

    with _opened_repo() as repo:
        show_rm(run(repo, paths), json)


@app.command()
def gc(
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n",
                                          help="Only report what would be deleted.")] = False,
    json: JsonOpt = False,
) -> None:
    """Delete cache objects that no pointer in the workspace references."""
    from mlgit.commands.gc import gc as run
    from mlgit.views import show_gc

    with _opened_repo() as repo:
        show_gc(run(repo, dry_run), json)


@app.command()
def unprotect(
    paths: Annotated[list[str], typer.Argument(help="Artifacts to make editable.")],
    json: JsonOpt = False,
) -> None:
    """Replace read-only links into the cache (hardlink/symlink) with editable copies."""
    from mlgit.commands.unprotect import unprotect as run
    from mlgit.views import show_unprotect

    with _opened_repo() as repo:
        show_unprotect(run(repo, paths), json)


@app.command()
def config(
    key: Annotated[str, typer.Argument(help="Setting name, e.g. cache.link.")],
    value: Annotated[str | None, typer.Argument(help="New value; omit to read.")] = None,
    local: Annotated[bool, typer.Option(
        "--local", help="Write to .mlgit/config.local.yaml (this machine only, not committed)."
    )] = False,
    json: JsonOpt = False,
) -> None:
    """Read or set a setting. Keys: cache.link, core.lock_timeout, core.jobs."""
    from mlgit.commands import config as cmd
    from mlgit.views import show_config

    repo = cmd.open_repo()
    result = cmd.get(repo, key) if value is None else cmd.set_value(repo, key, value, local)
    show_config(key, result, json)


@app.command()
def version(json: JsonOpt = False) -> None:
    """Show versions of mlgit, Python and key libraries, the link type and filesystem."""
    from mlgit.commands.version import version as run
    from mlgit.views import show_version

    show_version(run(), json)


def run_typer(args: list[str]) -> int:
    """Run the typer app; MlgitError and other exceptions propagate to entry.run."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args, prog_name="mlgit", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        raise KeyboardInterrupt from None
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    return result if isinstance(result, int) else EXIT_OK
