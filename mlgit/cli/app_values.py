"""The `mlgit params` and `mlgit metrics` groups as typer declares them; app.py adds both
to the main app."""
from __future__ import annotations

from typing import Annotated

import typer

from mlgit.cli.app_options import JsonOpt, finish, group

params_app = group("Show the pipeline's parameters, or how they changed between revisions.")
metrics_app = group("Show the pipeline's metrics, or how they changed between revisions.")
MdOpt = Annotated[bool, typer.Option(
    "--md", help="Print a Markdown table (for a pull request comment).")]
AllOpt = Annotated[bool, typer.Option("--all", "-a", help="Also list unchanged values.")]
MetricsArg = Annotated[list[str] | None, typer.Argument(
    help="Metrics files (JSON, YAML or TOML). Default: those mlgit.yaml declares.",
    show_default=False)]
RevsArg = Annotated[list[str] | None, typer.Argument(
    help="Up to two revisions A [B]. Default: HEAD against the workspace.",
    show_default=False)]


def _one_format(json: bool, md: bool) -> None:
    if json and md:
        raise typer.BadParameter("give --json or --md, not both", param_hint="--md")


@params_app.command("show")
def params_show(json: JsonOpt = False, md: MdOpt = False) -> None:
    """Show the values in every params file a stage uses (and params.yaml), nested keys
    flattened (train.lr)."""
    from mlgit.cli.handlers import values

    _one_format(json, md)
    finish(values.params_show(json, md))


@params_app.command("diff")
def params_diff(revs: RevsArg = None, show_all: AllOpt = False, json: JsonOpt = False,
                md: MdOpt = False) -> None:
    """Compare the params of two revisions (none: HEAD against the workspace; one: it
    against the workspace): old, new and the change of numbers."""
    from mlgit.cli.handlers import values

    _one_format(json, md)
    finish(values.params_diff(revs or [], show_all, json, md))


@metrics_app.command("show")
def metrics_show(targets: MetricsArg = None, json: JsonOpt = False, md: MdOpt = False) -> None:
    """Show the values in the metrics files, nested keys flattened (eval.auc)."""
    from mlgit.cli.handlers import values

    _one_format(json, md)
    finish(values.metrics_show(targets or [], json, md))


@metrics_app.command("diff")
def metrics_diff(targets: Annotated[list[str] | None, typer.Argument(
        metavar="[A [B]] [FILE]...", show_default=False, help=(
            "Up to two revisions (default: HEAD against the workspace), then metrics files"
            " (default: those mlgit.yaml declares). A word naming a file is a file."))] = None,
        show_all: AllOpt = False, json: JsonOpt = False, md: MdOpt = False) -> None:
    """Compare the metrics of two revisions (none: HEAD against the workspace; one: it
    against the workspace): old, new and the change of numbers."""
    from mlgit.cli.handlers import values

    _one_format(json, md)
    finish(values.metrics_diff(targets or [], show_all, json, md))
