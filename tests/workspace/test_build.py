"""workspace/build.py: an artifact in the work tree -> its objects in the cache and the
pointer that names them."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgit.errors import BadPath
from mlgit.hashing import hash_bytes
from mlgit.repo import Repo
from mlgit.storage import manifests
from mlgit.workspace.build import build, build_parts
from tests.conftest import write


def test_a_folder_is_hashed_into_a_manifest(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "a.txt", "alpha")
    write(repo / "data" / "sub" / "b.txt", "bravo!")
    (repo / "data" / "sub" / "b.txt").chmod(0o755)
    with opened.lock():
        ptr, files = build(opened, "data", store=True)
        opened.odb.finish()
    assert (ptr.kind, ptr.path, ptr.size, ptr.files) == ("dir", "data", 11, 2)
    assert files == {"a.txt": (hash_bytes(b"alpha"), 5, False),
                     "sub/b.txt": (hash_bytes(b"bravo!"), 6, True)}
    manifest = opened.manifest(ptr.oid, "data")
    assert list(manifest.entries()) == [manifests.Entry("a.txt", hash_bytes(b"alpha"), 5),
                                        manifests.Entry("sub/b.txt", hash_bytes(b"bravo!"), 6,
                                                        True)]
    assert ptr.oid == manifests.manifest_oid(manifests.dumps(manifest))
    assert opened.odb.missing(fs[0] for fs in files.values()) == set()


def test_the_same_folder_gives_the_same_pointer(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "a.txt", "alpha")
    with opened.lock():
        first, _ = build(opened, "data", store=True)
        again, _ = build(opened, "data", store=True)
        (repo / "data" / "a.txt").write_text("ALPHA")
        changed, _ = build(opened, "data", store=True)
        opened.odb.finish()
    assert again == first
    assert changed.oid != first.oid and changed.size == first.size


def test_a_file_is_hashed_into_a_file_pointer(repo: Path, opened: Repo) -> None:
    write(repo / "models" / "m.bin", b"\x00" * 100)
    with opened.lock():
        ptr, files = build(opened, "models/m.bin", store=True)
        opened.odb.finish()
    assert files is None
    assert (ptr.kind, ptr.path, ptr.oid, ptr.size, ptr.exec) == (
        "file", "m.bin", hash_bytes(b"\x00" * 100), 100, False)
    assert opened.odb.read_verified(ptr.oid) == b"\x00" * 100


def test_an_empty_folder_has_an_empty_manifest(repo: Path, opened: Repo) -> None:
    (repo / "empty").mkdir()
    with opened.lock():
        ptr, files = build(opened, "empty", store=True)
        opened.odb.finish()
    assert (ptr.kind, ptr.size, ptr.files, files) == ("dir", 0, 0, {})


def test_building_removes_leftovers_of_interrupted_commands(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "a.txt", "alpha")
    leftover = write(repo / "data" / ".a.txt.999999999-0.mlgit-tmp", "half")
    with opened.lock():
        _, files = build(opened, "data", store=True)
        opened.odb.finish()
    assert files is not None and list(files) == ["a.txt"]
    assert not leftover.exists()


def test_parts_replace_only_their_entries(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "keep.txt", "keep")
    write(repo / "data" / "sub" / "old.txt", "old")
    with opened.lock():
        ptr, _ = build(opened, "data", store=True)
        (repo / "data" / "keep.txt").write_text("changed, but not named")
        (repo / "data" / "sub" / "old.txt").unlink()
        write(repo / "data" / "sub" / "new.txt", "new")
        updated, read = build_parts(opened, "data", ptr, ["sub"])
        opened.odb.finish()
    assert read == {"sub/new.txt": (hash_bytes(b"new"), 3, False)}
    manifest = opened.manifest(updated.oid, "data")
    assert manifest.oid_by_path() == {"keep.txt": hash_bytes(b"keep"),
                                      "sub/new.txt": hash_bytes(b"new")}
    assert (updated.files, updated.size) == (2, 7)


def test_a_part_below_a_recorded_file_is_refused(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "a", "a file")
    with opened.lock():
        ptr, _ = build(opened, "data", store=True)
        opened.odb.finish()
        (repo / "data" / "a").unlink()
        write(repo / "data" / "a" / "b", "now a folder")
        with pytest.raises(BadPath, match="data/a is recorded as a file, not a folder"):
            build_parts(opened, "data", ptr, ["a/b"])
