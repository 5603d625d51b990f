"""push, fetch and pull --rev / --all-branches / --all-tags / --all-commits: the objects
those revisions reference move, with the workspace's (unless --no-workspace)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mlgit.hashing import hash_bytes
from tests.conftest import cache_oids, commit_all, commit_tagged, git, mlgit, write


def remote_oids(store: Path) -> set[str]:
    from mlgit.storage.objects import LocalODB

    return set(LocalODB(str(store)).iter_oids())


@pytest.fixture
def three_versions(repo: Path, tmp_path: Path) -> tuple[Path, Path]:
    store = tmp_path / "store"
    mlgit(repo, "remote", "add", "origin", str(store))
    for word in ("one", "two", "three"):
        write(repo / "model.bin", word)
        mlgit(repo, "add", "model.bin")
        commit_tagged(repo, word)
    git(repo, "checkout", "-qb", "side", "one")
    write(repo / "model.bin", "side")
    mlgit(repo, "add", "model.bin")
    commit_all(repo, "side")
    git(repo, "checkout", "-q", "main")
    mlgit(repo, "checkout")
    return repo, store


def oid(text: str) -> str:
    return hash_bytes(text.encode())


def test_push_rev_adds_the_revision_to_the_workspace(three_versions: tuple[Path, Path]
                                                     ) -> None:
    repo, store = three_versions
    mlgit(repo, "push", "--rev", "one")
    assert remote_oids(store) == {oid("one"), oid("three")}


def test_push_only_revisions(three_versions: tuple[Path, Path]) -> None:
    repo, store = three_versions
    mlgit(repo, "push", "--rev", "two", "--rev", "one", "--no-workspace")
    assert remote_oids(store) == {oid("one"), oid("two")}


def test_push_all_branches_tags_commits(three_versions: tuple[Path, Path]) -> None:
    repo, store = three_versions
    mlgit(repo, "push", "--all-branches")
    assert remote_oids(store) == {oid("three"), oid("side")}
    mlgit(repo, "push", "--all-tags")
    assert remote_oids(store) == {oid("one"), oid("two"), oid("three"), oid("side")}


def test_fetch_and_pull_revisions(three_versions: tuple[Path, Path], tmp_path: Path) -> None:
    repo, _ = three_versions
    mlgit(repo, "push", "--all-commits")
    shutil.rmtree(repo / ".mlgit" / "cache")
    mlgit(repo, "fetch", "--rev", "two", "--no-workspace")
    assert cache_oids(repo) == [oid("two")]
    mlgit(repo, "pull", "--all-commits")
    assert set(cache_oids(repo)) == {oid(w) for w in ("one", "two", "three", "side")}
    assert (repo / "model.bin").read_text() == "three"  # the workspace is what is checked out


def test_unknown_revision(three_versions: tuple[Path, Path]) -> None:
    repo, _ = three_versions
    result = mlgit(repo, "push", "--rev", "nope", code=1)
    assert "unknown revision 'nope'" in result.err


def test_a_broken_pointer_at_a_revision_is_skipped_with_a_warning(
        three_versions: tuple[Path, Path]) -> None:
    """A commit never changes: failing for its broken pointer would fail every later run."""
    repo, store = three_versions
    write(repo / "bad.mlgit", "not: a pointer\n")
    commit_all(repo, "bad")
    bad = git(repo, "rev-parse", "--short=12", "HEAD").strip()
    git(repo, "rm", "-q", "bad.mlgit")
    commit_all(repo, "fixed")
    result = mlgit(repo, "push", "--all-commits", "--json")
    assert oid("three") in remote_oids(store)
    data = json.loads(result.out)
    assert data["failed"] == []
    assert [(s["path"], f"(at {bad})" in s["reason"]) for s in data["skipped"]] == [
        ("bad.mlgit", True)]
    shown = mlgit(repo, "push", "--rev", "HEAD~1")
    assert "warning: bad.mlgit: " in shown.err and "(at HEAD~1); skipped" in shown.err
    assert "error:" not in shown.err and "git checkout" not in shown.err
    fetched = mlgit(repo, "fetch", "--all-commits")
    assert f"(at {bad}); skipped" in fetched.err
    write(repo / "bad.mlgit", "not: a pointer\n")  # in the work tree it can be fixed
    failed = mlgit(repo, "push", code=1)
    assert "error: bad.mlgit: " in failed.err
