"""mlgit metrics show: the values in the metrics files stages declare, or in those named."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import assert_clean_error, make_tree, mlgit

PIPELINE = """\
stages:
  evaluate:
    cmd: python evaluate.py
    metrics:
      - eval/scores.json
      - eval/report.yaml: {cache: false}
  train:
    cmd: python train.py
    wdir: train
    metrics: [train.toml]
"""
FILES = {
    "mlgit.yaml": PIPELINE,
    "eval/scores.json": '{"auc": 0.91, "per_class": {"cat": {"f1": 0.8}}, "model": "tree"}',
    "eval/report.yaml": "loss: 0.25\nok: true\nsteps: [1, 2]\n",
    "train/train.toml": "[time]\nseconds = 12\n",
}


def test_declared_metrics_files_are_shown_flattened(gitrepo: Path) -> None:
    make_tree(gitrepo, FILES)
    assert mlgit(gitrepo, "metrics", "show").lines == [
        "FILE              KEY               VALUE",
        "eval/scores.json  auc               0.91",
        "eval/scores.json  per_class.cat.f1  0.8",
        "eval/scores.json  model             tree",
        "eval/report.yaml  loss              0.25",
        "eval/report.yaml  ok                true",
        "eval/report.yaml  steps             [1, 2]",
        "train/train.toml  time.seconds      12",
    ]
    shown = json.loads(mlgit(gitrepo, "metrics", "show", "--json").out)
    assert shown[0]["values"] == {"auc": 0.91, "per_class.cat.f1": 0.8, "model": "tree"}
    assert mlgit(gitrepo, "metrics", "show", "--md").lines[2] == (
        "| `eval/scores.json` | `auc` | 0.91 |")


def test_a_missing_metrics_file_is_reported_and_the_others_shown(gitrepo: Path) -> None:
    make_tree(gitrepo, {k: v for k, v in FILES.items() if k != "eval/report.yaml"})
    result = mlgit(gitrepo, "metrics", "show", code=1)
    assert "eval/report.yaml  -                 error: metrics file not found" in result.lines
    assert "train/train.toml  time.seconds      12" in result.lines
    shown = json.loads(mlgit(gitrepo, "metrics", "show", "--json", code=1).out)
    assert shown[1] == {"file": "eval/report.yaml", "values": {},
                        "error": "eval/report.yaml: metrics file not found"}


def test_targets_name_any_metrics_file_relative_to_the_current_folder(gitrepo: Path) -> None:
    make_tree(gitrepo, {**FILES, "eval/extra.json": '{"n": 3}'})
    result = mlgit(gitrepo / "eval", "metrics", "show", "extra.json", "report.yaml")
    assert result.lines == [
        "FILE              KEY    VALUE",
        "eval/extra.json   n      3",
        "eval/report.yaml  loss   0.25",
        "eval/report.yaml  ok     true",
        "eval/report.yaml  steps  [1, 2]",
    ]


def test_a_file_that_is_not_json_yaml_or_toml_is_refused(gitrepo: Path) -> None:
    make_tree(gitrepo, {"metrics.py": "auc = 1\n", "metrics.json": "[1, 2]"})
    result = mlgit(gitrepo, "metrics", "show", "metrics.py", "metrics.json", code=1)
    assert result.lines[1:] == [
        "metrics.py    -    error: unsupported metrics file type '.py'",
        "metrics.json  -    error: expected a mapping of names to values at the top, got a list",
    ]


def test_a_target_outside_the_repository_is_a_clean_error(gitrepo: Path) -> None:
    assert_clean_error(mlgit(gitrepo, "metrics", "show", "../m.json", code=1),
                       "outside the repository")


def test_without_a_pipeline_there_is_nothing_to_show(gitrepo: Path) -> None:
    assert mlgit(gitrepo, "metrics", "show").out == (
        "No metrics files: stages name them under 'metrics:' in mlgit.yaml.\n")
