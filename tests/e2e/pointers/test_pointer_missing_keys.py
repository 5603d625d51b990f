"""A pointer file that is empty, or lacks a key it needs, says so in plain words."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import git, mlgit, write


@pytest.fixture
def tracked(repo: Path) -> Path:
    write(repo / "big.bin", b"data")
    write(repo / "folder" / "a.txt", b"a")
    mlgit(repo, "add", "big.bin", "folder")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "track")
    return repo


def _status_error(repo: Path, artifact: str) -> str:
    result = mlgit(repo, "status", artifact, code=1)
    return result.out + result.err


@pytest.mark.parametrize("content", [b"", b"\n", b"  \n\n", b"\t\r\n"])
def test_empty_pointer(tracked: Path, content: bytes) -> None:
    (tracked / "big.bin.mlgit").write_bytes(content)
    shown = _status_error(tracked, "big.bin")
    assert "big.bin.mlgit: the pointer file is empty" in shown, shown
    assert "got None" not in shown
    assert "git checkout -- big.bin.mlgit" in shown
    assert (tracked / "big.bin").read_bytes() == b"data"


def test_pointer_with_only_comments(tracked: Path) -> None:
    (tracked / "big.bin.mlgit").write_text("# mlgit pointer\n# nothing else\n")
    shown = _status_error(tracked, "big.bin")
    assert "big.bin.mlgit: the pointer file is empty" in shown, shown


@pytest.mark.parametrize("key", ["version", "kind", "hash", "oid", "size", "path"])
def test_file_pointer_without_a_key(tracked: Path, key: str) -> None:
    pointer = tracked / "big.bin.mlgit"
    lines = pointer.read_text().splitlines(keepends=True)
    pointer.write_text("".join(ln for ln in lines if not ln.startswith(f"{key}:")))
    shown = _status_error(tracked, "big.bin")
    assert f"big.bin.mlgit: '{key}' is missing" in shown, shown
    assert "None" not in shown


@pytest.mark.parametrize("key", ["files", "size", "oid"])
def test_folder_pointer_without_a_key(tracked: Path, key: str) -> None:
    pointer = tracked / "folder.mlgit"
    lines = pointer.read_text().splitlines(keepends=True)
    pointer.write_text("".join(ln for ln in lines if not ln.startswith(f"{key}:")))
    shown = _status_error(tracked, "folder")
    assert f"folder.mlgit: '{key}' is missing" in shown, shown


def test_yaml_null_value_still_names_the_type(tracked: Path) -> None:
    """A key that is there but empty is not 'missing': it has the wrong value."""
    pointer = tracked / "big.bin.mlgit"
    text = pointer.read_text()
    pointer.write_text("\n".join("size:" if ln.startswith("size:") else ln
                                 for ln in text.splitlines()) + "\n")
    shown = _status_error(tracked, "big.bin")
    assert "big.bin.mlgit: 'size' must be an integer, got None" in shown, shown
