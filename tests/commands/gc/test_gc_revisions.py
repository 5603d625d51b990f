"""gc --rev / --all-branches / --all-tags / --all-commits keeps what those revisions
reference; a workspace-only gc says how much of what it deletes older commits need."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from mlgit.hashing import hash_bytes
from tests.conftest import cache_oids, commit_tagged, git, mlgit, write

PIPELINE = "stages:\n  s:\n    cmd: echo {word} > out.txt\n    outs: [out.txt]\n"


def oid(text: str) -> str:
    return hash_bytes(text.encode())


@pytest.fixture
def history(repo: Path) -> Path:
    for word in ("one", "two", "three"):
        write(repo / "model.bin", word)
        mlgit(repo, "add", "model.bin")
        write(repo / "mlgit.yaml", PIPELINE.format(word=word))
        mlgit(repo, "repro")
        commit_tagged(repo, word)
    git(repo, "checkout", "-qb", "side", "one")
    write(repo / "model.bin", "side")
    mlgit(repo, "add", "model.bin")
    commit_tagged(repo, "side")
    git(repo, "checkout", "-q", "main")
    mlgit(repo, "checkout")
    return repo


def test_workspace_only_gc_counts_what_history_needs(history: Path) -> None:
    result = mlgit(history, "gc", "-n")
    # one, two and side for model.bin; one and two for out.txt (the data "one" is shared)
    assert "5 of them (" in result.out and "keep them with 'mlgit gc --all-commits'" in result.out
    assert json.loads(mlgit(history, "gc", "-n", "--json").out)["history"]["needed"] == 5
    mlgit(history, "gc", "-f")
    assert set(cache_oids(history)) == {oid("three"), oid("three\n")}


def test_all_commits_keeps_everything(history: Path) -> None:
    before = set(cache_oids(history))
    result = mlgit(history, "gc", "-f", "--all-commits")
    assert result.lines[0].startswith("removed 0 object(s)")
    assert set(cache_oids(history)) == before


def test_revisions_branches_and_tags(history: Path) -> None:
    mlgit(history, "gc", "-f", "--rev", "one")
    assert set(cache_oids(history)) == {oid(w) for w in ("one", "three", "one\n", "three\n")}


def test_all_branches(history: Path) -> None:
    mlgit(history, "gc", "-f", "--all-branches")
    assert set(cache_oids(history)) == {oid("three"), oid("three\n"), oid("side"), oid("one\n")}


def test_all_tags(history: Path) -> None:
    mlgit(history, "gc", "-f", "-T")
    assert len(cache_oids(history)) == 7


def test_unknown_revision_deletes_nothing(history: Path) -> None:
    before = cache_oids(history)
    result = mlgit(history, "gc", "-f", "--rev", "nope", code=1)
    assert "unknown revision 'nope'" in result.err
    assert cache_oids(history) == before


def test_the_history_count_includes_the_chunks_of_a_chunked_file(repo: Path) -> None:
    # Deleting an old version's chunk list loses the whole file: its chunks count too.
    mlgit(repo, "config", "cache.chunk_threshold", str(1024 * 1024))
    for seed in (1, 2):
        (repo / "model.bin").write_bytes(random.Random(seed).randbytes(3 * 1024 * 1024))
        mlgit(repo, "add", "model.bin")
        commit_tagged(repo, f"v{seed}")
    found = json.loads(mlgit(repo, "gc", "-n", "--json").out)
    assert found["removed"] > 2  # the old list and its chunks
    assert found["history"]["needed"] == found["removed"]
    assert found["history"]["needed_bytes"] == found["freed_bytes"]
