"""mlgit metrics show / diff: the values in the pipeline's metrics files, or in the files
named."""

from __future__ import annotations

from mlgit.paths import resolve_user_path
from mlgit.pipeline.load import load_pipeline
from mlgit.pipeline.metrics import metrics_files
from mlgit.pipeline.sides import revisions_and_files, sides_for, workspace_side
from mlgit.pipeline.valuefiles import METRICS
from mlgit.pipeline.values import FileValues, ValuesDiff, compare, unique
from mlgit.pipeline.values import show as show_files


def show(root: str, targets: list[str]) -> list[FileValues]:
    """`targets`: paths as typed (relative to the current folder); none: every metrics file
    the pipeline declares."""
    return show_files(workspace_side(root), _files(root, targets), METRICS)


def diff(root: str, words: list[str], show_all: bool) -> ValuesDiff:
    """`words`: up to two revisions, then metrics files (revisions_and_files). The values
    at the revisions (sides_for: none is HEAD against the work tree)."""
    revs, targets = revisions_and_files(root, words)
    old_side, new_side = sides_for(root, revs, "mlgit metrics diff [A [B]] [FILE]...")
    return compare(_files(root, targets), METRICS, old_side, new_side, show_all)


def _files(root: str, targets: list[str]) -> list[str]:
    if targets:
        return unique([resolve_user_path(root, t) for t in targets])
    return metrics_files(load_pipeline(root))
