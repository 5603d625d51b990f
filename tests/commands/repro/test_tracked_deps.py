"""Dependencies on data `mlgit add` tracks: a whole tracked folder (any change inside
counts) or one file inside it (only that file counts); missing data with --allow-missing."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import mlgit, write

PIPELINE = """
stages:
  whole: {cmd: ls data > whole.txt, deps: [data], outs: [whole.txt]}
  one: {cmd: cat data/a.csv > one.txt, deps: [data/a.csv], outs: [one.txt]}
"""


def test_a_tracked_folder_and_a_file_inside_it(repo: Path) -> None:
    write(repo / "data" / "a.csv", "a")
    write(repo / "data" / "b.csv", "b")
    mlgit(repo, "add", "data")
    write(repo / "mlgit.yaml", PIPELINE)
    mlgit(repo, "repro")
    write(repo / "data" / "c.csv", "new file")
    result = mlgit(repo, "repro")
    assert any(line.startswith("running whole: dep changed: data (") for line in result.lines)
    assert "one: up to date" in result.lines
    write(repo / "data" / "a.csv", "changed")
    result = mlgit(repo, "repro")
    assert any(line.startswith("running one: dep changed: data/a.csv (")
               for line in result.lines)


def test_missing_data_with_allow_missing(repo: Path) -> None:
    write(repo / "data" / "a.csv", "a")
    mlgit(repo, "add", "data")
    write(repo / "mlgit.yaml", PIPELINE)
    mlgit(repo, "repro")
    shutil.rmtree(repo / "data")  # a clone before 'mlgit pull'
    (repo / "one.txt").unlink()
    assert mlgit(repo, "repro", "--dry").lines == [
        "would run whole: dep deleted: data", "would run one: dep deleted: data/a.csv;"
        " out deleted: one.txt"]
    assert mlgit(repo, "repro", "--dry", "--allow-missing").lines == [
        "whole: up to date", "one: up to date"]
