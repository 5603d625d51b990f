"""mlgit metrics diff: the metrics of the last commit against the work tree's."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import assert_clean_error, commit_all, git, make_tree, mlgit, write

PIPELINE = """\
stages:
  evaluate:
    cmd: python evaluate.py
    metrics: [scores.json, loss.yaml]
"""


def test_changed_metrics_show_the_change(gitrepo: Path) -> None:
    make_tree(gitrepo, {"mlgit.yaml": PIPELINE, "scores.json": '{"auc": 0.8, "n": 100}',
                        "loss.yaml": "train: {loss: 0.5}\n"})
    commit_all(gitrepo)
    make_tree(gitrepo, {"scores.json": '{"auc": 0.85, "n": 100}',
                        "loss.yaml": "train: {loss: 0.25}\n"})
    assert mlgit(gitrepo, "metrics", "diff").lines == [
        "FILE         KEY         OLD  NEW   CHANGE",
        "scores.json  auc         0.8  0.85  +0.05",
        "loss.yaml    train.loss  0.5  0.25  -0.25",
    ]
    assert mlgit(gitrepo, "metrics", "diff", "loss.yaml", "--all").lines[1:] == [
        "loss.yaml  train.loss  0.5  0.25  -0.25"]
    assert mlgit(gitrepo, "metrics", "diff", "scores.json", "--all", "--md").lines[2:] == [
        "| `scores.json` | `auc` | 0.8 | 0.85 | +0.05 |", "| `scores.json` | `n` | 100 | 100 | 0 |"]


def test_a_metrics_file_written_since_the_commit_is_all_new(gitrepo: Path) -> None:
    make_tree(gitrepo, {"mlgit.yaml": PIPELINE, "loss.yaml": "loss: 1\n"})
    commit_all(gitrepo)
    write(gitrepo / "scores.json", '{"auc": 0.8}')
    diff = json.loads(mlgit(gitrepo, "metrics", "diff", "--json").out)
    assert diff["changes"] == [{"file": "scores.json", "key": "auc", "status": "added",
                                "old": None, "new": 0.8, "change": None}]
    assert diff["errors"] == []


def test_without_commits_the_old_side_is_empty(gitrepo: Path) -> None:
    make_tree(gitrepo, {"mlgit.yaml": PIPELINE, "scores.json": '{"auc": 0.8}'})
    result = mlgit(gitrepo, "metrics", "diff", "scores.json", "--md")
    assert result.lines == [
        "HEAD has no commits yet: every value is new.",
        "",
        "| file | key | old | new | change |",
        "| --- | --- | --- | --- | --- |",
        "| `scores.json` | `auc` | - | 0.8 | - |",
    ]


def test_a_file_on_neither_side_is_an_error(gitrepo: Path) -> None:
    make_tree(gitrepo, {"mlgit.yaml": PIPELINE, "scores.json": '{"auc": 0.8}'})
    commit_all(gitrepo)
    result = mlgit(gitrepo, "metrics", "diff", code=1)
    assert_clean_error(result, "error: loss.yaml: metrics file not found (in workspace)")
    assert result.out == "No changes between HEAD and the workspace.\n"  # scores.json


def test_a_missing_metrics_file_is_an_error_with_a_hint(gitrepo: Path) -> None:
    mlgit(gitrepo, "init")
    git(gitrepo, "add", "-A")
    git(gitrepo, "commit", "-qm", "init")
    result = mlgit(gitrepo, "metrics", "diff", "HEAD", "nosuch.json", code=None)
    assert_clean_error(result, "nosuch.json: metrics file not found (in workspace)")
    assert "No changes" not in result.out
