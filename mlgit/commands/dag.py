"""mlgit dag: the stages of the pipeline and which reads from which."""

from __future__ import annotations

from dataclasses import dataclass

from mlgit.pipeline.dag import load_graph, targeted
from mlgit.pipeline.model import Stage
from mlgit.repo import Repo


@dataclass
class DagNode:
    """A stage and the stages it reads from (`upstream`, by address)."""

    stage: Stage
    upstream: list[str]


def dag(repo: Repo, targets: list[str]) -> list[DagNode]:
    """The stages in dependency order; with targets, those and the stages they read from."""
    graph = load_graph(repo.root)
    stages = targeted(graph, repo.root, targets)
    shown = {s.address for s in stages}
    return [DagNode(s, [u for u in graph.upstream[s.address] if u in shown]) for s in stages]
