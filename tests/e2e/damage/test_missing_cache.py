"""A deleted `.mlgit/cache` is an empty cache: objects are reported as not in the cache, and
the next write creates it again. No command crashes."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import mlgit, write


def test_every_command_copes_with_a_deleted_cache(repo: Path, tmp_path: Path) -> None:
    write(repo / "f.bin", b"file")
    write(repo / "d/a.txt", b"a")
    mlgit(repo, "add", "f.bin", "d")
    remote = tmp_path / "remote"
    remote.mkdir()
    mlgit(repo, "remote", "add", "origin", str(remote))
    mlgit(repo, "push")
    cache = repo / ".mlgit" / "cache"
    shutil.rmtree(cache)

    status = mlgit(repo, "status")
    assert "f.bin: unchanged (not in cache" in status.out
    listed = mlgit(repo, "ls")
    assert "missing" in listed.out
    gc = mlgit(repo, "gc", "-f")
    assert "removed 0" in gc.out
    (repo / "f.bin").unlink()
    checkout = mlgit(repo, "checkout", code=1)
    assert "f.bin: object not in the cache" in checkout.err
    pushed = mlgit(repo, "push")  # what the cache lost, the remote still has
    assert "3 already on the remote; 0 failed" in pushed.out

    mlgit(repo, "pull")
    assert (repo / "f.bin").read_bytes() == b"file"
    assert cache.is_dir()
    shutil.rmtree(cache)
    write(repo / "g.bin", b"new")
    mlgit(repo, "add", "g.bin")
    assert "g.bin: unchanged" in mlgit(repo, "status", "g.bin").out
