"""mlgit params diff: the last commit against the work tree, per key: old, new, change."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import commit_all, git, make_tree, mlgit, write

PIPELINE = """\
stages:
  train:
    cmd: python train.py
    params: [train, seed]
"""
PARAMS = "seed: 7\ntrain:\n  lr: 0.1\n  epochs: 10\n  optimizer: sgd\n  dropout: 0.5\n"


def committed_then_edited(root: Path) -> None:
    make_tree(root, {"mlgit.yaml": PIPELINE, "params.yaml": PARAMS})
    commit_all(root)
    write(root / "params.yaml",
          "seed: 7\ntrain:\n  lr: 0.3\n  epochs: 8\n  optimizer: adam\n  batch: 32\n")


def test_changed_keys_show_old_new_and_the_change(gitrepo: Path) -> None:
    committed_then_edited(gitrepo)
    assert mlgit(gitrepo, "params", "diff").lines == [
        "FILE         KEY              OLD  NEW   CHANGE",
        "params.yaml  train.lr         0.1  0.3   +0.2",
        "params.yaml  train.epochs     10   8     -2",
        "params.yaml  train.optimizer  sgd  adam  -",
        "params.yaml  train.batch      -    32    -",
        "params.yaml  train.dropout    0.5  -     -",
    ]


def test_all_lists_unchanged_keys_too(gitrepo: Path) -> None:
    committed_then_edited(gitrepo)
    lines = mlgit(gitrepo, "params", "diff", "--all").lines
    assert lines[1] == "params.yaml  seed             7    7     0"
    assert len(lines) == 7


def test_markdown_is_a_table_for_a_pull_request(gitrepo: Path) -> None:
    committed_then_edited(gitrepo)
    write(gitrepo / "params.yaml", PARAMS.replace("sgd", "a|b"))
    assert mlgit(gitrepo, "params", "diff", "--md").out == (
        "| file | key | old | new | change |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| `params.yaml` | `train.optimizer` | `sgd` | `a\\|b` | - |\n")


def test_json_has_both_sides_and_one_object_per_key(gitrepo: Path) -> None:
    committed_then_edited(gitrepo)
    diff = json.loads(mlgit(gitrepo, "params", "diff", "--json").out)
    assert {k: diff[k] for k in ("old", "new", "old_empty", "files", "errors")} == {
        "old": "HEAD", "new": "workspace", "old_empty": False, "files": ["params.yaml"],
        "errors": []}
    assert diff["changes"][0] == {"file": "params.yaml", "key": "train.lr",
                                  "status": "modified", "old": 0.1, "new": 0.3, "change": 0.2}
    assert diff["changes"][3]["status"] == "added"
    assert diff["changes"][4] == {"file": "params.yaml", "key": "train.dropout",
                                  "status": "deleted", "old": 0.5, "new": None, "change": None}


def test_nothing_changed_says_so(gitrepo: Path) -> None:
    make_tree(gitrepo, {"mlgit.yaml": PIPELINE, "params.yaml": PARAMS})
    commit_all(gitrepo)
    assert mlgit(gitrepo, "params", "diff").out == (
        "No changes between HEAD and the workspace.\n")


def test_staged_changes_are_compared_with_the_commit_not_the_index(gitrepo: Path) -> None:
    committed_then_edited(gitrepo)
    git(gitrepo, "add", "params.yaml")
    assert "train.lr         0.1  0.3" in mlgit(gitrepo, "params", "diff").out


def test_without_commits_every_value_is_new(gitrepo: Path) -> None:
    make_tree(gitrepo, {"mlgit.yaml": PIPELINE, "params.yaml": "seed: 7\n"})
    result = mlgit(gitrepo, "params", "diff")
    assert result.lines == [
        "HEAD has no commits yet: every value is new.",
        "",
        "FILE         KEY   OLD  NEW  CHANGE",
        "params.yaml  seed  -    7    -",
    ]
    assert result.err == ""
    assert json.loads(mlgit(gitrepo, "params", "diff", "--json").out)["old_empty"] is True


def test_a_deleted_params_file_has_every_key_deleted(gitrepo: Path) -> None:
    make_tree(gitrepo, {"mlgit.yaml": PIPELINE, "params.yaml": "seed: 7\n"})
    commit_all(gitrepo)
    (gitrepo / "params.yaml").unlink()
    assert mlgit(gitrepo, "params", "diff").lines[1:] == ["params.yaml  seed  7    -    -"]


def test_a_file_broken_on_one_side_is_an_error_and_the_others_are_compared(
        gitrepo: Path) -> None:
    make_tree(gitrepo, {
        "mlgit.yaml": PIPELINE + "    deps: []\n  eval:\n    cmd: x\n"
                                 "    params: [{eval.json: }]\n",
        "params.yaml": "seed: 7\n", "eval.json": '{"k": 1}'})
    commit_all(gitrepo)
    write(gitrepo / "params.yaml", "seed: 8\n")
    write(gitrepo / "eval.json", '{"k": }')
    result = mlgit(gitrepo, "params", "diff", code=1)
    assert result.lines[1:] == ["params.yaml  seed  7    8    +1"]
    error, hint = result.err.splitlines()
    assert error == "error: eval.json: line 1, column 7: Expecting value (in workspace)"
    assert hint.startswith("hint: ")
    errors = json.loads(mlgit(gitrepo, "params", "diff", "--json", code=1).out)["errors"]
    assert errors == [{"file": "eval.json", "side": "workspace",
                       "error": "eval.json: line 1, column 7: Expecting value",
                       "hint": hint.removeprefix("hint: ")}]
