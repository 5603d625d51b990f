"""workspace/damage.py: damage that must not pass for an ordinary change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlgit.pointer import Pointer
from mlgit.storage import manifests
from mlgit.storage.objects import LocalODB
from mlgit.workspace.damage import DAMAGED_POINTER, edited_through_link, pointer_size_error


@pytest.fixture
def odb(tmp_path: Path) -> LocalODB:
    return LocalODB(str(tmp_path / "cache"), pack_small=False)


def test_a_file_pointer_that_states_the_wrong_size_is_damaged(odb: LocalODB) -> None:
    oid = odb.put_bytes(b"twelve bytes")
    right = Pointer("file", "m.bin", oid, 12)
    wrong = Pointer("file", "m.bin", oid, 99)
    assert pointer_size_error(odb, "m.bin.mlgit", "m.bin", right) is None
    error = pointer_size_error(odb, "m.bin.mlgit", "m.bin", wrong)
    assert error is not None and f"m.bin.mlgit: {DAMAGED_POINTER}" in error.message
    assert "says 99 bytes but its content" in error.message


def test_a_damaged_object_does_not_blame_the_pointer(odb: LocalODB) -> None:
    oid = odb.put_bytes(b"twelve bytes")
    os.chmod(odb.path(oid), 0o644)
    Path(odb.path(oid)).write_bytes(b"cut")
    assert pointer_size_error(odb, "m.bin.mlgit", "m.bin", Pointer("file", "m.bin", oid, 12)) \
        is None


def test_without_the_object_the_workspace_size_is_the_judge(odb: LocalODB) -> None:
    ptr = Pointer("file", "m.bin", "ab" * 16, 5)
    assert pointer_size_error(odb, "m.bin.mlgit", "m.bin", ptr) is None  # nothing known
    assert pointer_size_error(odb, "m.bin.mlgit", "m.bin", ptr, workspace_size=5) is None
    assert pointer_size_error(odb, "m.bin.mlgit", "m.bin", ptr, workspace_size=6) is not None


def test_a_folder_pointer_is_checked_against_its_manifest() -> None:
    manifest = manifests.Manifest.from_entries([manifests.Entry("a", "0" * 32, 3),
                                                manifests.Entry("b", "1" * 32, 4)])
    odb = LocalODB("/nonexistent")
    good = Pointer("dir", "data", "2" * 32, 7, files=2)
    assert pointer_size_error(odb, "data.mlgit", "data", good, manifest) is None
    for bad in (Pointer("dir", "data", "2" * 32, 8, files=2),
                Pointer("dir", "data", "2" * 32, 7, files=3)):
        error = pointer_size_error(odb, "data.mlgit", "data", bad, manifest)
        assert error is not None and "its manifest 222222222222 lists 2 files, 7 bytes" \
            in error.message


def test_a_hard_link_to_its_object_edited_in_place(odb: LocalODB, tmp_path: Path) -> None:
    oid = odb.put_bytes(b"original")
    linked = tmp_path / "linked.bin"
    os.link(odb.path(oid), linked)
    copied = tmp_path / "copied.bin"
    copied.write_bytes(b"original")
    assert edited_through_link(odb, str(linked), oid)
    assert not edited_through_link(odb, str(copied), oid)
    assert not edited_through_link(odb, str(tmp_path / "gone.bin"), oid)
