"""mlgit params diff A [B]: the params of two revisions, or of one against the work tree."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import assert_clean_error, commit_tagged, make_tree, mlgit

PIPELINE = "stages:\n  train:\n    cmd: python train.py\n    params: [lr, epochs]\n"


def commit(root: Path, lr: float, tag: str) -> None:
    make_tree(root, {"mlgit.yaml": PIPELINE, "params.yaml": f"lr: {lr}\nepochs: 3\n"})
    commit_tagged(root, tag)


def test_two_revisions_and_one_against_the_workspace(gitrepo: Path) -> None:
    commit(gitrepo, 0.5, "v1")
    commit(gitrepo, 0.25, "v2")
    make_tree(gitrepo, {"params.yaml": "lr: 0.125\nepochs: 3\n"})
    assert mlgit(gitrepo, "params", "diff", "v1", "v2").lines[1:] == [
        "params.yaml  lr   0.5  0.25  -0.25"]
    assert mlgit(gitrepo, "params", "diff", "v1").lines[1:] == [
        "params.yaml  lr   0.5  0.125  -0.375"]
    assert mlgit(gitrepo, "params", "diff").lines[1:] == [
        "params.yaml  lr   0.25  0.125  -0.125"]
    both = json.loads(mlgit(gitrepo, "params", "diff", "v1", "v2", "--all", "--json").out)
    assert [(c["key"], c["status"]) for c in both["changes"]] == [
        ("lr", "modified"), ("epochs", "unchanged")]
    assert mlgit(gitrepo, "params", "diff", "v2", "v1", "--md").lines[2:] == [
        "| `params.yaml` | `lr` | 0.25 | 0.5 | +0.25 |"]


def test_unknown_revision(gitrepo: Path) -> None:
    commit(gitrepo, 0.5, "v1")
    assert_clean_error(mlgit(gitrepo, "params", "diff", "v1", "nope", code=1),
                       "unknown revision 'nope'")
    assert_clean_error(mlgit(gitrepo, "params", "diff", "v1", "v1", "v1", code=1),
                       "too many revisions", "'mlgit params diff [A [B]]'")
