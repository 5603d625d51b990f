"""Read the pipeline files (every mlgit.yaml in the work tree) into a Pipeline.

The pipeline memo (memo.py) answers while no input changed; only then are the files parsed
(parse.py), so a no-op status or repro does not import the parser."""

from __future__ import annotations

from mlgit.pipeline import memo
from mlgit.pipeline.errors import PipelineError as PipelineError
from mlgit.pipeline.files import pipeline_files
from mlgit.pipeline.model import Pipeline


def load_pipeline(root: str, files: list[str] | None = None) -> Pipeline:
    """Every stage of every mlgit.yaml under `root` (the root file's first). `files`: the
    pipeline files if the caller has just listed them (files.pipeline_files)."""
    files = pipeline_files(root) if files is None else files
    remembered = memo.recall(root, files)
    if remembered is not None:
        return remembered
    from mlgit.pipeline.parse import load_file

    pipeline = Pipeline()
    stamps: dict[str, memo.Stamp | None] = {}
    for file in files:
        stages, top = load_file(root, file, stamps)
        pipeline.files.append(file)
        pipeline.stages.extend(stages)
        if top:
            pipeline.top_level[file] = top
    memo.remember(root, pipeline, stamps)
    return pipeline
