"""Files above cache.chunk_threshold end to end: an edit of 1 MiB in the middle of a large file
costs a few MiB to add, push and pull, not the whole file; checkout streams the chunks back,
verified (docs/formats.md, "Chunked files")."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import git, mlgit

MiB = 1024 * 1024
SIZE = 24 * MiB
THRESHOLD = 8 * MiB


def _bytes_under(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _edited(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + random.Random(2).randbytes(MiB) + data[middle + MiB:]


def _chunk_packs(repo: Path) -> list[Path]:
    """The cache's packs of chunks (their index starts with the chunk pack magic)."""
    packs = repo / ".mlgit" / "cache" / "packs"
    return [p.with_suffix(".pack") for p in packs.glob("*.idx")
            if p.read_bytes().startswith(b"MLGIT-CHUNK-INDEX 1\n")]


@pytest.fixture
def chunking_repo(repo: Path, tmp_path: Path) -> Path:
    mlgit(repo, "config", "cache.chunk_threshold", str(THRESHOLD))
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"))
    (repo / "model.pt").write_bytes(random.Random(1).randbytes(SIZE))
    mlgit(repo, "add", "model.pt")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "model v1")
    mlgit(repo, "push")
    return repo


def _appended(data: bytes) -> bytes:
    return data + random.Random(3).randbytes(MiB)


@pytest.mark.parametrize("change", [_edited, _appended], ids=["edit", "append"])
def test_a_1_mib_change_adds_pushes_and_pulls_a_few_mib(chunking_repo: Path, tmp_path: Path,
                                                        change: Callable[[bytes], bytes]
                                                        ) -> None:
    repo = chunking_repo
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    mlgit(clone, "pull")
    cache, remote = repo / ".mlgit" / "cache", tmp_path / "remote"
    cache_before, remote_before = _bytes_under(cache), _bytes_under(remote)
    assert cache_before < SIZE + MiB and remote_before < SIZE + MiB

    new = change((repo / "model.pt").read_bytes())
    (repo / "model.pt").chmod(0o644)
    (repo / "model.pt").write_bytes(new)
    mlgit(repo, "add", "model.pt")
    assert _bytes_under(cache) - cache_before < 4 * MiB
    git(repo, "commit", "-q", "-am", "model v2")
    pushed = json.loads(mlgit(repo, "push", "--json").out)
    assert pushed["failed"] == []
    assert _bytes_under(remote) - remote_before < 4 * MiB

    clone_cache = clone / ".mlgit" / "cache"
    clone_before = _bytes_under(clone_cache)
    git(clone, "pull", "-q", "origin", "main")
    pulled = json.loads(mlgit(clone, "pull", "--json").out)
    assert pulled["failed"] == []
    assert _bytes_under(clone_cache) - clone_before < 4 * MiB
    assert (clone / "model.pt").read_bytes() == new
    assert "unchanged" in mlgit(clone, "status").out


def test_checkout_streams_a_chunked_file_back_with_any_link_type(chunking_repo: Path) -> None:
    repo = chunking_repo
    data = (repo / "model.pt").read_bytes()
    for links in ("hardlink,copy", "symlink,copy", "reflink,copy"):
        mlgit(repo, "config", "cache.link", links)
        os.chmod(repo / "model.pt", 0o644)
        os.unlink(repo / "model.pt")
        mlgit(repo, "checkout")
        placed = repo / "model.pt"
        assert not placed.is_symlink() and placed.stat().st_nlink == 1
        assert placed.read_bytes() == data
        assert "unchanged" in mlgit(repo, "status").out


def test_a_corrupt_chunk_stops_the_checkout_and_a_pull_restores_it(chunking_repo: Path
                                                                  ) -> None:
    repo = chunking_repo
    data = (repo / "model.pt").read_bytes()
    (victim,) = _chunk_packs(repo)
    victim.chmod(0o644)
    with open(victim, "r+b") as f:  # inside one of the chunks
        f.seek(victim.stat().st_size // 2)
        f.write(b"\0\xff")
    os.chmod(repo / "model.pt", 0o644)
    os.unlink(repo / "model.pt")
    failed = mlgit(repo, "checkout", code=None)
    assert failed.code != 0 and "corrupt" in failed.out + failed.err
    assert not (repo / "model.pt").exists()
    mlgit(repo, "pull")
    assert (repo / "model.pt").read_bytes() == data


def test_gc_keeps_the_chunks_of_the_file_a_pointer_names(chunking_repo: Path) -> None:
    repo = chunking_repo
    data = (repo / "model.pt").read_bytes()
    os.chmod(repo / "model.pt", 0o644)
    (repo / "model.pt").write_bytes(_edited(data))
    mlgit(repo, "add", "model.pt")
    mlgit(repo, "gc", "-f")
    git(repo, "checkout", "-q", "--", "model.pt.mlgit")
    os.chmod(repo / "model.pt", 0o644)
    os.unlink(repo / "model.pt")
    mlgit(repo, "checkout")
    assert (repo / "model.pt").read_bytes() == data
    assert mlgit(repo, "fsck").code == 0


def test_fsck_finds_a_missing_chunk_and_a_damaged_chunk_list(chunking_repo: Path) -> None:
    repo = chunking_repo
    assert mlgit(repo, "fsck").code == 0
    cache = repo / ".mlgit" / "cache"
    (victim,) = _chunk_packs(repo)
    victim.with_suffix(".idx").unlink()
    victim.unlink()
    found = mlgit(repo, "fsck", code=None)
    assert found.code != 0 and "chunks are not in the cache" in found.out
    os.chmod(repo / "model.pt", 0o644)
    os.unlink(repo / "model.pt")
    failed = mlgit(repo, "checkout", code=None)
    assert failed.code != 0 and "is not in the cache" in failed.out + failed.err
    mlgit(repo, "pull")
    assert mlgit(repo, "fsck").code == 0
    (listed,) = cache.glob("??/*.chunks")
    listed.chmod(0o644)
    with open(listed, "r+b") as f:
        f.seek(40)
        f.write(b"\xff")
    damaged = mlgit(repo, "fsck", "--repair", code=None)
    assert damaged.code != 0 and "chunk list is damaged" in damaged.out
    assert not list(cache.glob("??/*.chunks"))
    mlgit(repo, "pull")
    assert mlgit(repo, "fsck").code == 0


def test_the_first_push_sends_the_pack_of_chunks_as_it_is_and_a_clone_pulls_it(
        chunking_repo: Path, tmp_path: Path) -> None:
    repo = chunking_repo
    (local,) = _chunk_packs(repo)
    remote_packs = sorted((tmp_path / "remote" / "packs").glob("*.pack"))
    assert [p.read_bytes() for p in remote_packs] == [local.read_bytes()]
    index = remote_packs[0].with_suffix(".idx").read_bytes()
    assert index.startswith(b"MLGIT-PACK-INDEX 1\n")  # an ordinary pack: old readers read it
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    mlgit(clone, "pull")
    assert (clone / "model.pt").read_bytes() == (repo / "model.pt").read_bytes()
    mlgit(clone, "fsck", "-r", "origin")


def test_the_remote_counts_a_pushed_chunked_file_as_there(chunking_repo: Path) -> None:
    repo = chunking_repo
    status = mlgit(repo, "status", "--remote", "origin")
    assert "model.pt" in status.out and "not all pushed" not in status.out
    again = json.loads(mlgit(repo, "push", "--json").out)
    assert again["transferred"] == 0 and again["failed"] == []
    assert mlgit(repo, "fsck", "-r", "origin").code == 0


def test_a_large_file_inside_a_tracked_folder_is_chunked_too(repo: Path,
                                                             tmp_path: Path) -> None:
    mlgit(repo, "config", "cache.chunk_threshold", str(THRESHOLD))
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"))
    big = random.Random(3).randbytes(THRESHOLD + MiB)
    (repo / "ckpt").mkdir()
    (repo / "ckpt" / "weights.bin").write_bytes(big)
    (repo / "ckpt" / "config.json").write_text("{}")
    mlgit(repo, "add", "ckpt")
    assert len(list((repo / ".mlgit" / "cache").glob("??/*.chunks"))) == 1
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "ckpt")
    mlgit(repo, "push")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    mlgit(clone, "pull")
    assert (clone / "ckpt" / "weights.bin").read_bytes() == big
    assert "unchanged" in mlgit(clone, "status").out


def test_a_second_checkpoint_sharing_most_bytes_shares_most_chunks(chunking_repo: Path,
                                                                   tmp_path: Path) -> None:
    repo = chunking_repo
    data = (repo / "model.pt").read_bytes()
    layer = len(data) // 12
    changed = bytearray(data)
    for i in (2, 7):  # 2 of 12 "layers" differ, 4 MiB of 24
        changed[i * layer:(i + 1) * layer] = random.Random(i).randbytes(layer)
    (repo / "model-2.pt").write_bytes(bytes(changed))
    cache, remote = repo / ".mlgit" / "cache", tmp_path / "remote"
    cache_before, remote_before = _bytes_under(cache), _bytes_under(remote)
    mlgit(repo, "add", "model-2.pt")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "second checkpoint")
    mlgit(repo, "push")
    differing = 2 * layer
    assert _bytes_under(cache) - cache_before < differing + 4 * MiB
    assert _bytes_under(remote) - remote_before < differing + 4 * MiB
    os.chmod(repo / "model-2.pt", 0o644)
    os.unlink(repo / "model-2.pt")
    mlgit(repo, "checkout")
    assert (repo / "model-2.pt").read_bytes() == bytes(changed)


def test_push_sends_again_the_chunks_a_remote_lost_behind_its_chunk_list(
        chunking_repo: Path, tmp_path: Path) -> None:
    # What fsck -r tells the user to do with a damaged pack of chunks: delete it, push again.
    repo, remote = chunking_repo, tmp_path / "remote"
    for lost in (remote / "packs").iterdir():
        lost.unlink()
    assert list(remote.glob("??/*.chunks"))  # the list stays and names chunks now gone
    status = mlgit(repo, "status", "--remote", "origin")
    assert "not all pushed" in status.out
    found = mlgit(repo, "fsck", "-r", "origin", code=1)
    assert found.err.splitlines()[-1] == ("hint: run 'mlgit push' from a clone whose cache has"
                                          " those files intact: it sends what the remote lacks")
    pushed = json.loads(mlgit(repo, "push", "--json").out)
    assert pushed["failed"] == [] and pushed["transferred"] > 0
    assert "not all pushed" not in mlgit(repo, "status", "--remote", "origin").out
    assert mlgit(repo, "fsck", "-r", "origin").code == 0
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    mlgit(clone, "pull")
    assert (clone / "model.pt").read_bytes() == (repo / "model.pt").read_bytes()
