"""A stage's outputs are removed before it runs, so an output may not be (or hold) a file
mlgit keeps: a pipeline file, a lock file, or an artifact `mlgit add` tracks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, git, mlgit, write


@pytest.mark.parametrize("out", ["mlgit.yaml", "mlgit.lock", "sub/mlgit.lock", "x.csv.mlgit",
                                 ".gitignore"])
def test_an_output_named_like_an_mlgit_file_is_refused(repo: Path, out: str) -> None:
    pipeline = f"stages:\n  a:\n    cmd: echo x > '{out}'\n    outs: ['{out}']\n"
    write(repo / "mlgit.yaml", pipeline)
    write(repo / "mlgit.lock", "schema: 1\nstages: {}\n")
    result = mlgit(repo, "repro", code=1)
    assert_clean_error(result, f"stages.a.outs: {out} is a file mlgit keeps")
    assert (repo / "mlgit.yaml").read_text() == pipeline


def test_an_output_folder_holding_a_pipeline_file_is_refused(repo: Path) -> None:
    write(repo / "sub" / "mlgit.yaml", "stages:\n  s:\n    cmd: echo\n")
    write(repo / "mlgit.yaml", "stages:\n  a:\n    cmd: mkdir -p sub\n    outs: [sub]\n")
    result = mlgit(repo, "repro", code=1)
    assert_clean_error(result, "stages.a.outs: sub holds sub/mlgit.yaml")
    assert (repo / "sub" / "mlgit.yaml").exists()
    assert_clean_error(mlgit(repo, "status", "--quiet", code=1), "sub holds sub/mlgit.yaml")


def test_an_output_folder_holding_a_tracked_artifact_is_not_removed(repo: Path) -> None:
    write(repo / "data" / "in" / "raw.csv", "precious\n")
    mlgit(repo, "add", "data/in/raw.csv")
    git(repo, "add", "-A")
    write(repo / "mlgit.yaml", "stages:\n  a:\n    cmd: mkdir -p data && echo x > data/new\n"
          "    outs: [data]\n")
    result = mlgit(repo, "repro", code=1)
    assert "its output data holds data/in/raw.csv.mlgit, which 'mlgit add' tracks" in result.err
    assert (repo / "data" / "in" / "raw.csv").read_text() == "precious\n"
    assert (repo / "data" / "in" / "raw.csv.mlgit").exists()
    assert not (repo / "mlgit.lock").exists()
