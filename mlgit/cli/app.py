"""The typer app: declares every verb with its arguments and options, for help, completion,
usage errors and the verbs the fast parser (parser.py) does not take. Each command calls its
handler (handlers/) and exits with the code it returns; handlers are imported inside each
command so `mlgit --help` pays only for what it uses."""
from __future__ import annotations

from typing import Annotated, Any, NoReturn

import click
import typer
import typer.core

from mlgit.cli.exit_codes import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

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


def _finish(code: int) -> NoReturn:
    raise typer.Exit(code)


@app.command()
def init(json: JsonOpt = False) -> None:
    """Set up mlgit in the current Git repository (safe to run again)."""
    from mlgit.cli.handlers import workspace

    _finish(workspace.init(json))


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
    from mlgit.cli.handlers import workspace

    _finish(workspace.add(paths, force, json))


class _BareRemoteCommand(typer.core.TyperCommand):
    """A command whose --remote may be given without a value, meaning the default remote
    (click then gives ""); the fast parser reads `--remote NAME` the same way."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, click.Option) and param.name == "remote":
                param._flag_needs_value = True  # click's switch for an optional value
                param.flag_value = ""


@app.command(cls=_BareRemoteCommand)
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

    _finish(workspace.status(paths or [], quiet, json, remote))


@app.command()
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

    _finish(workspace.checkout(paths or [], force, json, rev))


@app.command("ls")
def ls_cmd(json: JsonOpt = False) -> None:
    """List tracked artifacts: size, file count, hash prefix, and whether the cache has them."""
    from mlgit.cli.handlers import workspace

    _finish(workspace.ls(json))


@app.command()
def rm(
    paths: Annotated[list[str], typer.Argument(help="Artifacts to stop tracking.")],
    json: JsonOpt = False,
) -> None:
    """Stop tracking artifacts: remove their pointers and .gitignore entries; keep the data."""
    from mlgit.cli.handlers import workspace

    _finish(workspace.rm(paths, json))


@app.command()
def mv(
    src: Annotated[str, typer.Argument(help="The artifact to move (its data path or pointer).",
                                       show_default=False)],
    dst: Annotated[str, typer.Argument(help=(
        "The new path, or an existing folder to move it into."), show_default=False)],
    json: JsonOpt = False,
) -> None:
    """Move or rename an artifact: its data, its pointer file and its .gitignore entry."""
    from mlgit.cli.handlers import workspace

    _finish(workspace.mv(src, dst, json))


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


def _revisions(rev: list[str] | None, all_branches: bool, all_tags: bool, all_commits: bool,
               no_workspace: bool = False) -> Any:
    from mlgit.pipeline.at_revision import Revisions

    chosen = Revisions(tuple(rev or ()), all_branches, all_tags, all_commits, not no_workspace)
    if no_workspace and not chosen.any:
        raise typer.BadParameter("--no-workspace needs --rev or an --all-... option",
                                 param_hint="--no-workspace")
    return chosen


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
        help=("Clean this remote instead of the cache: delete what nothing kept references"
              " (with --tmp: only the leftovers of interrupted pushes; default remote)."))
    ] = None,
    tmp: Annotated[bool, typer.Option("--tmp", help=(
        "Instead, delete the temporary files that interrupted pushes left on a remote"
        " (those over an hour old)."))] = False,
    grace: Annotated[float | None, typer.Option(
        "--grace", metavar="HOURS", min=0, show_default=False,
        help="With -r: keep what the remote received less than this many hours ago"
             " (default 24).")
    ] = None,
    json: JsonOpt = False, rev: RevOpt = None, all_branches: AllBranchesOpt = False,
    all_tags: AllTagsOpt = False, all_commits: AllCommitsOpt = False,
) -> None:
    """Delete cache objects that no pointer in the work tree or at HEAD references (nor
    the revisions --rev and the --all-... options name).

    Otherwise older commits may still need them: gc says how many. On a terminal, gc lists
    what it will delete (and how much of it is on no remote) and asks first.

    With -r NAME, gc cleans that remote instead: it deletes what the same references do not
    need, keeps what the remote received less than --grace hours ago, and rewrites packs
    that are mostly garbage (docs/formats.md, "Remote layout after gc").
    """
    from mlgit.cli.handlers import maintenance

    if remote is not None and not tmp:
        from mlgit.cli.handlers.remote_gc import gc_remote

        _finish(gc_remote(remote, dry_run, force, json,
                          _revisions(rev, all_branches, all_tags, all_commits),
                          24.0 if grace is None else grace))
    if grace is not None:
        raise typer.BadParameter("only works with -r NAME (and without --tmp)",
                                 param_hint="'--grace'")
    _finish(maintenance.gc(dry_run, force, remote, tmp, json,
                           _revisions(rev, all_branches, all_tags, all_commits)))


@app.command()
def unprotect(
    paths: Annotated[list[str], typer.Argument(help="Artifacts to make editable.")],
    json: JsonOpt = False,
) -> None:
    """Replace read-only links into the cache (hardlink/symlink) with editable copies."""
    from mlgit.cli.handlers import workspace

    _finish(workspace.unprotect(paths, json))


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
    from mlgit.cli.handlers import maintenance

    _finish(maintenance.config(key, value, local, json))


RemoteOpt = Annotated[str | None, typer.Option(
    "--remote", "-r", metavar="NAME", show_default=False,
    help="The remote to use (default: the default remote).")]
JobsOpt = Annotated[int | None, typer.Option(
    "--jobs", "-j", min=1, metavar="N", show_default=False,
    help="Parallel transfers (default: 4 for local folders, 8 for ssh, 16 for gs/s3).")]
TransferPaths = Annotated[list[str] | None, typer.Argument(
    help="Artifacts, stage outputs, or paths inside tracked folders. Default: everything"
    " tracked, and every output mlgit.lock records.",
    show_default=False)]
RunCacheOpt = Annotated[bool, typer.Option(
    "--run-cache", help="Also move the run-cache: the record of every stage run, with its"
    " outputs (mlgit repro restores a run from it instead of running it again).")]


@app.command()
def push(paths: TransferPaths = None, remote: RemoteOpt = None, jobs: JobsOpt = None,
         run_cache: RunCacheOpt = False, json: JsonOpt = False, rev: RevOpt = None,
         all_branches: AllBranchesOpt = False, all_tags: AllTagsOpt = False,
         all_commits: AllCommitsOpt = False, no_workspace: NoWorkspaceOpt = False) -> None:
    """Upload the objects the pointers reference to a remote (only those it lacks).

    Exit 1 if any object failed; the rest are uploaded, and running it again finishes the job.
    """
    from mlgit.cli.handlers import remote as handlers

    _finish(handlers.push(paths or [], remote, jobs, json, run_cache,
                          _revisions(rev, all_branches, all_tags, all_commits, no_workspace)))


@app.command()
def fetch(paths: TransferPaths = None, remote: RemoteOpt = None, jobs: JobsOpt = None,
          run_cache: RunCacheOpt = False, json: JsonOpt = False, rev: RevOpt = None,
          all_branches: AllBranchesOpt = False, all_tags: AllTagsOpt = False,
          all_commits: AllCommitsOpt = False, no_workspace: NoWorkspaceOpt = False) -> None:
    """Download the objects the pointers reference from a remote into the cache (only those
    the cache lacks); the workspace is not touched. Every object is verified first."""
    from mlgit.cli.handlers import remote as handlers

    _finish(handlers.fetch(paths or [], remote, jobs, json, run_cache,
                           _revisions(rev, all_branches, all_tags, all_commits, no_workspace)))


@app.command()
def pull(
    paths: TransferPaths = None, remote: RemoteOpt = None, jobs: JobsOpt = None,
    force: Annotated[bool, typer.Option("--force", "-f", help=(
        "Overwrite workspace changes even when their content is not in the cache."))] = False,
    run_cache: RunCacheOpt = False, json: JsonOpt = False, rev: RevOpt = None,
    all_branches: AllBranchesOpt = False, all_tags: AllTagsOpt = False,
    all_commits: AllCommitsOpt = False,
) -> None:
    """Fetch, then check out: make the workspace match the pointers with data from a remote.
    What --rev and the --all-... options add is fetched, not checked out."""
    from mlgit.cli.handlers import remote as handlers

    _finish(handlers.pull(paths or [], remote, jobs, force, json, run_cache,
                          _revisions(rev, all_branches, all_tags, all_commits)))


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
    from mlgit.cli.handlers import remote as handlers

    _finish(handlers.remote_add(name, url, default, force, json))


@remote_app.command("list")
def remote_list(json: JsonOpt = False) -> None:
    """List remotes: name, URL (without credentials), option names; * marks the default.
    Option values are never shown."""
    from mlgit.cli.handlers import remote as handlers

    _finish(handlers.remote_list(json))


@remote_app.command("remove")
def remote_remove(name: NameArg, json: JsonOpt = False) -> None:
    """Remove a remote and its options from both config files (its data stays where it is)."""
    from mlgit.cli.handlers import remote as handlers

    _finish(handlers.remote_remove(name, json))


@remote_app.command("default")
def remote_default(
    name: Annotated[str | None, typer.Argument(
        help="The remote to make the default; omit to show the default.",
        show_default=False)] = None,
    json: JsonOpt = False,
) -> None:
    """Show or set the default remote (core.remote in .mlgit/config.yaml)."""
    from mlgit.cli.handlers import remote as handlers

    _finish(handlers.remote_default(name, json))


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
    from mlgit.cli.handlers import remote as handlers

    if unset == (value is not None):
        raise typer.BadParameter("give either a VALUE or --unset", param_hint="VALUE")
    _finish(handlers.remote_modify(name, key, value, local, json))


stage_app = typer.Typer(
    help="Manage pipeline stages: write one into mlgit.yaml, list them.",
    no_args_is_help=True, rich_markup_mode=None, suggest_commands=_TYPER_SUGGESTS,
    context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(stage_app, name="stage")
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
    _finish(handlers.stage_add(spec, force, json))


@stage_app.command("list")
def stage_list(json: JsonOpt = False) -> None:
    """List the stages of every mlgit.yaml: name, description (or command), outputs."""
    from mlgit.cli.handlers import stage as handlers

    _finish(handlers.stage_list(json))


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
    from mlgit.cli.handlers import maintenance

    _finish(maintenance.fsck(repair, remote, jobs, json))


@app.command()
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

    _finish(pipeline.repro(targets or [], dry, force, downstream, single_item, keep_going,
                           allow_missing, jobs, no_run_cache, pull))


@app.command()
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
    _finish(pipeline.dag(targets or [], form))


@app.command()
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

    _finish(pipeline.lineage(path, json, rev))


@app.command()
def diff(
    revs: Annotated[list[str] | None, typer.Argument(
        metavar="[A [B]]", show_default=False,
        help="Two revisions; one: it against the workspace; none: HEAD against it.")] = None,
    json: JsonOpt = False,
    md: Annotated[bool, typer.Option("--md", help="Print a Markdown table.")] = False,
) -> None:
    """Show the data added, modified, deleted and renamed between two revisions (down to
    files inside tracked folders, with sizes), stage outputs included."""
    from mlgit.cli.handlers import history

    if json and md:
        raise typer.BadParameter("give --json or --md, not both", param_hint="--md")
    _finish(history.diff(revs or [], json, md))


@app.command()
def get(
    rev: Annotated[str, typer.Argument(help="A commit, branch or tag.", show_default=False)],
    path: Annotated[str, typer.Argument(help=(
        "What REV tracks: an artifact, a stage output, or a path inside a tracked folder."),
        show_default=False)],
    out: Annotated[str | None, typer.Option(
        "--out", "-o", metavar="OUT", show_default=False,
        help="Where to write it (default: its name in the current folder).")] = None,
    remote: Annotated[str | None, typer.Option(
        "--remote", "-r", metavar="NAME", show_default=False,
        help="Fetch what the cache lacks from this remote (default: the default remote).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", "-f", help="Overwrite OUT.")] = False,
    json: JsonOpt = False,
) -> None:
    """Write PATH as revision REV has it to OUT, without touching the workspace, Git or the
    pointers (objects the cache lacks are fetched from a remote first)."""
    from mlgit.cli.handlers import history

    _finish(history.get(rev, path, out, remote, force, json))


@app.command("merge-driver")
def merge_driver(
    files: Annotated[list[str] | None, typer.Argument(
        metavar="[BASE OURS THEIRS PATH]", show_default=False,
        help="Given by Git (%O %A %B %P): the merged result replaces OURS.")] = None,
    install: Annotated[bool, typer.Option("--install", help=(
        "Register the driver: merge.mlgit in .git/config, merge=mlgit for *.mlgit and"
        " mlgit.lock and merge=union for .gitignore in .gitattributes."))] = False,
    uninstall: Annotated[bool, typer.Option("--uninstall", help="Undo --install.")] = False,
    json: JsonOpt = False,
) -> None:
    """Git's merge driver for pointer files and mlgit.lock: a stage or pointer changed on
    one side merges cleanly; a true conflict is left between conflict markers (exit 1)."""
    from mlgit.cli.handlers import history

    _finish(history.merge_driver(files or [], install, uninstall, json))


@app.command()
def version(json: JsonOpt = False) -> None:
    """Show versions of mlgit, Python and key libraries, the link type and filesystem."""
    from mlgit.cli.handlers import maintenance

    _finish(maintenance.version(json))


HookOpt = Annotated[list[str] | None, typer.Option(
    "--hook", metavar="NAME", show_default=False,
    help="post-checkout (with post-rewrite, for rebases), post-merge, pre-commit or pre-push."
         " Repeatable. Default: all of them.")]


@app.command()
def install(hook: HookOpt = None, json: JsonOpt = False) -> None:
    """Install mlgit's Git hooks: data follows checkouts, merges and rebases; commits whose
    data changed without its pointer are refused; git push uploads the data first.

    Hooks go where Git runs them (core.hooksPath, or the common git dir of worktrees). A hook
    already there is kept and runs first. Running it again changes nothing.
    """
    from mlgit.cli.handlers import hooks

    _finish(hooks.install(hook or [], json))


@app.command()
def uninstall(hook: HookOpt = None, json: JsonOpt = False) -> None:
    """Remove mlgit's Git hooks, putting back any hook they replaced as it was."""
    from mlgit.cli.handlers import hooks

    _finish(hooks.uninstall(hook or [], json))


@app.command(context_settings={"ignore_unknown_options": True})
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

    _finish(hooks.hook([name, *(args or [])]))


params_app = typer.Typer(
    help="Show the pipeline's parameters, or how they changed between revisions.",
    no_args_is_help=True, rich_markup_mode=None, suggest_commands=_TYPER_SUGGESTS,
    context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(params_app, name="params")
metrics_app = typer.Typer(
    help="Show the pipeline's metrics, or how they changed between revisions.",
    no_args_is_help=True, rich_markup_mode=None, suggest_commands=_TYPER_SUGGESTS,
    context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(metrics_app, name="metrics")
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
    _finish(values.params_show(json, md))


@params_app.command("diff")
def params_diff(revs: RevsArg = None, show_all: AllOpt = False, json: JsonOpt = False,
                md: MdOpt = False) -> None:
    """Compare the params of two revisions (none: HEAD against the workspace; one: it
    against the workspace): old, new and the change of numbers."""
    from mlgit.cli.handlers import values

    _one_format(json, md)
    _finish(values.params_diff(revs or [], show_all, json, md))


@metrics_app.command("show")
def metrics_show(targets: MetricsArg = None, json: JsonOpt = False, md: MdOpt = False) -> None:
    """Show the values in the metrics files, nested keys flattened (eval.auc)."""
    from mlgit.cli.handlers import values

    _one_format(json, md)
    _finish(values.metrics_show(targets or [], json, md))


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
    _finish(values.metrics_diff(targets or [], show_all, json, md))


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
