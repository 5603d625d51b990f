"""mlgit params show: the values of every params file the pipeline uses, flattened."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import assert_clean_error, make_tree, mlgit

PIPELINE = """\
stages:
  prepare:
    cmd: python prepare.py
    params: [prepare.split, seed]
  train:
    cmd: python train.py
    params:
      - conf/train.toml: [lr]
      - conf/model.py:
"""


def test_every_used_file_is_shown_flattened(gitrepo: Path) -> None:
    make_tree(gitrepo, {
        "mlgit.yaml": PIPELINE,
        "params.yaml": "seed: 7\nprepare:\n  split: 0.2\n  names: [a, b]\n",
        "conf/train.toml": 'lr = 0.01\noptimizer = "adam"\n',
        "conf/model.py": "class Model:\n    depth = 3\n    act = 'relu'\n",
    })
    result = mlgit(gitrepo, "params", "show")
    assert result.lines == [
        "FILE             KEY            VALUE",
        "params.yaml      seed           7",
        "params.yaml      prepare.split  0.2",
        'params.yaml      prepare.names  ["a", "b"]',
        "conf/train.toml  lr             0.01",
        "conf/train.toml  optimizer      adam",
        "conf/model.py    Model.depth    3",
        "conf/model.py    Model.act      relu",
    ]
    shown = json.loads(mlgit(gitrepo / "conf", "params", "show", "--json").out)
    assert shown[1] == {"file": "conf/train.toml", "values": {"lr": 0.01, "optimizer": "adam"},
                        "error": ""}
    md = mlgit(gitrepo, "params", "show", "--md").lines
    assert md[:3] == ["| file | key | value |", "| --- | --- | --- |",
                      "| `params.yaml` | `seed` | 7 |"]


def test_params_yaml_is_shown_without_a_pipeline(gitrepo: Path) -> None:
    make_tree(gitrepo, {"params.yaml": "a:\n  b:\n    c: 1\n  empty: {}\n"})
    assert mlgit(gitrepo, "params", "show").lines[1:] == [
        "params.yaml  a.b.c    1", "params.yaml  a.empty  {}"]


def test_nothing_to_show_says_where_params_go(gitrepo: Path) -> None:
    result = mlgit(gitrepo, "params", "show")
    assert result.out == "No params files: stages name them under 'params:' in mlgit.yaml.\n"
    assert json.loads(mlgit(gitrepo, "params", "show", "--json").out) == []


def test_a_missing_or_broken_file_is_reported_and_the_others_shown(gitrepo: Path) -> None:
    make_tree(gitrepo, {"mlgit.yaml": PIPELINE, "params.yaml": "seed: 7\n",
                        "conf/train.toml": "lr = = 1\n"})
    result = mlgit(gitrepo, "params", "show", code=1)
    assert result.lines == [
        "FILE             KEY   VALUE",
        "params.yaml      seed  7",
        "conf/train.toml  -     error: line 1, column 6: Invalid value",
        "conf/model.py    -     error: params file not found",
    ]
    shown = json.loads(mlgit(gitrepo, "params", "show", "--json", code=1).out)
    assert shown[2] == {"file": "conf/model.py", "values": {},
                        "error": "conf/model.py: params file not found"}


def test_a_broken_pipeline_file_is_a_clean_error(gitrepo: Path) -> None:
    make_tree(gitrepo, {"mlgit.yaml": "stages:\n  train: [\n"})
    assert_clean_error(mlgit(gitrepo, "params", "show", code=1), "mlgit.yaml")


def test_json_and_md_together_are_a_usage_error(gitrepo: Path) -> None:
    result = mlgit(gitrepo, "params", "show", "--json", "--md", code=2)
    assert "give --json or --md, not both" in result.err
