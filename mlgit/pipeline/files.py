"""Finding the pipeline files: every mlgit.yaml that Git tracks or would track (one
`git ls-files` call, which skips folders Git ignores). Cheap to import: a command can ask
whether there is a pipeline at all before it loads the YAML machinery."""

from __future__ import annotations

import os

from mlgit.errors import MlgitError

# model.PIPELINE_FILE, written again so that this module does not import dataclasses and
# typing (~10 ms), which the status path avoids; a test holds the two equal
PIPELINE_FILE = "mlgit.yaml"


def pipeline_files(root: str, listed: list[str] | None = None) -> list[str]:
    """The repo-relative paths of the mlgit.yaml files in the work tree, the top one first,
    the others sorted. `listed`: the files called mlgit.yaml of a listing made just before
    (repository.list_work_files), so that the work tree is not listed twice."""
    from mlgit.git.repository import files_named

    try:
        found = files_named(root, PIPELINE_FILE) if listed is None else listed
    except MlgitError:  # not a Git work tree: the top file only
        found = [PIPELINE_FILE]
    files = [f for f in found if not _reserved(f) and os.path.isfile(os.path.join(root, f))]
    return sorted(files, key=lambda f: (f != PIPELINE_FILE, f))


def _reserved(rel: str) -> bool:
    return any(part in (".git", ".mlgit") for part in rel.split("/"))
