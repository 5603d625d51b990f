"""`mlgit add` refuses a stage's output (or a folder holding one): mlgit.lock records it,
and a pointer file beside it would make the pipeline refuse to run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, mlgit, write

PIPELINE = """
stages:
  train:
    cmd: mkdir -p models && echo w > models/model.bin
    outs: [models/model.bin]
"""


@pytest.mark.parametrize(("arg", "what"), [
    ("models/model.bin", "models/model.bin: is an output of stage train (mlgit.yaml)"),
    ("models", "models: holds models/model.bin, an output of stage train (mlgit.yaml)"),
])
def test_adding_a_stage_output_is_refused(repo: Path, arg: str, what: str) -> None:
    write(repo / "mlgit.yaml", PIPELINE)
    mlgit(repo, "repro")
    write(repo / "models" / "notes.txt", "kept by hand\n")
    assert_clean_error(mlgit(repo, "add", arg, code=1), what, "mlgit repro -f train")
    assert not (repo / f"{arg}.mlgit").exists()
    assert mlgit(repo, "repro").lines == ["train: up to date"]


def test_a_broken_pipeline_does_not_stop_add(repo: Path) -> None:
    write(repo / "mlgit.yaml", "stages: [\n")
    write(repo / "data.csv", "a\n")
    mlgit(repo, "add", "data.csv")
    assert (repo / "data.csv.mlgit").exists()
