"""`mlgit gc` killed before each of its write steps: it deletes garbage and rewrites the packs
that hold some (new pack and index first, then the old index, then the old pack), so at every
instant each kept object is in the cache, whole; running gc again finishes the job."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import mlgit
from tests.crash.harness import Crash, cli_fsck, every_crash, fsck_problems, stored_content
from tests.crash.worlds import KiB, commit_added, mixed_folder, new_repo, put_folder, random_bytes


def _cache_has(cache: Path, oid: str) -> bool:
    from mlgit.storage.objects import LocalODB

    odb = LocalODB(str(cache))
    try:
        return odb.has(oid)
    finally:
        odb.close()


def test_a_killed_gc_keeps_every_kept_object_whole(tmp_path: Path) -> None:
    world = tmp_path / "world"
    repo = new_repo(world / "repo")
    v1 = {**mixed_folder(1), "same.txt": b"in both versions"}
    put_folder(repo, "data", v1)
    commit_added(repo, "data", "v1")
    old_pointer = tmp_path / "data.mlgit"
    old_pointer.write_bytes((repo / "data.mlgit").read_bytes())
    chunked = v1["chunked.bin"]
    v2 = {**v1, "a.txt": b"alpha, changed", "nested/b.bin": random_bytes(9, 200 * KiB),
          # an edit in the middle: most chunks are shared, so the old pack keeps some
          "chunked.bin": chunked[:len(chunked) // 2] + b"edit" + chunked[len(chunked) // 2:]}
    del v2["loose.bin"]
    (repo / "data" / "loose.bin").unlink()
    for path in ("data/a.txt", "data/nested/b.bin", "data/chunked.bin"):
        (repo / path).chmod(0o644)
    put_folder(repo, "data", v2)
    commit_added(repo, "data", "v2")
    cache = repo / ".mlgit" / "cache"
    old_manifest = old_pointer.read_text().split('oid: "')[1][:32]

    def after_crash(crash: Crash) -> None:
        assert fsck_problems(repo) == [], crash
        assert stored_content(repo / "data.mlgit", cache) == v2, crash

    def after_finish() -> None:
        assert fsck_problems(repo) == []
        assert stored_content(repo / "data.mlgit", cache) == v2
        assert not _cache_has(cache, old_manifest)  # the garbage went

    crashes = every_crash(world, repo, ["gc", "-f"], after_crash, after_finish)
    assert len(crashes) >= 8, crashes
    assert any("unlink" in c.call and ".idx" in c.call for c in crashes), crashes  # a repack
    mlgit(repo, "gc", "-f")  # every_crash gave back the starting state
    cli_fsck(repo)
    assert "unchanged" in mlgit(repo, "status").out
