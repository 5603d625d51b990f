"""mlgit params show / diff: the values in the params files the pipeline uses."""

from __future__ import annotations

from mlgit.pipeline.load import load_pipeline
from mlgit.pipeline.model import DEFAULT_PARAMS_FILE
from mlgit.pipeline.params import params_files
from mlgit.pipeline.sides import Side, sides_for, workspace_side
from mlgit.pipeline.valuefiles import PARAMS
from mlgit.pipeline.values import FileValues, ValuesDiff, compare
from mlgit.pipeline.values import show as show_files


def show(root: str) -> list[FileValues]:
    """Every params file a stage uses (and params.yaml when there is one), flattened."""
    side = workspace_side(root)
    return show_files(side, _files(root, [side]), PARAMS)


def diff(root: str, show_all: bool, revs: list[str] | None = None) -> ValuesDiff:
    """The values at the revisions `revs` (sides_for: none is HEAD against the work tree).
    The files are those the work tree's pipeline names."""
    old_side, new_side = sides_for(root, revs or [], "mlgit params diff [A [B]]")
    return compare(_files(root, [old_side, new_side]), PARAMS, old_side, new_side, show_all)


def _files(root: str, sides: list[Side]) -> list[str]:
    files = params_files(load_pipeline(root))
    if DEFAULT_PARAMS_FILE not in files and any(
            side.read(DEFAULT_PARAMS_FILE) is not None for side in sides):
        files.insert(0, DEFAULT_PARAMS_FILE)
    return files
