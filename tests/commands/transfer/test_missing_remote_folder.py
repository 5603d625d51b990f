"""A local remote's folder: created by `remote add` (or `remote modify NAME url`); push,
fetch and pull never create it, so a mistyped or missing folder is one clear line."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import assert_clean_error, git, mlgit, write


def test_a_missing_remote_folder_is_reported_not_created(repo: Path, tmp_path: Path) -> None:
    write(repo / "f.bin", b"data")
    mlgit(repo, "add", "f.bin")
    store = tmp_path / "store"
    mlgit(repo, "remote", "add", "origin", str(store))
    assert store.is_dir()  # remote add made it
    mlgit(repo, "push")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    mlgit(clone, "remote", "modify", "origin", "url", str(tmp_path / "stroe"), "--local")
    shutil.rmtree(tmp_path / "stroe")  # as if the folder had never been there
    for command in ("fetch", "pull", "push"):
        result = mlgit(clone, command, code=None)
        assert_clean_error(result, f"remote 'origin' ({tmp_path / 'stroe'}): the folder does"
                           " not exist", "mlgit remote modify origin url PATH",
                           f"mkdir -p {tmp_path / 'stroe'}")
        assert "not on the remote" not in result.err
    assert not (tmp_path / "stroe").exists()
    # The fix the hint gives works.
    mlgit(clone, "remote", "modify", "origin", "url", str(store), "--local")
    mlgit(clone, "pull")
    assert (clone / "f.bin").read_bytes() == b"data"


def test_remote_add_does_not_create_a_folder_in_a_missing_parent(repo: Path,
                                                                 tmp_path: Path) -> None:
    write(repo / "f.bin", b"data")
    mlgit(repo, "add", "f.bin")
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "no" / "such" / "store"))
    assert not (tmp_path / "no").exists()
    assert_clean_error(mlgit(repo, "push", code=None), "the folder does not exist")
    assert not (tmp_path / "no").exists()


def test_a_file_where_the_remote_folder_goes_is_not_given_a_mkdir_hint(repo: Path,
                                                                       tmp_path: Path) -> None:
    write(repo / "f.bin", b"data")
    mlgit(repo, "add", "f.bin")
    store = tmp_path / "store"
    mlgit(repo, "remote", "add", "origin", str(store))
    store.rmdir()
    store.write_bytes(b"not a folder")
    result = mlgit(repo, "push", code=None)
    assert_clean_error(result, f"remote 'origin' ({store}): it is a file, not a folder",
                       "mlgit remote modify origin url PATH", "or move the file away")
    assert "mkdir" not in result.err
    assert store.read_bytes() == b"not a folder"
