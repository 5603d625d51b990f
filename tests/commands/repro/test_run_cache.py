"""The run-cache: a stage whose cmd, deps and params match an earlier run gets that run's
outputs from the cache instead of running."""

from __future__ import annotations

from pathlib import Path

from mlgit.pipeline.lockfile import read_lock
from tests.conftest import delete_object, mlgit, write

PIPELINE = """
stages:
  train:
    cmd: echo run >> runs.log && mkdir -p model && cat params.yaml > model/weights.txt
      && echo m > summary.txt
    deps: [data.txt]
    params: [lr]
    outs: [model, summary.txt]
"""


def runs(repo: Path) -> int:
    return len((repo / "runs.log").read_text().splitlines())


def test_back_to_earlier_params_restores_instead_of_running(repo: Path) -> None:
    write(repo / "mlgit.yaml", PIPELINE)
    write(repo / "data.txt", "d")
    write(repo / "params.yaml", "lr: 1\n")
    mlgit(repo, "repro")
    first = read_lock(str(repo), "mlgit.lock")
    write(repo / "params.yaml", "lr: 2\n")
    mlgit(repo, "repro")
    write(repo / "params.yaml", "lr: 1\n")
    result = mlgit(repo, "repro")
    assert "restored train from the run-cache (an earlier run used the same cmd, deps and" \
           " params): param changed: params.yaml lr (2 -> 1)" in result.lines
    assert runs(repo) == 2
    assert (repo / "model" / "weights.txt").read_text() == "lr: 1\n"
    assert read_lock(str(repo), "mlgit.lock") == first
    assert mlgit(repo, "repro").lines == ["train: up to date"]


def test_no_run_cache_and_missing_objects_run_it(repo: Path) -> None:
    write(repo / "mlgit.yaml", PIPELINE)
    write(repo / "data.txt", "d")
    write(repo / "params.yaml", "lr: 1\n")
    mlgit(repo, "repro")
    write(repo / "params.yaml", "lr: 2\n")
    mlgit(repo, "repro")
    write(repo / "params.yaml", "lr: 1\n")
    mlgit(repo, "repro", "--no-run-cache")
    assert runs(repo) == 3
    write(repo / "params.yaml", "lr: 2\n")
    lock = read_lock(str(repo), "mlgit.lock")
    delete_object(repo, lock["train"].outs["summary.txt"].oid)  # shared by both runs
    mlgit(repo, "repro")
    assert runs(repo) == 4


def test_persist_and_uncached_outputs_never_come_from_it(repo: Path) -> None:
    write(repo / "mlgit.yaml", PIPELINE.replace("summary.txt]", "{summary.txt: {cache: false}}]"))
    write(repo / "data.txt", "d")
    write(repo / "params.yaml", "lr: 1\n")
    mlgit(repo, "repro")
    write(repo / "params.yaml", "lr: 2\n")
    mlgit(repo, "repro")
    write(repo / "params.yaml", "lr: 1\n")
    mlgit(repo, "repro")
    assert runs(repo) == 3
