"""The want lists (mlgit.workspace.wants): which objects each target needs, in a real
repository with real pointers and folder manifests."""

from __future__ import annotations

from pathlib import Path

from mlgit.repo import Repo
from mlgit.workspace.wants import (
    ManifestUnreadable,
    Wanted,
    manifests_of,
    targets_or_all,
    total_bytes,
    wants_for,
)
from tests.conftest import delete_object, make_tree, mlgit


def _tracked(repo: Path) -> Repo:
    make_tree(repo, {"model.bin": b"weights", "data/a.txt": b"aaa", "data/sub/b.txt": b"bb"})
    mlgit(repo, "add", "model.bin", "data")
    return Repo(str(repo))


def test_every_tracked_artifact_when_no_path_is_given(repo: Path) -> None:
    found, broken = targets_or_all(_tracked(repo), [])
    assert sorted(t.item.rel for t in found) == ["data", "model.bin"] and broken == []


def test_a_file_needs_its_object_and_a_folder_its_manifest_and_files(repo: Path) -> None:
    opened = _tracked(repo)
    found = {t.item.rel: t for t in targets_or_all(opened, [])[0]}
    file_wants = wants_for(opened, found["model.bin"])
    assert isinstance(file_wants, list)
    assert [(w.size, w.path) for w in file_wants] == [(7, "model.bin")]
    folder = found["data"]
    found_wants = wants_for(opened, folder)
    assert not isinstance(found_wants, ManifestUnreadable)
    wants = list(found_wants)  # made one at a time off the compact manifest
    assert [w.path for w in wants] == ["data (folder manifest)", "data/a.txt", "data/sub/b.txt"]
    assert wants[0] == manifests_of([folder])[0] == Wanted(folder.item.ptr.oid, -1,
                                                           "data (folder manifest)")
    assert total_bytes(wants) == 5  # the manifest's size is unknown
    without = wants_for(opened, folder, manifest=False)
    assert not isinstance(without, ManifestUnreadable) and list(without) == wants[1:]


def test_a_part_of_a_folder_needs_just_that_part(repo: Path) -> None:
    opened = _tracked(repo)
    [part], _ = targets_or_all(opened, [str(repo / "data" / "sub")])
    wants = wants_for(opened, part, manifest=False)
    assert not isinstance(wants, ManifestUnreadable)
    assert [w.path for w in wants] == ["data/sub/b.txt"]


def test_a_folder_whose_manifest_is_not_in_the_cache(repo: Path) -> None:
    opened = _tracked(repo)
    folder = next(t for t in targets_or_all(opened, [])[0] if t.item.rel == "data")
    delete_object(repo, folder.item.ptr.oid)
    # and its memo, which add wrote (as in a clone that never had the manifest)
    (repo / ".mlgit" / "tmp" / "manifests" / folder.item.ptr.oid).unlink(missing_ok=True)
    assert wants_for(opened, folder) == ManifestUnreadable(
        "data (folder manifest)", folder.item.ptr.oid, set_aside=False)
