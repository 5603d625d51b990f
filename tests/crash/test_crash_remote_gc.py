"""`mlgit gc -r` on a folder remote killed before each of its write steps (on the remote and
in the local cache's index copies alike): nothing a kept revision needs is lost from the
remote, nothing there is corrupt, a chunk list there never names a missing chunk, and
running gc again finishes the job."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mlgit.hashing import hash_bytes
from tests.conftest import git, mlgit
from tests.crash.harness import (
    Crash,
    cli_fsck,
    every_crash,
    fsck_problems,
    missing_oids,
    remote_lists_incomplete,
    store_problems,
)
from tests.crash.worlds import (
    KiB,
    commit_added,
    mixed_folder,
    new_repo,
    put_folder,
    random_bytes,
    workspace_files,
)

pytestmark = pytest.mark.slow


def test_a_killed_remote_gc_keeps_what_head_needs(tmp_path: Path) -> None:
    world = tmp_path / "world"
    repo = new_repo(world / "repo")
    remote = world / "remote"
    remote.mkdir()
    mlgit(repo, "remote", "add", "origin", str(remote))
    v1 = {**mixed_folder(1), "same.txt": b"in both versions"}
    put_folder(repo, "data", v1)
    commit_added(repo, "data", "v1")
    mlgit(repo, "push")
    for path in ("data/a.txt", "data/copy-of-a.txt", "data/nested/b.bin", "data/chunked.bin"):
        (repo / path).chmod(0o644)
    (repo / "data" / "loose.bin").unlink()
    # v1's pack becomes mostly garbage but for same.txt: gc rewrites it
    put_folder(repo, "data", {"a.txt": b"alpha, changed", "copy-of-a.txt": b"changed too",
                              "chunked.bin": random_bytes(10, len(v1["chunked.bin"])),
                              "nested/b.bin": random_bytes(9, 200 * KiB)})
    commit_added(repo, "data", "v2")
    mlgit(repo, "push")
    long_ago = time.time() - 2 * 3600  # pushed two hours ago, as gc sees it
    for path in remote.rglob("*"):
        os.utime(path, (long_ago, long_ago))
    data = workspace_files(repo / "data")
    gc = ["gc", "-r", "origin", "-f", "--grace", "1"]

    def after_crash(crash: Crash) -> None:
        assert store_problems(remote) == [], crash
        assert fsck_problems(repo, "origin", missing=False) == [], crash
        assert missing_oids(repo, "origin") == set(), crash  # what HEAD needs is all there
        assert remote_lists_incomplete(repo, "origin") == [], crash

    gone = hash_bytes(v1["loose.bin"])  # only v1 had it

    def after_finish() -> None:
        assert missing_oids(repo, "origin") == set()
        assert store_problems(remote) == []
        assert not (remote / gone[:2] / gone[2:]).exists()

    crashes = every_crash(world, repo, gc, after_crash, after_finish)
    assert sum(str(remote) in c.call for c in crashes) >= 6, crashes  # writes and deletes there
    assert any("replace" in c.call and c.call.endswith(".idx')") for c in crashes), crashes
    mlgit(repo, *gc)
    cli_fsck(repo, "origin")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    mlgit(clone, "pull")
    assert workspace_files(clone / "data") == data
