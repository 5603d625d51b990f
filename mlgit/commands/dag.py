"""mlgit dag: the stages of the pipeline and which reads from which."""

from __future__ import annotations

from mlgit.pipeline.dag import load_graph, targeted
from mlgit.pipeline.model import Stage
from mlgit.repo import Repo


class DagNode:
    """A stage and the stages it reads from (`upstream`, by address)."""

    __slots__ = ("stage", "upstream")

    def __init__(self, stage: Stage, upstream: list[str]) -> None:
        self.stage, self.upstream = stage, upstream

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, DagNode)
                and (self.stage, self.upstream) == (other.stage, other.upstream))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"DagNode(stage={self.stage!r}, upstream={self.upstream!r})"


def dag(repo: Repo, targets: list[str]) -> list[DagNode]:
    """The stages in dependency order; with targets, those and the stages they read from."""
    graph = load_graph(repo.root)
    stages = targeted(graph, repo.root, targets)
    shown = {s.address for s in stages}
    return [DagNode(s, [u for u in graph.upstream[s.address] if u in shown]) for s in stages]
