"""mlgit checkout restores the stage outputs mlgit.lock records, from the cache."""

from __future__ import annotations

import shutil
from pathlib import Path

from mlgit.hashing import hash_bytes
from tests.conftest import cache_oids, git, mlgit, write

PIPELINE = """
stages:
  s:
    cmd: mkdir -p out && echo one > out/a.txt && echo two > model.txt && echo m > m.json
    outs: [out, model.txt]
    metrics: [{m.json: {cache: false}}]
"""


def test_checkout_restores_recorded_outputs(repo: Path) -> None:
    write(repo / "mlgit.yaml", PIPELINE)
    mlgit(repo, "repro")
    (repo / "model.txt").unlink()
    write(repo / "out" / "a.txt", "edited")
    (repo / "m.json").unlink()
    result = mlgit(repo, "checkout", code=1)  # the edited file is not in the cache
    assert "model.txt: 1 restored" in result.lines
    assert (repo / "model.txt").read_text() == "two\n"
    assert not (repo / "m.json").exists()  # not cached: nothing to restore it from
    mlgit(repo, "checkout", "-f", "out")
    assert (repo / "out" / "a.txt").read_text() == "one\n"


def test_outputs_of_another_branch(repo: Path) -> None:
    write(repo / "mlgit.yaml", PIPELINE)
    mlgit(repo, "repro")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "one")
    git(repo, "checkout", "-qb", "two")
    write(repo / "mlgit.yaml", PIPELINE.replace("echo two", "echo three"))
    mlgit(repo, "repro")
    git(repo, "commit", "-qam", "three")
    git(repo, "checkout", "-q", "main")
    mlgit(repo, "checkout")
    assert (repo / "model.txt").read_text() == "two\n"
    assert "stale" not in mlgit(repo, "status").out


def test_gc_keeps_recorded_outputs(repo: Path) -> None:
    write(repo / "mlgit.yaml", PIPELINE)
    mlgit(repo, "repro")
    write(repo / "junk.bin", "not needed")
    mlgit(repo, "add", "junk.bin")
    (repo / "junk.bin.mlgit").unlink()
    mlgit(repo, "gc", "-f")
    assert hash_bytes(b"not needed") not in cache_oids(repo)
    (repo / "model.txt").unlink()
    shutil.rmtree(repo / "out")
    mlgit(repo, "checkout")
    assert (repo / "model.txt").read_text() == "two\n"
    assert (repo / "out" / "a.txt").read_text() == "one\n"


def test_an_edited_output_gets_a_hint_that_fits_a_stage_output(repo: Path) -> None:
    write(repo / "mlgit.yaml", PIPELINE)
    mlgit(repo, "repro")
    write(repo / "model.txt", "edited\n")
    err = mlgit(repo, "checkout", code=1).err
    assert "hint: a stage's output: 'mlgit repro' runs the stage again" in err
    assert "'mlgit add'" not in err  # mlgit add refuses a stage's output
