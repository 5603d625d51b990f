"""Link types: hardlink and symlink workspaces, fallback, and unprotect."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import make_tree, mlgit, read_tree, write

FILES = {"a.txt": "alpha", "sub/b.txt": "beta", "sub/c.txt": "alpha"}


@pytest.mark.parametrize("link", ["hardlink", "symlink"])
def test_linked_workspace_round_trip(repo: Path, link: str) -> None:
    mlgit(repo, "config", "cache.link", f"{link},copy")
    make_tree(repo / "data", FILES)
    mlgit(repo, "add", "data")
    a = repo / "data" / "a.txt"
    if link == "symlink":
        assert a.is_symlink()
    else:
        assert a.stat().st_nlink >= 2
    assert (a.stat().st_mode & 0o222) == 0  # protected: read-only
    assert mlgit(repo, "status", "-q").code == 0
    shutil.rmtree(repo / "data")
    mlgit(repo, "checkout")
    assert read_tree(repo / "data") == {k: v.encode() for k, v in FILES.items()}
    assert mlgit(repo, "status", "-q").code == 0
    assert f"cache link type              {link}" in mlgit(repo, "version").out


@pytest.mark.parametrize("link", ["hardlink", "symlink"])
def test_unprotect_makes_private_editable_copies(repo: Path, link: str) -> None:
    mlgit(repo, "config", "cache.link", link)
    make_tree(repo / "data", FILES)
    write(repo / "m.bin", b"model")
    mlgit(repo, "add", "data", "m.bin")
    out = mlgit(repo, "unprotect", "data", "m.bin").out
    assert "made 4 file(s) editable" in out
    a = repo / "data" / "a.txt"
    assert not a.is_symlink() and a.stat().st_nlink == 1 and os.access(a, os.W_OK)
    a.write_text("edited in place")
    # the cache copy is untouched: the other file with the same content still checks out
    shutil.rmtree(repo / "data" / "sub")
    mlgit(repo, "checkout", "data", code=1)  # a.txt is a conflict: changed, not cached
    assert (repo / "data" / "sub" / "c.txt").read_text() == "alpha"
    assert a.read_text() == "edited in place"
    status = mlgit(repo, "status").out
    assert "modified: a.txt" in status


def test_copy_workspace_is_writable_and_independent(repo: Path) -> None:
    write(repo / "m.bin", b"model")
    mlgit(repo, "add", "m.bin")
    (repo / "m.bin").unlink()
    mlgit(repo, "checkout")
    p = repo / "m.bin"
    assert p.stat().st_nlink == 1 and not p.is_symlink()
    assert os.access(p, os.W_OK)
    p.write_bytes(b"changed")
    assert "m.bin: modified" in mlgit(repo, "status").out


def test_link_type_falls_back_to_copy(repo: Path) -> None:
    # reflink is not available on most test filesystems; the default falls back to copy
    write(repo / "m.bin", b"model")
    mlgit(repo, "add", "m.bin")
    (repo / "m.bin").unlink()
    mlgit(repo, "checkout")
    assert (repo / "m.bin").read_bytes() == b"model"
    version = mlgit(repo, "version", "--json").out
    assert '"cache link types configured": "reflink,copy"' in version


@pytest.mark.parametrize("link", ["hardlink", "symlink"])
def test_unprotect_restores_the_recorded_executable_bit(repo: Path, link: str) -> None:
    script = write(repo / "tools" / "run.sh", "#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    write(repo / "tools" / "data.txt", "plain")
    mlgit(repo, "add", "tools")  # recorded while still a plain copy: exec is true
    mlgit(repo, "config", "cache.link", link)
    shutil.rmtree(repo / "tools")
    mlgit(repo, "checkout")
    mlgit(repo, "unprotect", "tools")
    assert os.stat(repo / "tools" / "run.sh").st_mode & 0o100
    assert not os.stat(repo / "tools" / "data.txt").st_mode & 0o100
