"""mlgit.lock: the canonical form, paths relative to its folder, untrusted reading, and
merges that touch only the stages both sides changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgit.pipeline.errors import PipelineError
from mlgit.pipeline.lockfile import Hashed, LockEntry, dumps, loads, read_lock, write_entry
from tests.conftest import git

A = "a" * 32
B = "b" * 32


def entry(cmd: str = "python train.py", oid: str = A) -> LockEntry:
    return LockEntry((cmd,), deps={"sub/src/z.py": Hashed(oid, 10),
                                   "data/raw": Hashed(B, 300, 3)},
                     params={"sub/params.yaml": {"train.lr": 0.1, "seed": 1}},
                     outs={"sub/model.pkl": Hashed(A, 7)})


def test_canonical_text() -> None:
    text = dumps({"train": entry(), "prepare": LockEntry(("a", "b"))}, "sub/mlgit.lock")
    assert text == f"""schema: 1
stages:
  prepare:
    cmd:
    - a
    - b

  train:
    cmd: python train.py
    deps:
    - path: ../data/raw
      oid: {B}
      size: 300
      nfiles: 3
    - path: src/z.py
      oid: {A}
      size: 10
    params:
      params.yaml:
        seed: 1
        train.lr: 0.1
    outs:
    - path: model.pkl
      oid: {A}
      size: 7
"""
    assert loads(text.encode(), "sub/mlgit.lock") == {
        "train": entry(), "prepare": LockEntry(("a", "b"))}


@pytest.mark.parametrize(("path", "problem"), [
    ("/etc/passwd", "expected a relative path"),
    ("../../x", "outside the repository"),
    ("../.git/config", ".git"),
    (7, "expected a relative path"),
])
def test_unsafe_paths_are_refused(path: object, problem: str) -> None:
    text = f"schema: 1\nstages:\n  s:\n    cmd: c\n    outs:\n    - path: {path}\n" \
           f"      oid: {A}\n      size: 1\n"
    with pytest.raises(PipelineError) as info:
        loads(text.encode(), "sub/mlgit.lock")
    assert info.value.message.startswith("sub/mlgit.lock: stages.s.outs[0].path: ")
    assert problem in info.value.message and info.value.hint


@pytest.mark.parametrize(("body", "key"), [
    ("cmd: 3", "stages.s.cmd"),
    (f"cmd: c\n    deps:\n    - path: x\n      oid: {'A' * 32}\n      size: 1", "oid"),
    (f"cmd: c\n    deps:\n    - path: x\n      oid: {A}\n      size: -1", "deps[0].size"),
    (f"cmd: c\n    deps:\n    - path: x\n      oid: {A}\n      size: true", "deps[0].size"),
    ("cmd: c\n    deps: x", "stages.s.deps: expected a list"),
    ("cmd: c\n    params: [x]", "stages.s.params"),
    (f"cmd: c\n    outs:\n    - path: x\n      oid: {A}\n      size: 1\n    - path: ./x\n"
     f"      oid: {A}\n      size: 2", r"stages.s.outs[1].path: './x' is listed twice"),
])
def test_bad_types_are_refused(body: str, key: str) -> None:
    with pytest.raises(PipelineError, match=key.replace("[", r"\[")):
        loads(f"schema: 1\nstages:\n  s:\n    {body}\n".encode(), "mlgit.lock")


def test_newer_schema_and_conflict_markers() -> None:
    with pytest.raises(PipelineError, match="schema 2 is newer"):
        loads(b"schema: 2\nstages: {}\n", "mlgit.lock")
    with pytest.raises(PipelineError, match=r"merge conflict in mlgit\.lock"):
        loads(b"schema: 1\nstages:\n<<<<<<< HEAD\n", "mlgit.lock")


def test_write_entry_keeps_other_declared_stages(tmp_path: Path) -> None:
    root = str(tmp_path)
    write_entry(root, "mlgit.lock", "a", LockEntry(("a",)), {"a", "b"})
    write_entry(root, "mlgit.lock", "b", LockEntry(("b",)), {"a", "b"})
    write_entry(root, "mlgit.lock", "gone", LockEntry(("g",)), {"a", "b", "gone"})
    write_entry(root, "mlgit.lock", "b", LockEntry(("b2",)), {"a", "b"})
    assert read_lock(root, "mlgit.lock") == {"a": LockEntry(("a",)), "b": LockEntry(("b2",))}


def test_branches_rerunning_different_stages_merge_cleanly(gitrepo: Path) -> None:
    root = str(gitrepo)
    names = {"a", "b", "c", "d"}
    for name in sorted(names):
        write_entry(root, "mlgit.lock", name, entry(f"run {name}"), names)
    git(gitrepo, "add", "mlgit.lock")
    git(gitrepo, "commit", "-qm", "base")
    git(gitrepo, "checkout", "-qb", "other")
    write_entry(root, "mlgit.lock", "c", entry("run c", oid=B), names)
    git(gitrepo, "commit", "-qam", "c again")
    git(gitrepo, "checkout", "-q", "main")
    write_entry(root, "mlgit.lock", "b", entry("run b", oid=B), names)
    write_entry(root, "mlgit.lock", "d", entry("run d2"), names)
    git(gitrepo, "commit", "-qam", "b and d again")
    git(gitrepo, "merge", "-q", "other", "-m", "merge")
    merged = read_lock(root, "mlgit.lock")
    assert merged["b"] == entry("run b", oid=B) and merged["c"] == entry("run c", oid=B)
    assert merged["d"] == entry("run d2") and merged["a"] == entry("run a")
