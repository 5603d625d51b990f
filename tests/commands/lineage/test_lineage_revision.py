"""mlgit lineage PATH --rev REV: the lineage as a revision recorded it, from Git's objects."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import assert_clean_error, commit_tagged, git, mlgit, write

PIPELINE = """
stages:
  prepare:
    cmd: cat raw.csv > clean.csv
    deps: [raw.csv]
    outs: [clean.csv]
  train:
    cmd: cat clean.csv images/a.txt > model.bin
    deps: [clean.csv, images]
    outs: [model.bin]
"""


def commit(root: Path, message: str) -> str:
    commit_tagged(root, message)
    return git(root, "rev-parse", "HEAD").strip()


def test_lineage_as_of_an_older_revision(repo: Path) -> None:
    write(repo / "mlgit.yaml", PIPELINE)
    write(repo / "raw.csv", "one\n")
    write(repo / "images/a.txt", "img\n")
    mlgit(repo, "add", "images")
    mlgit(repo, "repro")
    first = commit(repo, "v1")
    write(repo / "raw.csv", "two\n")
    write(repo / "mlgit.yaml", PIPELINE.replace("cat clean.csv", "cat  clean.csv"))
    mlgit(repo, "repro")
    commit(repo, "v2")
    old = json.loads(mlgit(repo, "lineage", "model.bin", "--rev", "v1", "--json").out)
    assert old["cmd"] == ["cat clean.csv images/a.txt > model.bin"]
    assert old["commit"]["sha"] == first
    assert old["stale"] is None and "as of v1" in old["workspace"]
    deps = {d["path"]: d for d in old["deps"]}
    clean = deps["clean.csv"]["from"][0]
    assert clean["stage"] == "prepare" and clean["commit"]["sha"] == first
    raw = clean["deps"][0]["from"][0]
    assert raw["kind"] == "git" and raw["commit"]["sha"] == first
    assert deps["images"]["from"][0]["kind"] == "tracked"
    now = json.loads(mlgit(repo, "lineage", "model.bin", "--json").out)
    assert now["cmd"] == ["cat  clean.csv images/a.txt > model.bin"]
    text = mlgit(repo, "lineage", "model.bin", "--rev", "v1").out
    assert "up to date" not in text and "lineage as of v1" in text


def test_a_tracked_file_and_errors(repo: Path) -> None:
    write(repo / "data.bin", "d1")
    mlgit(repo, "add", "data.bin")
    first = commit(repo, "v1")
    mlgit(repo, "rm", "data.bin")
    commit(repo, "v2")
    found = json.loads(mlgit(repo, "lineage", "data.bin", "--rev", "v1", "--json").out)
    assert found["kind"] == "tracked" and found["commit"]["sha"] == first
    assert_clean_error(mlgit(repo, "lineage", "data.bin", "--rev", "v2", code=1),
                       "not tracked by mlgit at v2")
    assert_clean_error(mlgit(repo, "lineage", "data.bin", "--rev", "v9", code=1),
                       "unknown revision 'v9'")


def test_files_broken_at_the_revision_are_named_with_it(repo: Path) -> None:
    write(repo / "data.bin", "d1")
    mlgit(repo, "add", "data.bin")
    write(repo / "mlgit.yaml", "stages:\n  x: [\n")
    commit(repo, "v1")
    git(repo, "rm", "-q", "mlgit.yaml")
    commit(repo, "v2")
    broken = mlgit(repo, "lineage", "data.bin", "--rev", "v1", code=1)
    assert_clean_error(broken, "mlgit.yaml:3: invalid YAML", "(at v1)",
                       "the commit v1 holds the file")
    assert "fix the YAML syntax at that line" not in broken.err  # a commit cannot change
    write(repo / "data.bin.mlgit", "<<<<<<< ours\nfoo\n=======\nbar\n>>>>>>> theirs\n")
    commit(repo, "v3")
    conflicted = mlgit(repo, "lineage", "data.bin", "--rev", "v3", code=1)
    assert_clean_error(conflicted, "data.bin.mlgit", "(at v3)", "the commit v3 holds the file")
    assert "git checkout --ours" not in conflicted.err  # no merge is under way for a commit
