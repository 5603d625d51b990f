"""The word `workspace` as a side of `mlgit diff`, `params diff` and `metrics diff`: the work
tree, unless Git also knows a revision by that name; then it is refused as ambiguous, as
`git diff` refuses an argument that is both a revision and a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, commit_tagged, git, make_tree, mlgit, write

PIPELINE = "stages:\n  train:\n    cmd: python train.py\n    params: [lr]\n"


def _versions(repo: Path) -> None:
    make_tree(repo, {"mlgit.yaml": PIPELINE, "params.yaml": "lr: 0.5\n"})
    write(repo / "model.bin", "v1")
    mlgit(repo, "add", "model.bin")
    commit_tagged(repo, "v1")
    write(repo / "model.bin", "v2!")
    make_tree(repo, {"params.yaml": "lr: 0.25\n"})
    mlgit(repo, "add", "model.bin")


def _modified(repo: Path, *revs: str) -> list[tuple[str, int | None, int]]:
    result = json.loads(mlgit(repo, "diff", "--json", *revs).out)
    return [(c["path"], c["old_size"], c["size"]) for c in result["modified"]]


def test_workspace_names_the_work_tree(repo: Path) -> None:
    _versions(repo)
    assert _modified(repo, "v1", "workspace") == _modified(repo, "v1") == [
        ("model.bin", 2, 3)]
    assert _modified(repo, "workspace", "v1") == [("model.bin", 3, 2)]
    assert mlgit(repo, "params", "diff", "v1", "workspace").lines[1:] == [
        "params.yaml  lr   0.5  0.25  -0.25"]


@pytest.mark.parametrize("make", [("branch",), ("tag",)])
def test_a_revision_named_workspace_is_ambiguous(repo: Path, make: tuple[str]) -> None:
    _versions(repo)
    git(repo, *make, "workspace", "v1")
    for args in (("diff", "v1", "workspace"), ("diff", "workspace", "v1"),
                 ("params", "diff", "v1", "workspace"),
                 ("metrics", "diff", "v1", "workspace")):
        assert_clean_error(mlgit(repo, *args, code=1),
                           "error: ambiguous argument 'workspace': both a Git revision",
                           "hint: for the revision, write it unambiguously ('heads/workspace',")
    # spelled out, the revision is meant: v1 against v1
    qualified = "heads/workspace" if make == ("branch",) else "tags/workspace"
    assert _modified(repo, "v1", qualified) == []
    assert _modified(repo, "v1") == [("model.bin", 2, 3)]
