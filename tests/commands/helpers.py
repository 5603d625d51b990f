"""Shared by the tests of the verbs that read other revisions (checkout --rev, get)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import commit_tagged, make_tree, mlgit


def two_versions(repo: Path) -> Path:
    """Tags v1 and v2, each tracking a folder `data` and a file `model.bin`: data/a.txt and
    model.bin change (a1 -> a2, m1 -> m2); data/sub/b.txt (b1) does not."""
    make_tree(repo, {"data/a.txt": "a1", "data/sub/b.txt": "b1", "model.bin": "m1"})
    mlgit(repo, "add", "data", "model.bin")
    commit_tagged(repo, "v1")
    make_tree(repo, {"data/a.txt": "a2", "model.bin": "m2"})
    mlgit(repo, "add", "data", "model.bin")
    commit_tagged(repo, "v2")
    return repo
