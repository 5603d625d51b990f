"""The pipeline verbs as typer declares them: the `mlgit stage` group, repro, dag and
lineage; app.py registers them on the main app."""
from __future__ import annotations

from typing import Annotated, Any

import typer

from mlgit.cli.app_options import JsonOpt, finish, group

stage_app = group("Manage pipeline stages: write one into mlgit.yaml, list them.")
StageList = list[str] | None


def _listed(long: str, short: str | None, help: str, metavar: str = "PATH") -> Any:
    """A repeatable option of `stage add` that lists paths (or params)."""
    names = (long, short) if short else (long,)
    return typer.Option(*names, metavar=metavar, show_default=False,
                        help=help + " Repeatable.")


@stage_app.command("add")
def stage_add(
    name: Annotated[str, typer.Argument(help=(
        "The stage's name: letters, digits, '_' and '-'."), show_default=False)],
    cmd: Annotated[list[str], typer.Option(
        "--cmd", "-c", show_default=False,
        help="The command; repeat for several commands run in order.")],
    deps: Annotated[StageList, _listed("--deps", "-d", "A file or folder the stage reads.")
                    ] = None,
    outs: Annotated[StageList, _listed("--outs", "-o", "A file or folder it writes, cached.")
                    ] = None,
    outs_no_cache: Annotated[StageList, _listed(
        "--outs-no-cache", "-O", "An output that is not cached (commit it to Git).")] = None,
    params: Annotated[StageList, _listed(
        "--params", "-p", "Params it reads: 'a,b.c' from params.yaml, 'FILE:a,b' from FILE,"
        " 'FILE:' for all of FILE.", "[FILE:]KEYS")] = None,
    metrics: Annotated[StageList, _listed(
        "--metrics", "-m", "A metrics file it writes, cached.")] = None,
    metrics_no_cache: Annotated[StageList, _listed(
        "--metrics-no-cache", "-M", "A metrics file it writes, not cached.")] = None,
    plots: Annotated[StageList, _listed("--plots", None, "A plots file it writes.")] = None,
    wdir: Annotated[str | None, typer.Option(
        "--wdir", "-w", metavar="FOLDER", show_default=False,
        help="The folder the command runs in, relative to the current folder; the paths"
             " above are relative to it.")] = None,
    desc: Annotated[str | None, typer.Option(
        "--desc", show_default=False, help="A description of the stage.")] = None,
    force: Annotated[bool, typer.Option(
        "--force", "-f", help="Replace a stage of that name.")] = False,
    json: JsonOpt = False,
) -> None:
    """Write a stage into the mlgit.yaml of the current folder (created when missing).

    The rest of the file is kept as written. Paths are relative to the current folder (or to
    --wdir) and must stay inside the repository.
    """
    from mlgit.cli.handlers import stage as handlers
    from mlgit.commands.stage import StageSpec

    spec = StageSpec(name, cmd, deps or [], outs or [], outs_no_cache or [], params or [],
                     metrics or [], metrics_no_cache or [], plots or [], wdir, desc)
    finish(handlers.stage_add(spec, force, json))


@stage_app.command("list")
def stage_list(json: JsonOpt = False) -> None:
    """List the stages of every mlgit.yaml: name, description (or command), outputs."""
    from mlgit.cli.handlers import stage as handlers

    finish(handlers.stage_list(json))


def repro(
    targets: Annotated[list[str] | None, typer.Argument(
        help="Stages (NAME, FILE:NAME, a pipeline file, or a foreach stage's NAME)."
        " Default: every stage.", show_default=False)] = None,
    dry: Annotated[bool, typer.Option("--dry", help=(
        "Print what would run and why; run nothing."))] = False,
    force: Annotated[bool, typer.Option("--force", "-f", help=(
        "Run the selected stages even when they are up to date."))] = False,
    downstream: Annotated[bool, typer.Option("--downstream", help=(
        "The targets and the stages that depend on them, not those they depend on."))
    ] = False,
    single_item: Annotated[bool, typer.Option("--single-item", "-s", help=(
        "Only the targets, not the stages they depend on."))] = False,
    keep_going: Annotated[bool, typer.Option("--keep-going", "-k", help=(
        "After a stage fails, still run the stages that do not depend on it."))] = False,
    allow_missing: Annotated[bool, typer.Option("--allow-missing", help=(
        "Missing dependencies and outputs alone do not make a stage stale."))] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, metavar="N", help=(
        "Run up to N independent stages at once."))] = 1,
    no_run_cache: Annotated[bool, typer.Option("--no-run-cache", help=(
        "Run stale stages even when an earlier run with the same inputs is in the"
        " run-cache."))] = False,
    pull: Annotated[bool, typer.Option("--pull", help=(
        "First fetch the run-cache, and pull the tracked dependencies and recorded outputs"
        " the stages need that are missing, from the default remote."))] = False,
) -> None:
    """Run the stale stages of the pipeline (mlgit.yaml) in dependency order and record
    them in mlgit.lock; print why each one runs.

    Exit 1 if a stage failed; the stages that finished are recorded.
    """
    from mlgit.cli.handlers import pipeline

    finish(pipeline.repro(targets or [], dry, force, downstream, single_item, keep_going,
                           allow_missing, jobs, no_run_cache, pull))


def dag(
    targets: Annotated[list[str] | None, typer.Argument(
        help="Show only these stages and the stages they depend on. Default: every stage.",
        show_default=False)] = None,
    mermaid: Annotated[bool, typer.Option("--mermaid", help="As a Mermaid flowchart.")
                       ] = False,
    dot: Annotated[bool, typer.Option("--dot", help="As a Graphviz digraph.")] = False,
    json: JsonOpt = False,
) -> None:
    """Show the pipeline's stages in dependency order, each with the stages it reads from."""
    from mlgit.cli.handlers import pipeline

    if mermaid + dot + json > 1:
        raise typer.BadParameter("choose one of --mermaid, --dot and --json",
                                 param_hint="'--mermaid' / '--dot' / '--json'")
    form = "mermaid" if mermaid else "dot" if dot else "json" if json else "text"
    finish(pipeline.dag(targets or [], form))


def lineage(
    path: Annotated[str, typer.Argument(
        help="A stage output (or a path inside one), or what 'mlgit add' tracks.",
        show_default=False)],
    json: JsonOpt = False,
    rev: Annotated[str | None, typer.Option(
        "--rev", metavar="REV", show_default=False,
        help="As this revision has it (its mlgit.yaml, mlgit.lock and pointers).")] = None,
) -> None:
    """Show where PATH comes from: the stage that made it, with the cmd, dependency hashes
    and param values mlgit.lock recorded and the commit of that record, up through the
    stages it depends on to the raw inputs; for a tracked file, the commit that tracked it.
    """
    from mlgit.cli.handlers import pipeline

    finish(pipeline.lineage(path, json, rev))
