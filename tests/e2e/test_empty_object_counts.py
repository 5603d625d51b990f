"""The empty object is implicit in every store (docs/formats.md): fsck counts it as present,
and push/fetch/pull count it neither as transferred nor as already there."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import git, make_tree, mlgit

FILES = {"empty.bin": b"", "pkg/__init__.py": b"", "pkg/core.py": b"print('hi')\n",
         "model.bin": b"weights\n"}


def _pushed(repo: Path, remote: Path) -> str:
    make_tree(repo, FILES)
    mlgit(repo, "add", "empty.bin", "pkg", "model.bin")
    mlgit(repo, "remote", "add", "o", str(remote), "--default")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "data")
    return mlgit(repo, "push").out


def _counts(out: str) -> tuple[int, int]:
    match = re.search(r"(?:pushed|fetched) (\d+) objects? .*; (\d+) already", out)
    assert match is not None, out
    return int(match.group(1)), int(match.group(2))


def test_fsck_counts_the_empty_object_as_present(repo: Path, tmp_path: Path) -> None:
    _pushed(repo, tmp_path / "remote")
    mlgit(repo, "fetch")
    result = mlgit(repo, "fsck")
    assert "not in .mlgit/cache" not in result.out + result.err, result
    assert "mlgit fetch" not in result.err
    remote = mlgit(repo, "fsck", "-r", "o")
    assert "not in" not in remote.out + remote.err, remote


def test_the_empty_object_is_never_counted_as_already_there(repo: Path,
                                                            tmp_path: Path) -> None:
    out = _pushed(repo, tmp_path / "remote")
    # model.bin, pkg/core.py and pkg's manifest: the empty content is not an object to send
    assert _counts(out) == (3, 0), out
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    fetched = mlgit(clone, "pull").out
    assert _counts(fetched) == (3, 0), fetched
    assert (clone / "empty.bin").read_bytes() == b""
    again = mlgit(clone, "fetch").out
    assert _counts(again) == (0, 3), again
