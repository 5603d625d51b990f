"""status remembers that a folder's objects were all in the cache only as long as the cache is
unchanged: a pack index rewritten in place (same name, same folder mtime) must be noticed."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.conftest import mlgit, write


def overwrite_in_place(path: Path) -> None:
    size = path.stat().st_size
    os.chmod(path, 0o644)
    with open(path, "r+b") as f:  # the same inode: the packs folder's mtime does not move
        f.write(b"\0" * size)


def test_a_pack_index_rewritten_in_place_is_noticed(repo: Path) -> None:
    for i in range(3):
        write(repo / "d" / f"f{i}", f"file {i}\n")
    mlgit(repo, "add", "d")
    time.sleep(0.1)  # older than the store's "changed too recently to tell" window
    mlgit(repo, "status")  # remembers that every object of d is in the cache
    assert mlgit(repo, "status").out == "d: unchanged\n"
    packs_dir = repo / ".mlgit" / "cache" / "packs"
    folder_mtime = packs_dir.stat().st_mtime_ns
    (index,) = packs_dir.glob("*.idx")
    overwrite_in_place(index)
    assert packs_dir.stat().st_mtime_ns == folder_mtime
    time.sleep(0.1)
    result = mlgit(repo, "status", code=1)
    assert "d: unchanged (not in cache: 3 object(s))" in result.out
    assert "is damaged" in result.err
