"""Objects into the workspace by reflink, hardlink, symlink or copy, with the fallback a
filesystem forces (this machine: ext4 and tmpfs, neither of which can reflink)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from mlgit.fileio import is_temp_name
from mlgit.hashing import EMPTY_OID
from mlgit.storage import packs
from mlgit.storage.objects import CorruptObject, LocalODB
from mlgit.workspace.linker import Linker, copy_verified, probe_link_type
from tests.mounts import small_disk  # noqa: F401  (a fixture)

SMALL = b"small content"
LARGE = b"L" * (packs.MAX_PACKED + 1)


def _store(root: Path, pack_small: bool = True) -> tuple[LocalODB, str, str]:
    """(store, a small oid, a large oid), both in the store."""
    odb = LocalODB(str(root), pack_small=pack_small)
    small = odb.put_bytes(SMALL, pack=True)
    large = odb.put_bytes(LARGE)
    odb.finish()
    return odb, small, large


def _reflinks(folder: Path) -> bool:
    from mlgit.fileio import try_reflink_fd

    (folder / "a").write_bytes(b"x")
    with open(folder / "a", "rb") as src, open(folder / "b", "wb") as dst:
        return try_reflink_fd(src.fileno(), dst.fileno())


@pytest.mark.parametrize("pack_small", [True, False])
def test_copy_writes_verified_independent_files(tmp_path: Path, pack_small: bool) -> None:
    odb, small, large = _store(tmp_path / "cache", pack_small)
    linker = Linker(odb, ["copy"])
    for oid, data in ((small, SMALL), (large, LARGE), (EMPTY_OID, b"")):
        dest = tmp_path / f"w-{oid}"
        st = linker.place(oid, str(dest), executable=oid == small)
        assert dest.read_bytes() == data and not dest.is_symlink()
        assert st.st_nlink == 1 and os.stat(dest).st_ino == st.st_ino
        assert bool(st.st_mode & stat.S_IXUSR) == (oid == small)
    assert not [p for p in tmp_path.iterdir() if is_temp_name(p.name)]


def test_hardlink_links_the_store_file_and_unpacks_a_packed_object(tmp_path: Path) -> None:
    odb, small, large = _store(tmp_path / "cache")
    linker = Linker(odb, ["hardlink", "copy"])
    for oid, data in ((small, SMALL), (large, LARGE)):
        dest = tmp_path / f"w-{oid}"
        linker.place(oid, str(dest))
        assert dest.read_bytes() == data
        assert odb.holds(str(dest), oid) and os.stat(dest).st_nlink == 2


def test_symlink_points_into_the_store(tmp_path: Path) -> None:
    odb, small, _ = _store(tmp_path / "cache")
    dest = tmp_path / "w"
    Linker(odb, ["symlink"]).place(small, str(dest))
    assert dest.is_symlink() and os.path.isabs(os.readlink(dest))
    assert dest.read_bytes() == SMALL and odb.holds(str(dest), small)


def test_empty_content_is_never_linked(tmp_path: Path) -> None:
    odb, _, _ = _store(tmp_path / "cache")
    dest = tmp_path / "empty"
    Linker(odb, ["hardlink"]).place(EMPTY_OID, str(dest))
    assert dest.read_bytes() == b"" and not dest.is_symlink() and os.stat(dest).st_nlink == 1


def test_reflink_falls_back_to_copy_where_the_filesystem_cannot(tmp_path: Path) -> None:
    if _reflinks(tmp_path):
        pytest.skip("this filesystem can reflink")
    odb, small, large = _store(tmp_path / "cache")
    linker = Linker(odb, ["reflink", "copy"])
    for oid, data in ((small, SMALL), (large, LARGE)):
        dest = tmp_path / f"w-{oid}"
        linker.place(oid, str(dest))
        assert dest.read_bytes() == data and not odb.holds(str(dest), oid)
    assert probe_link_type(odb, ["reflink", "copy"], str(tmp_path / "probe")) == "copy"
    assert [p.name for p in (tmp_path / "cache" / "tmp").iterdir()] == []  # probe removed


def test_hardlink_to_another_filesystem_falls_back_to_copy(
        tmp_path: Path, small_disk: Callable[[str], Path]) -> None:  # noqa: F811
    odb, small, large = _store(tmp_path / "cache", pack_small=False)
    other = small_disk("8m")
    linker = Linker(odb, ["hardlink", "copy"])
    for oid, data in ((small, SMALL), (large, LARGE)):
        dest = other / f"w-{oid}"
        linker.place(oid, str(dest))
        assert dest.read_bytes() == data and os.stat(dest).st_nlink == 1
    said = probe_link_type(odb, ["hardlink", "copy"], str(other / "probe"))
    assert said == "copy (hardlink not possible: the cache is on another file system)"


def test_place_replaces_a_file_and_an_empty_folder_tree(tmp_path: Path) -> None:
    odb, small, _ = _store(tmp_path / "cache")
    linker = Linker(odb, ["copy"])
    (tmp_path / "f").write_bytes(b"old")
    linker.place(small, str(tmp_path / "f"))
    (tmp_path / "d" / "e").mkdir(parents=True)
    linker.place(small, str(tmp_path / "d"))
    assert (tmp_path / "f").read_bytes() == SMALL == (tmp_path / "d").read_bytes()


@pytest.mark.parametrize("kinds", [["copy"], ["hardlink"], ["symlink"]])
def test_a_corrupt_object_never_reaches_the_workspace(tmp_path: Path, kinds: list[str]) -> None:
    odb, _, large = _store(tmp_path / "cache")
    os.chmod(odb.path(large), 0o644)
    with open(odb.path(large), "r+b") as f:
        f.write(b"X")
    dest = tmp_path / "w"
    with pytest.raises(CorruptObject):
        Linker(odb, kinds).place(large, str(dest))
    assert list(tmp_path.iterdir()) == [tmp_path / "cache"]  # no file, no temp file
    assert not odb.has(large)  # set aside


def test_copy_verified_removes_its_file_when_the_object_is_corrupt(tmp_path: Path) -> None:
    odb, _, large = _store(tmp_path / "cache")
    os.chmod(odb.path(large), 0o644)
    with open(odb.path(large), "r+b") as f:
        f.seek(len(LARGE) - 1)
        f.write(b"X")
    with pytest.raises(CorruptObject):
        copy_verified(odb, large, str(tmp_path / "w"), executable=False)
    assert not (tmp_path / "w").exists()

