"""Metrics: the files stages list under `metrics:` and the top-level `metrics:` of each
pipeline file (docs/pipelines.md, "Parameters and metrics files")."""

from __future__ import annotations

from mlgit.pipeline.model import Pipeline
from mlgit.pipeline.values import top_level_paths, unique


def metrics_files(pipeline: Pipeline) -> list[str]:
    """Repo-relative paths, stages' first, in file order, each once."""
    outs = [out.path for stage in pipeline.stages for out in stage.outs if out.kind == "metric"]
    return unique(outs + top_level_paths(pipeline, "metrics"))
