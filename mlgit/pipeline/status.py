"""The stale stages of the pipeline, each with its reasons, for `mlgit status`."""

from __future__ import annotations

from mlgit.pipeline.dag import build_graph
from mlgit.pipeline.load import load_pipeline
from mlgit.pipeline.lockfile import LockFiles
from mlgit.pipeline.stale import Check, WorkTree, check
from mlgit.repo import Repo


def stale_stages(repo: Repo) -> list[Check]:
    """Every stale stage in dependency order, judged by its own record alone (a stage below
    a stale one is listed only if it is stale itself)."""
    graph = build_graph(repo.root, load_pipeline(repo.root))
    tree = WorkTree(repo)
    locks = LockFiles(repo.root)
    found = [check(tree, stage, locks.entries(stage.lock_file).get(stage.name))
             for stage in graph.order]
    return [c for c in found if c.stale]
