"""gc -r without --all-commits says, as the cache's gc does, how much of what it deletes older
commits still need: the remote may hold the last copy of an old version, chunks included."""

from __future__ import annotations

import json
import random
from pathlib import Path

from tests.conftest import commit_tagged, mlgit, write


def _two_versions(repo: Path, tmp_path: Path) -> None:
    mlgit(repo, "config", "cache.chunk_threshold", str(1024 * 1024))
    mlgit(repo, "remote", "add", "store", str(tmp_path / "store"), "--default")
    for seed in (1, 2):
        (repo / "model.bin").write_bytes(random.Random(seed).randbytes(3 * 1024 * 1024))
        write(repo / "notes.txt", f"version {seed}")
        mlgit(repo, "add", "model.bin", "notes.txt")
        commit_tagged(repo, f"v{seed}")
        mlgit(repo, "push")


def test_gc_r_counts_what_older_commits_need(repo: Path, tmp_path: Path) -> None:
    _two_versions(repo, tmp_path)
    plan = json.loads(mlgit(repo, "gc", "-r", "store", "--grace", "0", "-n", "--json").out)
    assert plan["objects_gone"] > 2  # v1's chunk list, its chunks and notes.txt
    assert plan["history"]["needed"] == plan["objects_gone"]
    text = mlgit(repo, "gc", "-r", "store", "--grace", "0", "-f").out
    assert (f"{plan['objects_gone']} of them (" in text
            and "were needed by older commits or other branches; keep them with"
                " 'mlgit gc -r store --all-commits'" in text), text


def test_gc_r_all_commits_deletes_nothing_history_needs(repo: Path, tmp_path: Path) -> None:
    _two_versions(repo, tmp_path)
    result = mlgit(repo, "gc", "-r", "store", "--grace", "0", "--all-commits", "-n", "--json")
    plan = json.loads(result.out)
    assert plan["objects_gone"] == 0 and plan["history"]["needed"] == 0
