"""The typer app: the main command and the order of its verbs, for help, completion, usage
errors and the verbs the fast parser (parser.py) does not take. The verbs are declared, with
their arguments and options, in the app_*.py modules beside this one; each calls its handler
(handlers/) and exits with the code it returns; handlers are imported inside each command so
`mlgit --help` pays only for what it uses."""
from __future__ import annotations

from typing import Annotated

import click
import typer

from mlgit.cli import (
    app_history,
    app_hooks,
    app_maintenance,
    app_pipeline,
    app_remote,
    app_values,
    app_workspace,
)
from mlgit.cli.app_options import HELP_OPTIONS, TYPER_SUGGESTS
from mlgit.cli.exit_codes import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

app = typer.Typer(
    name="mlgit",
    help="Version large data and models beside Git.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    suggest_commands=TYPER_SUGGESTS,
    context_settings=HELP_OPTIONS,
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


# The verbs in the order `mlgit --help` lists them; the groups follow.
app.command()(app_workspace.init)
app.command()(app_workspace.add)
app.command(cls=app_workspace.BareRemoteCommand)(app_workspace.status)
app.command()(app_workspace.checkout)
app.command("ls")(app_workspace.ls_cmd)
app.command()(app_workspace.rm)
app.command()(app_workspace.mv)
app.command()(app_maintenance.gc)
app.command()(app_workspace.unprotect)
app.command()(app_maintenance.config)
app.command()(app_remote.push)
app.command()(app_remote.fetch)
app.command()(app_remote.pull)
app.command()(app_maintenance.fsck)
app.command()(app_pipeline.repro)
app.command()(app_pipeline.dag)
app.command()(app_pipeline.lineage)
app.command()(app_history.diff)
app.command()(app_history.get)
app.command("merge-driver")(app_history.merge_driver)
app.command()(app_maintenance.version)
app.command()(app_hooks.install)
app.command()(app_hooks.uninstall)
app.command(context_settings={"ignore_unknown_options": True})(app_hooks.hook)
app.add_typer(app_remote.remote_app, name="remote")
app.add_typer(app_pipeline.stage_app, name="stage")
app.add_typer(app_values.params_app, name="params")
app.add_typer(app_values.metrics_app, name="metrics")


def run_typer(args: list[str]) -> int:
    """Run the typer app; MlgitError and other exceptions propagate to main.run."""
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
