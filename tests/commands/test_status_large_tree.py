"""A tracked folder large enough for status to scan it on two CPUs: the results must be the
same as a single scan's, down to every changed file on both halves."""

from __future__ import annotations

import json
import os
from pathlib import Path

from mlgit.workspace.scan_workers import MIN_FILES
from tests.conftest import mlgit, read_tree, write


def _big_tree(root: Path, folders: int = 8) -> None:
    per_folder = MIN_FILES // folders + 20
    for d in range(folders):
        folder = root / f"part{d}"
        folder.mkdir(parents=True)
        for i in range(per_folder):
            (folder / f"f{i}.txt").write_bytes(b"%d-%d" % (d, i))
    for dirpath, _, names in os.walk(root):
        for name in names:
            os.utime(Path(dirpath) / name, (1_600_000_000, 1_600_000_000))


def test_status_of_a_large_tree_sees_changes_in_every_part(repo: Path) -> None:
    _big_tree(repo / "data")
    mlgit(repo, "add", "data")
    mlgit(repo, "status")  # records every file as verified
    assert mlgit(repo, "status", "-q").code == 0
    write(repo / "data" / "part0" / "f1.txt", "changed in the first half")
    write(repo / "data" / "part1" / "f2.txt", "changed in the second half")
    (repo / "data" / "part3" / "f3.txt").unlink()
    write(repo / "data" / "part6" / "new.txt", "added")
    write(repo / "data" / "top.txt", "a file at the top")
    result = json.loads(mlgit(repo, "status", "--json").out)[0]
    assert result["modified"] == ["part0/f1.txt", "part1/f2.txt"]
    assert result["deleted"] == ["part3/f3.txt"]
    assert result["added"] == ["part6/new.txt", "top.txt"]
    # a nested .git in either half is still refused, with a clear error
    write(repo / "data" / "part5" / ".git" / "HEAD", "ref")
    broken = mlgit(repo, "status", code=1)
    assert "part5/.git" in broken.err


def test_checkout_of_a_large_tree_restores_everything(repo: Path) -> None:
    _big_tree(repo / "data", folders=4)
    expected = read_tree(repo / "data")
    mlgit(repo, "add", "data")
    import shutil

    shutil.rmtree(repo / "data")
    mlgit(repo, "checkout")
    assert read_tree(repo / "data") == expected
    assert mlgit(repo, "status", "-q").code == 0
