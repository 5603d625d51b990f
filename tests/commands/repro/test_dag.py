"""mlgit dag: the graph as text, Mermaid, Graphviz dot and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import assert_clean_error, mlgit, write

PIPELINE = """
stages:
  prepare: {cmd: p, deps: [raw.txt], outs: [prep]}
  lone: {cmd: l}
  train: {cmd: t, deps: [prep], outs: [model]}
  report: {cmd: r, deps: [model, prep]}
"""


def test_forms(repo: Path) -> None:
    write(repo / "raw.txt", "x")
    write(repo / "mlgit.yaml", PIPELINE)
    assert mlgit(repo, "dag").lines == [
        "prepare", "lone", "train <- prepare", "report <- train, prepare"]
    assert mlgit(repo, "dag", "train").lines == ["prepare", "train <- prepare"]
    mermaid = mlgit(repo, "dag", "--mermaid").lines
    assert mermaid[0] == "flowchart TD" and '    n0["prepare"]' in mermaid
    assert "    n0 --> n2" in mermaid and "    n2 --> n3" in mermaid
    dot = mlgit(repo, "dag", "--dot").lines
    assert dot[0] == "strict digraph {" and '    "train" -> "report";' in dot
    data = json.loads(mlgit(repo, "dag", "--json").out)
    assert data[3] == {"name": "report", "file": "mlgit.yaml", "cmd": ["r"],
                       "deps": ["model", "prep"], "outs": [], "upstream": ["train", "prepare"]}


def test_without_a_pipeline(repo: Path) -> None:
    assert_clean_error(mlgit(repo, "dag", code=1), "no mlgit.yaml in this repository")
    assert mlgit(repo, "dag", "--dot", "--json", code=2).code == 2
