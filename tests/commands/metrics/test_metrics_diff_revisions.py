"""mlgit metrics diff A [B]: the metrics of two revisions, or of one against the work tree."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import assert_clean_error, commit_tagged, make_tree, mlgit

PIPELINE = "stages:\n  evaluate:\n    cmd: python evaluate.py\n    metrics: [scores.json]\n"


def commit(root: Path, auc: float, tag: str) -> None:
    make_tree(root, {"mlgit.yaml": PIPELINE, "scores.json": json.dumps({"auc": auc, "n": 1})})
    commit_tagged(root, tag)


def test_two_revisions(gitrepo: Path) -> None:
    commit(gitrepo, 0.5, "v1")
    commit(gitrepo, 0.75, "v2")
    commit(gitrepo, 0.875, "v3")
    make_tree(gitrepo, {"scores.json": '{"auc": 1.0, "n": 1}'})
    assert mlgit(gitrepo, "metrics", "diff", "v1", "v2").lines[1:] == [
        "scores.json  auc  0.5  0.75  +0.25"]
    assert mlgit(gitrepo, "metrics", "diff", "v2").lines[1:] == [
        "scores.json  auc  0.75  1.0  +0.25"]
    result = json.loads(mlgit(gitrepo, "metrics", "diff", "v1", "v3", "--json", "--all").out)
    assert (result["old"], result["new"]) == ("v1", "v3")
    assert [(c["key"], c["old"], c["new"], c["change"]) for c in result["changes"]] == [
        ("auc", 0.5, 0.875, 0.375), ("n", 1, 1, 0)]
    assert mlgit(gitrepo, "metrics", "diff", "v1", "v2", "scores.json", "--md").lines == [
        "| file | key | old | new | change |", "| --- | --- | --- | --- | --- |",
        "| `scores.json` | `auc` | 0.5 | 0.75 | +0.25 |"]


def test_a_file_named_like_a_revision_is_a_file(gitrepo: Path) -> None:
    commit(gitrepo, 0.5, "v1")
    make_tree(gitrepo, {"v1": "{}"})
    result = mlgit(gitrepo, "metrics", "diff", "v1", code=None)
    assert "v1: unsupported metrics file type" in result.err


def test_unknown_revision(gitrepo: Path) -> None:
    commit(gitrepo, 0.5, "v1")
    assert_clean_error(mlgit(gitrepo, "metrics", "diff", "v9", code=1), "unknown revision 'v9'")
    assert_clean_error(mlgit(gitrepo, "metrics", "diff", "v1", "nope", code=1),
                       "unknown revision 'nope'")
