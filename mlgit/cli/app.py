"""The command line: parse arguments, call a command, render its result. The only module
that imports typer. Command modules are imported inside each command so `mlgit --help` pays
only for what it uses. Exit codes are mapped in main.py (docs/exit-codes.md)."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, NoReturn

import click
import typer

from mlgit.cli.main import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from mlgit.commands.transfer import Outcome
    from mlgit.repo import Repo


# click 8.4+ says "Did you mean ...?" for a mistyped command itself; typer would repeat it
_TYPER_SUGGESTS = not hasattr(click.exceptions, "NoSuchCommand")

app = typer.Typer(
    name="mlgit",
    help="Version large data and models beside Git.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    suggest_commands=_TYPER_SUGGESTS,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        from mlgit import __version__
        from mlgit.cli import output
        output.out(f"mlgit {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _options(
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print mlgit's version and exit ('mlgit version' also shows the libraries).")
    ] = False,
) -> None:
    """Version large data and models beside Git."""

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
        try:
            from mlgit.cli.render import warn_dangling

            warn_dangling(repo)
        finally:
            repo.close()


def _finish(code: int) -> NoReturn:
    raise typer.Exit(code)


@app.command()
def init(json: JsonOpt = False) -> None:
    """Set up mlgit in the current Git repository (safe to run again)."""
    from mlgit.cli.render import show_init
    from mlgit.commands.init import init as run

    show_init(run(), json)


@app.command()
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
    from mlgit.cli.fastparse import add_body

    _finish(add_body(paths, json, force))


@app.command()
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
    if remote is not None:
        from mlgit.cli.render import show_remote_status
        from mlgit.commands.transfer import run_remote_status

        with _opened_repo() as repo:
            name, url, rows = run_remote_status(repo, paths or [], remote or None)
        if not quiet:
            show_remote_status(name, url, rows, json)
        _finish(EXIT_FAILED if any(r.error or r.nowhere for r in rows)
                or (quiet and any(r.on_remote < r.objects for r in rows)) else EXIT_OK)
    from mlgit.cli.fastparse import status_body

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
    Without paths, data that mlgit put in the workspace and that is no longer tracked (after
    switching Git branches) is removed, if unchanged and in the cache.
    """
    from mlgit.cli.fastparse import checkout_body

    _finish(checkout_body(paths or [], force, json))


@app.command("ls")
def ls_cmd(json: JsonOpt = False) -> None:
    """List tracked artifacts: size, file count, hash prefix, and whether the cache has them."""
    from mlgit.cli.render import show_ls
    from mlgit.commands.ls import ls as run

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
    from mlgit.cli.render import show_rm
    from mlgit.commands.rm import rm as run

    with _opened_repo() as repo:
        show_rm(run(repo, paths), json, repo.root)


@app.command()
def mv(
    src: Annotated[str, typer.Argument(help="The artifact to move (its data path or pointer).",
                                       show_default=False)],
    dst: Annotated[str, typer.Argument(help=(
        "The new path, or an existing folder to move it into."), show_default=False)],
    json: JsonOpt = False,
) -> None:
    """Move or rename an artifact: its data, its pointer file and its .gitignore entry."""
    from mlgit.cli.render import show_mv
    from mlgit.commands.mv import mv as run

    with _opened_repo() as repo:
        show_mv(run(repo, src, dst), json, repo.root)


@app.command()
def gc(
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n",
                                          help="Only report what would be deleted.")] = False,
    force: Annotated[bool, typer.Option("--force", "-f", help=(
        "Delete without asking (needed when stdin is not a terminal, with --json, and for"
        " a cache that cache.dir puts outside the repository)."))
    ] = False,
    remote: Annotated[str | None, typer.Option(
        "--remote", "-r", metavar="NAME", show_default=False,
        help="With --tmp: the remote to clean (default: the default remote).")] = None,
    tmp: Annotated[bool, typer.Option("--tmp", help=(
        "Instead, delete the temporary files that interrupted pushes left on a remote"
        " (those over an hour old)."))] = False,
    json: JsonOpt = False,
) -> None:
    """Delete cache objects that no pointer in the work tree or at HEAD references.

    Other branches and older commits may still need them. On a terminal, gc lists what it
    will delete (and how much of it is on no remote) and asks first.
    """
    from mlgit.cli.render import show_gc

    if remote is not None and not tmp:
        raise typer.BadParameter("only works with --tmp", param_hint="'--remote' / '-r'")
    if tmp:
        _gc_remote_tmp(remote, dry_run, json)
        return
    from mlgit.commands import gc as cmd
    with _opened_repo() as repo:
        if dry_run:
            show_gc(cmd.preview(cmd.plan(repo, check_remotes=True)), json)
        elif force:
            plan = cmd.plan(repo, check_remotes=True)
            result = cmd.collect(repo, plan)
            result.remotes = plan.remotes  # so the output says what is now on no remote
            show_gc(result, json)
        else:
            cmd.refuse_foreign_cache(repo)
            _gc_after_asking(repo, json)


def _gc_after_asking(repo: Repo, json: bool) -> None:
    import sys

    from mlgit.cli import output
    from mlgit.cli.render import gc_plan_lines, show_gc
    from mlgit.commands import gc as cmd
    from mlgit.errors import MlgitError

    if json or not sys.stdin.isatty():
        why = "with --json" if json else "when stdin is not a terminal"
        raise MlgitError(f"gc deletes cache objects and cannot ask first {why}",
                         "rerun with -f to delete them, or with --dry-run to see what it would"
                         " delete")
    plan = cmd.plan(repo, check_remotes=True)
    if plan.count:
        for line in gc_plan_lines(plan):
            output.err(line)
        if not typer.confirm("Delete them?", default=False, err=True):
            output.err("nothing deleted")
            _finish(EXIT_FAILED)
    show_gc(cmd.collect(repo, plan), json)  # the remotes' lines were shown before asking


def _gc_remote_tmp(remote: str | None, dry_run: bool, json: bool) -> None:
    from mlgit.cli.render import show_remote_tmp
    from mlgit.commands.gc import remote_tmp

    with _opened_repo() as repo:
        show_remote_tmp(remote_tmp(repo, remote, dry_run), json)


@app.command()
def unprotect(
    paths: Annotated[list[str], typer.Argument(help="Artifacts to make editable.")],
    json: JsonOpt = False,
) -> None:
    """Replace read-only links into the cache (hardlink/symlink) with editable copies."""
    from mlgit.cli.render import show_unprotect
    from mlgit.commands.unprotect import unprotect as run

    with _opened_repo() as repo:
        code = show_unprotect(run(repo, paths), json)
    _finish(code)


@app.command()
def config(
    key: Annotated[str, typer.Argument(help="Setting name, e.g. cache.link.")],
    value: Annotated[str | None, typer.Argument(help="New value; omit to read.")] = None,
    local: Annotated[bool, typer.Option(
        "--local", help="Write to .mlgit/config.local.yaml (this machine only, not committed)."
    )] = False,
    json: JsonOpt = False,
) -> None:
    """Read or set a setting: cache.dir, cache.link, core.jobs, core.lock_timeout, core.remote."""
    from mlgit.cli import output
    from mlgit.cli.render import show_config
    from mlgit.commands import config as cmd

    repo = cmd.open_repo(key)
    result = cmd.get(repo, key) if value is None else cmd.set_value(repo, key, value, local)
    show_config(key, result, json)
    if value is not None:
        for warning in cmd.warnings_for(key, result):
            output.err(f"warning: {warning}")


RemoteOpt = Annotated[str | None, typer.Option(
    "--remote", "-r", metavar="NAME", show_default=False,
    help="The remote to use (default: the default remote).")]
JobsOpt = Annotated[int | None, typer.Option(
    "--jobs", "-j", min=1, metavar="N", show_default=False,
    help="Parallel transfers (default: 4 for local folders, 8 for ssh, 16 for gs/s3).")]
TransferPaths = Annotated[list[str] | None, typer.Argument(
    help="Artifacts, or paths inside tracked folders. Default: everything tracked.",
    show_default=False)]


@app.command()
def push(paths: TransferPaths = None, remote: RemoteOpt = None, jobs: JobsOpt = None,
         json: JsonOpt = False) -> None:
    """Upload the objects the pointers reference to a remote (only those it lacks).

    Exit 1 if any object failed; the rest are uploaded, and running it again finishes the job.
    """
    from mlgit.commands.transfer import run_push

    with _opened_repo() as repo:
        outcome = run_push(repo, paths or [], remote, jobs)
    _show_transfer(outcome, "push", json)


@app.command()
def fetch(paths: TransferPaths = None, remote: RemoteOpt = None, jobs: JobsOpt = None,
          json: JsonOpt = False) -> None:
    """Download the objects the pointers reference from a remote into the cache (only those
    the cache lacks); the workspace is not touched. Every object is verified first."""
    from mlgit.commands.transfer import run_fetch

    with _opened_repo() as repo:
        outcome = run_fetch(repo, paths or [], remote, jobs)
    _show_transfer(outcome, "fetch", json)


@app.command()
def pull(
    paths: TransferPaths = None, remote: RemoteOpt = None, jobs: JobsOpt = None,
    force: Annotated[bool, typer.Option("--force", "-f", help=(
        "Overwrite workspace changes even when their content is not in the cache."))] = False,
    json: JsonOpt = False,
) -> None:
    """Fetch, then check out: make the workspace match the pointers with data from a remote."""
    from mlgit.commands.transfer import run_fetch

    with _opened_repo() as repo:
        outcome = run_fetch(repo, paths or [], remote, jobs, checkout=True, force=force)
    _show_transfer(outcome, "pull", json)


def _show_transfer(outcome: Outcome, command: str, json: bool) -> NoReturn:
    from mlgit.cli.render import show_transfer

    show_transfer(outcome, command, json)
    failed = outcome.result.failed or any(not c.ok for c in outcome.checkouts)
    _finish(EXIT_FAILED if failed else EXIT_OK)


remote_app = typer.Typer(
    help="Manage remotes: where push, fetch and pull send and get data.",
    no_args_is_help=True, rich_markup_mode=None, suggest_commands=_TYPER_SUGGESTS,
    context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(remote_app, name="remote")
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
    from mlgit.cli.render import show_remote
    from mlgit.commands import remote as cmd

    with _opened_repo() as repo:
        show_remote(cmd.add(repo, name, url, default, force), "added", json)


@remote_app.command("list")
def remote_list(json: JsonOpt = False) -> None:
    """List remotes: name, URL (without credentials), option names; * marks the default.
    Option values are never shown."""
    from mlgit.cli.render import show_remotes
    from mlgit.commands import remote as cmd

    with _opened_repo() as repo:
        rows = cmd.list_remotes(repo)
    show_remotes(rows, json)
    if any(r.error for r in rows):
        _finish(EXIT_FAILED)


@remote_app.command("remove")
def remote_remove(name: NameArg, json: JsonOpt = False) -> None:
    """Remove a remote and its options from both config files (its data stays where it is)."""
    from mlgit.cli import output
    from mlgit.commands import remote as cmd
    with _opened_repo() as repo:
        cmd.remove(repo, name)
    if json:
        output.json_out({"removed": name})
    else:
        output.out(f"removed remote {name}")


@remote_app.command("default")
def remote_default(
    name: Annotated[str | None, typer.Argument(
        help="The remote to make the default; omit to show the default.",
        show_default=False)] = None,
    json: JsonOpt = False,
) -> None:
    """Show or set the default remote (core.remote in .mlgit/config.yaml)."""
    from mlgit.cli.render import show_default_remote
    from mlgit.commands import remote as cmd

    with _opened_repo() as repo:
        show_default_remote(cmd.default(repo, name), json)


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
    from mlgit.cli.render import show_remote
    from mlgit.commands import remote as cmd

    if unset == (value is not None):
        raise typer.BadParameter("give either a VALUE or --unset", param_hint="VALUE")
    with _opened_repo() as repo:
        show_remote(cmd.modify(repo, name, key, value, local), "modified", json)


@app.command()
def fsck(
    repair: Annotated[bool, typer.Option("--repair", help=(
        "Set damaged cache objects (and pack indexes) aside in the cache's quarantine folder,"
        " so that 'mlgit fetch' restores them."))] = False,
    remote: Annotated[str | None, typer.Option(
        "--remote", "-r", metavar="NAME", show_default=False,
        help="Check this remote's objects instead of the cache (read only).")] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, metavar="N", show_default=False,
        help="Objects checked in parallel (default: core.jobs; for a remote, as push).")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Verify every object and pack index in the cache (or on a remote): report what is
    damaged and which artifacts it affects.

    Exit 1 if anything is damaged, 0 if not.
    """
    from mlgit.cli.render import show_fsck
    from mlgit.commands.fsck import fsck as run

    with _opened_repo() as repo:
        result = run(repo, repair, remote, jobs)
    show_fsck(result, json)
    _finish(EXIT_FAILED if result.damaged else EXIT_OK)


@app.command()
def version(json: JsonOpt = False) -> None:
    """Show versions of mlgit, Python and key libraries, the link type and filesystem."""
    from mlgit.cli.render import show_version
    from mlgit.commands.version import version as run

    show_version(run(), json)


def _bare_remote_option(args: list[str]) -> list[str]:
    """`status --remote [NAME]`: a bare --remote (no configured remote name after it) means
    the default remote, spelled `--remote=` for click."""
    if not args or args[0] != "status" or "--remote" not in args:
        return args
    names: list[str] = []
    with contextlib.suppress(Exception):
        from mlgit.git.repository import find_root
        from mlgit.remote import settings
        from mlgit.repo import Repo
        # not Repo.find, which warns about the config: the command itself opens it again
        names = settings.names(Repo(find_root()).config)
    i = args.index("--remote")
    if i + 1 < len(args) and args[i + 1] in names:
        return args
    return [*args[:i], "--remote=", *args[i + 1:]]


def run_typer(args: list[str]) -> int:
    """Run the typer app; MlgitError and other exceptions propagate to entry.run."""
    args = _bare_remote_option(args)
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
    if result == EXIT_INTERRUPTED:
        raise KeyboardInterrupt  # typer turns Ctrl-C into a silent 130: say "interrupted"
    return result if isinstance(result, int) else EXIT_OK
