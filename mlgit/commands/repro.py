"""mlgit repro: run the stale stages of the pipeline, in dependency order, and record them."""

from __future__ import annotations

from mlgit.pipeline.dag import load_graph, targeted
from mlgit.pipeline.scheduler import Events, Options, Scheduler, StageResult
from mlgit.repo import Repo


def repro(repo: Repo, targets: list[str], options: Options, *, downstream: bool = False,
          single: bool = False, events: Events | None = None) -> list[StageResult]:
    """The result of each stage considered, in dependency order."""
    graph = load_graph(repo.root)
    stages = targeted(graph, repo.root, targets, downstream=downstream, single=single)
    try:
        return Scheduler(repo, graph, stages, options, events or Events()).run()
    finally:
        repo.state.flush()
