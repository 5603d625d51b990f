"""cache.link hardlink: a workspace file is its cache object, so an in-place edit (root ignores
the read-only bit) changes the cache object too. status calls that damaged, not modified; push
never uploads the damaged object; setting the link type warns about it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from mlgit.hashing import hash_bytes
from mlgit.storage.packs import parse_index
from tests.conftest import make_tree, mlgit


def _edit_in_place(path: Path, extra: bytes) -> None:
    """Append to the file itself (same inode), as root or an editor saving in place would."""
    if not os.access(path, os.W_OK):  # not root: the read-only bit is all that stops it
        path.chmod(0o644)
    with open(path, "ab") as f:
        f.write(extra)


def _hardlinked(repo: Path) -> None:
    mlgit(repo, "config", "cache.link", "hardlink")
    make_tree(repo, {"model.bin": b"weights v1\n", "data/a.txt": b"alpha\n",
                     "data/b.txt": b"beta\n"})
    mlgit(repo, "add", "model.bin", "data")
    assert (repo / "model.bin").stat().st_nlink == 2


def test_setting_hardlink_warns_about_in_place_edits(repo: Path) -> None:
    result = mlgit(repo, "config", "cache.link", "hardlink,copy")
    assert result.out == "hardlink,copy\n"
    assert result.err.startswith("warning: with cache.link hardlink")
    assert "damages the cache" in result.err and "mlgit unprotect" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert mlgit(repo, "config", "cache.link", "reflink,copy").err == ""
    assert mlgit(repo, "config", "cache.link").err == ""  # reading says nothing


def test_status_reports_an_in_place_edit_as_damaged(repo: Path) -> None:
    _hardlinked(repo)
    _edit_in_place(repo / "model.bin", b"edited\n")
    _edit_in_place(repo / "data" / "a.txt", b"edited\n")
    result = mlgit(repo, "status", code=1)
    assert "model.bin: damaged" in result.out
    assert "data: damaged" in result.out and "    damaged: a.txt" in result.out
    assert "modified" not in result.out
    assert result.err.count("hint: ") == 1 and "mlgit unprotect" in result.err
    assert mlgit(repo, "status", "-q", code=1).out == ""
    entries = {e["path"]: e for e in json.loads(mlgit(repo, "status", "--json", code=1).out)}
    assert entries["model.bin"]["state"] == "damaged"
    assert entries["data"]["damaged"] == ["a.txt"] and entries["data"]["modified"] == []


def test_an_unprotected_edit_is_only_modified(repo: Path) -> None:
    _hardlinked(repo)
    mlgit(repo, "unprotect", "model.bin")
    _edit_in_place(repo / "model.bin", b"edited\n")
    result = mlgit(repo, "status")
    assert "model.bin: modified" in result.out and "damaged" not in result.out


def test_an_edited_copy_is_only_modified(repo: Path) -> None:
    mlgit(repo, "config", "cache.link", "copy")
    make_tree(repo, {"model.bin": b"weights v1\n"})
    mlgit(repo, "add", "model.bin")
    _edit_in_place(repo / "model.bin", b"edited\n")
    assert "model.bin: modified" in mlgit(repo, "status").out


def test_push_never_uploads_the_damaged_object(repo: Path, tmp_path: Path) -> None:
    _hardlinked(repo)
    remote = tmp_path / "remote"
    mlgit(repo, "remote", "add", "origin", str(remote), "--default")
    _edit_in_place(repo / "model.bin", b"edited\n")
    damaged_oid = hash_bytes(b"weights v1\n")
    result = mlgit(repo, "push", code=1)
    assert "1 failed" in result.out
    assert "error: model.bin:" in result.err and "corrupt" in result.err
    assert not (remote / damaged_oid[:2] / damaged_oid[2:]).exists()
    listed = set()
    for idx in remote.rglob("*.idx"):
        records = parse_index(idx.read_bytes())
        assert records is not None
        listed.update(oid for oid, _, _ in records)
    assert damaged_oid not in listed
    assert hash_bytes(b"alpha\n") in listed or (remote / hash_bytes(b"alpha\n")[:2]).exists()


def test_status_of_a_part_of_a_folder_reports_damage(repo: Path) -> None:
    _hardlinked(repo)
    _edit_in_place(repo / "data" / "a.txt", b"edited\n")
    assert "data/a.txt: damaged" in mlgit(repo, "status", "data/a.txt", code=1).out
    assert "data/b.txt: unchanged" in mlgit(repo, "status", "data/b.txt").out


def test_checkout_leaves_a_damaged_file_and_says_why(repo: Path) -> None:
    _hardlinked(repo)
    _edit_in_place(repo / "model.bin", b"edited\n")
    result = mlgit(repo, "checkout", code=1)
    assert "error: model.bin: damaged: edited in place through a link into the cache" in result.err
    assert "changed in the workspace and not in the cache" not in result.err
    assert "mlgit unprotect" in result.err
    forced = mlgit(repo, "checkout", "--force", code=1)
    assert "corrupt" in forced.err  # the damaged object is never placed
    assert (repo / "model.bin").read_bytes() == b"weights v1\nedited\n"


def test_the_hint_gets_the_original_back_from_a_remote(repo: Path, tmp_path: Path) -> None:
    _hardlinked(repo)
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"), "--default")
    mlgit(repo, "push")
    _edit_in_place(repo / "model.bin", b"edited\n")
    status = mlgit(repo, "status", code=1)
    assert "'mlgit fsck --repair' then 'mlgit pull --force PATH'" in status.err
    mlgit(repo, "fsck", "--repair", code=None)
    mlgit(repo, "fetch")
    mlgit(repo, "checkout", "--force", "model.bin")
    assert (repo / "model.bin").read_bytes() == b"weights v1\n"
    assert "model.bin: unchanged" in mlgit(repo, "status").out
