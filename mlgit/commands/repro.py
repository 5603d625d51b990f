"""mlgit repro: run the stale stages of the pipeline, in dependency order, and record them."""

from __future__ import annotations

import os

from mlgit.errors import MlgitError
from mlgit.pipeline.dag import load_graph, targeted
from mlgit.pipeline.model import Stage
from mlgit.pipeline.scheduler import Events, Options, Scheduler, StageResult
from mlgit.repo import Repo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mlgit.remote.transfer import Outcome
    from mlgit.workspace.checkout_result import CheckoutResult


def repro(repo: Repo, targets: list[str], options: Options, *, downstream: bool = False,
          single: bool = False, events: Events | None = None) -> list[StageResult]:
    """The result of each stage considered, in dependency order."""
    graph = load_graph(repo.root)
    stages = targeted(graph, repo.root, targets, downstream=downstream, single=single)
    try:
        return Scheduler(repo, graph, stages, options, events or Events()).run()
    finally:
        repo.state.flush()


def pull_missing(repo: Repo, targets: list[str], *, downstream: bool = False,
                 single: bool = False, jobs: int | None = None) -> Outcome[CheckoutResult]:
    """`repro --pull`: from the default remote, the run-cache's records and the data the
    selected stages need that is missing from the work tree (tracked dependencies, and the
    outputs mlgit.lock records), checked out."""
    from mlgit.commands.fetch import run_fetch

    graph = load_graph(repo.root)
    stages = targeted(graph, repo.root, targets, downstream=downstream, single=single)
    paths = missing_tracked(repo, stages)
    return run_fetch(repo, paths, None, jobs, checkout=True, run_cache=True,
                     nothing_named_is_all=False)


def missing_tracked(repo: Repo, stages: list[Stage]) -> list[str]:
    """The deps and cached outs of `stages` absent from the work tree that a pointer file
    or an mlgit.lock tracks, as absolute paths (the others are made by stages, or cannot
    be pulled)."""
    from mlgit.pipeline.outputs import output_targets, recorded_outputs

    absent = [path for path in dict.fromkeys(repo.abspath(rel) for stage in stages for rel in
                                             (*stage.deps, *(o.path for o in stage.outs
                                                             if o.cache)))
              if not os.path.lexists(path)]
    _, rest = output_targets(repo, recorded_outputs(repo), absent)
    return [path for path in absent if path not in rest] + [
        path for path in rest if _tracked(repo, path)]


def _tracked(repo: Repo, path: str) -> bool:
    from mlgit.workspace.targets import resolve_target

    try:
        resolve_target(repo, path)
    except MlgitError:  # not tracked: a stage makes it, or nothing can
        return False
    return True
