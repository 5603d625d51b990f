"""mlgit repro: run the stale stages of the pipeline, in dependency order, and record them."""

from __future__ import annotations

import os

from mlgit.errors import MlgitError
from mlgit.pipeline.dag import build_graph, resolve_targets, select
from mlgit.pipeline.load import load_pipeline
from mlgit.pipeline.model import PIPELINE_FILE
from mlgit.pipeline.scheduler import Events, Options, Scheduler, StageResult
from mlgit.repo import Repo


def repro(repo: Repo, targets: list[str], options: Options, *, downstream: bool = False,
          single: bool = False, events: Events | None = None) -> list[StageResult]:
    """The result of each stage considered, in dependency order."""
    pipeline = load_pipeline(repo.root)
    if not pipeline.files:
        raise MlgitError(f"{repo.root}: no {PIPELINE_FILE} in this repository",
                         f"write the stages in {PIPELINE_FILE} at the top of the repository")
    graph = build_graph(repo.root, pipeline)
    chosen = resolve_targets(graph, repo.root, targets, os.getcwd()) if targets else None
    stages = select(graph, chosen, downstream=downstream, single=single)
    try:
        return Scheduler(repo, graph, stages, options, events or Events()).run()
    finally:
        repo.state.flush()
