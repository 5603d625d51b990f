"""mlgit lineage: where an output or a tracked file comes from."""

from __future__ import annotations

from mlgit.paths import artifact_path_for, is_pointer_name, resolve_user_path
from mlgit.pipeline.lineage import Output, TrackedInput
from mlgit.pipeline.lineage import lineage as trace
from mlgit.repo import Repo


def lineage(repo: Repo, path: str, rev: str | None = None) -> Output | TrackedInput:
    """The lineage of a user path: a stage output (or a path inside one), or what
    `mlgit add` tracks (named by its data path or its pointer file, or a path inside a
    tracked folder). With `rev`, as that revision has it (read from Git's objects)."""
    rel = resolve_user_path(repo.root, path)
    if is_pointer_name(rel):
        rel = artifact_path_for(rel)
    if rev is not None:
        from mlgit.pipeline.lineage_at import lineage_at

        return lineage_at(repo, rel, path, rev)
    return trace(repo, rel, path)
