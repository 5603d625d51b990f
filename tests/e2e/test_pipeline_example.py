"""examples/pipeline, run with the real CLI in a scratch repository: every stage runs, the
numbers are the same on every run, and a param change reruns exactly the stages that read it
and the ones after them (docs/pipelines.md, "A worked example")."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git, mlgit

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pipeline"
STAGES = ["prepare", "featurize@train", "featurize@test", "train", "evaluate"]
# What the example prints on the test split with the params.yaml it ships with; the worked
# example in docs/pipelines.md quotes these numbers.
METRICS = {"accuracy": 0.87, "f1": 0.8, "log_loss": 0.2925, "precision": 0.8125,
           "recall": 0.7879, "roc_auc": 0.9422}


def _example_repo(root: Path) -> Path:
    root.mkdir()
    shutil.copytree(EXAMPLE, root, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    git(root, "init", "-q", "-b", "main")
    mlgit(root, "init")
    return root


def _repro(repo: Path) -> list[str]:
    """Run `mlgit repro`; the stages it ran, in order."""
    lines = mlgit(repo, "repro").lines
    return [line.removeprefix("running ").split(": ", 1)[0]
            for line in lines if line.startswith("running ")]


def _metrics(repo: Path) -> Any:
    return json.loads((repo / "eval" / "metrics.json").read_text(encoding="utf-8"))


def _set_param(repo: Path, key: str, old: str, new: str) -> None:
    params = repo / "params.yaml"
    text, count = re.subn(rf"(?m)^(\s+{key}): {re.escape(old)}$", rf"\1: {new}",
                          params.read_text(encoding="utf-8"))
    assert count == 1, f"{key}: {old} not found in params.yaml"
    params.write_text(text, encoding="utf-8")


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """The example after its first `mlgit repro`, committed."""
    repo = _example_repo(tmp_path / "pipeline")
    assert _repro(repo) == STAGES
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pipeline and its results")
    return repo


def test_every_stage_runs_once_and_the_numbers_are_the_same_every_time(
        example: Path, tmp_path: Path) -> None:
    assert _repro(example) == []
    assert _metrics(example) == {"rows": 200, "test": METRICS}
    # nothing untracked or ignored by accident: the outputs are ignored, the rest committed
    assert git(example, "status", "--porcelain", "--untracked-files=all") == ""
    again = _example_repo(tmp_path / "again")
    assert _repro(again) == STAGES
    for made in ("eval/metrics.json", "eval/plots/roc.csv", "model/model.json",
                 "model/train_log.csv", "data/prepared/train.csv", "data/features/test.csv"):
        assert (again / made).read_bytes() == (example / made).read_bytes(), made


def test_featurize_degree_reruns_both_featurize_stages_train_and_evaluate_not_prepare(
        example: Path) -> None:
    _set_param(example, "degree", "2", "3")
    status = mlgit(example, "status").out
    assert "param changed: params.yaml featurize.degree (2 -> 3)" in status
    assert _repro(example) == ["featurize@train", "featurize@test", "train", "evaluate"]
    header = (example / "data" / "features" / "train.csv").read_text().splitlines()[0]
    assert len(header.split(",")) == 9 + 1, header  # 9 features of degree 3, and the label
    assert _repro(example) == []


def test_evaluate_threshold_reruns_evaluate_only_and_metrics_diff_shows_the_change(
        example: Path) -> None:
    _set_param(example, "threshold", "0.5", "0.4")
    assert _repro(example) == ["evaluate"]
    diff = mlgit(example, "metrics", "diff").out
    assert re.search(r"eval/metrics\.json +test\.accuracy +0\.87 +0\.875 +\+0\.005", diff), diff
    assert "roc_auc" not in diff, "the threshold does not move the ROC AUC"


def test_an_edit_that_leaves_the_output_identical_stops_after_the_stage(example: Path) -> None:
    script = example / "src" / "prepare.py"
    script.write_text(script.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    assert _repro(example) == ["prepare"]


def _worked_example_transcript() -> list[tuple[str, list[str]]]:
    """Each `$ mlgit ...` of the worked example's ```text blocks, with the lines shown after it."""
    doc = (EXAMPLE.parents[1] / "docs" / "pipelines.md").read_text(encoding="utf-8")
    section = doc.split("\n## A worked example\n", 1)[1].split("\n## ", 1)[0]
    transcript: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```text\n(.*?)```", section, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                transcript.append((line[2:], []))
            else:
                transcript[-1][1].append(line)
    return transcript


def test_the_worked_example_in_the_docs_shows_what_the_example_prints(tmp_path: Path) -> None:
    repo = _example_repo(tmp_path / "pipeline")
    printed = [("mlgit repro", mlgit(repo, "repro").lines)]
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pipeline and its results")
    _set_param(repo, "threshold", "0.5", "0.4")
    for command in ("mlgit status", "mlgit repro", "mlgit metrics diff"):
        printed.append((command, mlgit(repo, *command.split()[1:]).lines))
    assert _worked_example_transcript() == printed
