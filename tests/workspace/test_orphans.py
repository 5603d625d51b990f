"""workspace/orphans.py: what mlgit put in the work tree for artifacts whose pointer is gone
is removed only when unchanged and in the cache."""

from __future__ import annotations

from pathlib import Path

from mlgit.repo import Repo
from mlgit.workspace.orphans import CHANGED, NOT_CACHED, remove_orphans
from tests.conftest import delete_object, mlgit, write


def orphaned(repo: Path, *rels: str) -> None:
    """Track each artifact, then lose its pointer (as a branch switch does)."""
    mlgit(repo, "add", *rels)
    for rel in rels:
        (repo / f"{rel}.mlgit").unlink()


def test_unchanged_files_in_the_cache_are_removed(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "sub" / "a.txt", "alpha")
    write(repo / "model.bin", "weights")
    orphaned(repo, "data", "model.bin")
    with opened.lock():
        results = remove_orphans(opened, tracked=set())
    assert sorted((r.path, r.removed) for r in results) == [
        ("data", ["data/sub/a.txt"]), ("model.bin", ["model.bin"])]
    assert not (repo / "data").exists() and not (repo / "model.bin").exists()
    opened.state.flush()
    assert opened.state.placed() == {}


def test_changed_files_and_foreign_files_stay(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "a.txt", "alpha")
    write(repo / "data" / "b.txt", "bravo")
    orphaned(repo, "data")
    (repo / "data" / "a.txt").write_text("edited since")
    write(repo / "data" / "mine.txt", "never tracked")
    with opened.lock():
        [result] = remove_orphans(opened, tracked=set())
    assert result.removed == ["data/b.txt"]
    assert result.kept == [("data/a.txt", CHANGED)] and result.foreign == 1
    assert (repo / "data" / "a.txt").read_text() == "edited since"
    assert (repo / "data" / "mine.txt").exists()


def test_content_not_in_the_cache_stays(repo: Path, opened: Repo) -> None:
    write(repo / "model.bin", "weights")
    orphaned(repo, "model.bin")
    delete_object(repo, opened.state.placed()["model.bin"][0][1])
    with opened.lock():
        [result] = remove_orphans(opened, tracked=set())
    assert result.kept == [("model.bin", NOT_CACHED)] and (repo / "model.bin").exists()


def test_tracked_artifacts_are_not_orphans(repo: Path, opened: Repo) -> None:
    write(repo / "model.bin", "weights")
    mlgit(repo, "add", "model.bin")
    with opened.lock():
        assert remove_orphans(opened, tracked={"model.bin"}) == []
    assert (repo / "model.bin").exists()


def test_leftovers_in_an_orphan_are_removed_with_it(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "a.txt", "alpha")
    orphaned(repo, "data")
    leftover = write(repo / "data" / ".a.txt.999999999-0.mlgit-tmp", "half")
    with opened.lock():
        [result] = remove_orphans(opened, tracked=set())
    assert result.removed == ["data/a.txt"]
    assert not leftover.exists() and not (repo / "data").exists()
