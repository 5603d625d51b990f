"""mlgit stage list: every stage of every mlgit.yaml, text and --json."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import assert_clean_error, mlgit, write


def test_list_text_and_json(repo: Path) -> None:
    write(repo / "mlgit.yaml", "stages:\n  prepare:\n    cmd: python p.py\n    outs: [d]\n"
          "  train:\n    cmd: [a, b]\n    desc: Train it\n    outs: [m.pkl, n]\n"
          "  each:\n    foreach: [x, y]\n    do:\n      cmd: echo ${item}\n")
    write(repo / "sub" / "mlgit.yaml", "stages:\n  deep:\n    cmd: z\n")
    run = mlgit(repo / "sub", "stage", "list")
    assert run.lines == ["prepare              python p.py  -> d",
                         "train                Train it  -> m.pkl, n",
                         "each@x               echo x",
                         "each@y               echo y",
                         "sub/mlgit.yaml:deep  z"]
    rows = json.loads(mlgit(repo, "stage", "list", "--json").out)
    assert rows[1] == {"address": "train", "file": "mlgit.yaml", "desc": "Train it",
                       "cmd": ["a", "b"], "outs": ["m.pkl", "n"], "deps": []}
    assert [r["address"] for r in rows] == ["prepare", "train", "each@x", "each@y",
                                            "sub/mlgit.yaml:deep"]


def test_list_without_stages(repo: Path) -> None:
    assert "No stages" in mlgit(repo, "stage", "list").out
    assert json.loads(mlgit(repo, "stage", "list", "--json").out) == []


def test_list_reports_a_broken_file(repo: Path) -> None:
    write(repo / "sub" / "mlgit.yaml", "stages:\n  t:\n    cmd: x\n    deps: [{a: 1}]\n")
    assert_clean_error(mlgit(repo, "stage", "list", code=1),
                       "sub/mlgit.yaml:4: stages.t.deps[0]: expected a path, got a mapping")
