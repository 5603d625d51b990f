"""workspace/checkout.py: making the work tree match a pointer from the objects in the
cache, without ever destroying data the cache does not hold."""

from __future__ import annotations

import os
from pathlib import Path

from mlgit.pointer import Pointer
from mlgit.repo import Repo
from mlgit.workspace.build import build
from mlgit.workspace.checkout import checkout_artifact
from mlgit.workspace.checkout_result import CORRUPT, NOT_IN_CACHE, CheckoutResult
from mlgit.workspace.damage import quarantine_folder
from mlgit.workspace.linker import Linker
from tests.conftest import damage_object, delete_object, read_tree, write


def stored(opened: Repo, rel: str) -> Pointer:
    """Store the artifact at `rel` as it is now; returns its pointer."""
    with opened.lock():
        ptr, _ = build(opened, rel, store=True)
        opened.odb.finish()
    return ptr


def checkout(opened: Repo, rel: str, ptr: Pointer, *, force: bool = False,
             only: str = "") -> CheckoutResult:
    linker = Linker(opened.odb, opened.config.get("cache.link"))
    with opened.lock():
        result = checkout_artifact(opened, rel, ptr, linker, force=force, only=only)
    opened.state.flush()
    return result


def test_a_deleted_file_is_restored(repo: Path, opened: Repo) -> None:
    f = write(repo / "model.bin", b"weights")
    f.chmod(0o755)
    ptr = stored(opened, "model.bin")
    f.unlink()
    result = checkout(opened, "model.bin", ptr)
    assert result.ok and result.restored == ["model.bin"]
    assert f.read_bytes() == b"weights" and os.access(f, os.X_OK)


def test_a_folder_is_restored_whole(repo: Path, opened: Repo) -> None:
    tree = {"a.txt": b"alpha", "sub/deeper/b.txt": b"bravo", "sub/c.txt": b"charlie"}
    for rel, data in tree.items():
        write(repo / "data" / rel, data)
    ptr = stored(opened, "data")
    for rel in tree:
        (repo / "data" / rel).unlink()
    os.removedirs(repo / "data" / "sub" / "deeper")
    result = checkout(opened, "data", ptr)
    assert result.ok and sorted(result.restored) == sorted(f"data/{p}" for p in tree)
    assert read_tree(repo / "data") == tree
    assert [n for n in os.listdir(opened.tmp_dir) if n.startswith("checkout-")] == []


def test_unchanged_files_are_left_alone(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "a.txt", "alpha")
    write(repo / "data" / "b.txt", "bravo")
    ptr = stored(opened, "data")
    (repo / "data" / "b.txt").unlink()
    inode = (repo / "data" / "a.txt").stat().st_ino
    result = checkout(opened, "data", ptr)
    assert (result.restored, result.unchanged) == (["data/b.txt"], 1)
    assert (repo / "data" / "a.txt").stat().st_ino == inode


def test_only_a_part_of_a_folder(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "a.txt", "alpha")
    write(repo / "data" / "sub" / "b.txt", "bravo")
    ptr = stored(opened, "data")
    (repo / "data" / "a.txt").unlink()
    (repo / "data" / "sub" / "b.txt").unlink()
    result = checkout(opened, "data", ptr, only="sub")
    assert result.restored == ["data/sub/b.txt"]
    assert not (repo / "data" / "a.txt").exists()


def test_a_file_of_the_users_in_the_way_is_kept(repo: Path, opened: Repo) -> None:
    f = write(repo / "data" / "a.txt", "alpha")
    ptr = stored(opened, "data")
    f.write_text("the user's own edit, not in the cache")
    result = checkout(opened, "data", ptr)
    assert not result.ok and result.conflicts == ["data/a.txt"]
    assert f.read_text() == "the user's own edit, not in the cache"


def test_force_replaces_the_file_in_the_way(repo: Path, opened: Repo) -> None:
    f = write(repo / "data" / "a.txt", "alpha")
    ptr = stored(opened, "data")
    f.write_text("edited")
    result = checkout(opened, "data", ptr, force=True)
    assert result.ok and result.restored == ["data/a.txt"]
    assert f.read_text() == "alpha"


def test_a_file_where_the_folder_must_be_is_kept(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "sub" / "b.txt", "bravo")
    ptr = stored(opened, "data")
    (repo / "data" / "sub" / "b.txt").unlink()
    (repo / "data" / "sub").rmdir()
    blocker = write(repo / "data" / "sub", "a file of the user's")
    result = checkout(opened, "data", ptr)
    assert result.failed == [("data/sub", "a file stands where the tracked folder must be;"
                                          " left as is")]
    assert blocker.read_text() == "a file of the user's"


def test_an_extra_file_is_removed_only_when_the_cache_has_it(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "a.txt", "alpha")
    ptr = stored(opened, "data")
    cached = write(repo / "data" / "copy.txt", "alpha")  # same content: in the cache
    mine = write(repo / "data" / "mine.txt", "only here")
    result = checkout(opened, "data", ptr)
    assert result.removed == ["data/copy.txt"] and result.conflicts == ["data/mine.txt"]
    assert not cached.exists() and mine.read_text() == "only here"


def test_a_damaged_object_is_refused_and_set_aside(repo: Path, opened: Repo) -> None:
    f = write(repo / "model.bin", b"weights")
    ptr = stored(opened, "model.bin")
    f.unlink()
    opened.odb.close()
    damage_object(repo, ptr.oid)
    result = checkout(opened, "model.bin", ptr)
    assert result.restored == []
    assert len(result.failed) == 1 and CORRUPT in result.failed[0][1]
    assert not f.exists()
    assert os.listdir(repo / quarantine_folder(opened))  # kept, not deleted


def test_a_missing_object_is_reported(repo: Path, opened: Repo) -> None:
    f = write(repo / "model.bin", b"weights")
    ptr = stored(opened, "model.bin")
    f.unlink()
    delete_object(repo, ptr.oid)
    result = checkout(opened, "model.bin", ptr)
    assert result.failed == [("model.bin", NOT_IN_CACHE)] and not f.exists()


def test_leftovers_in_the_artifact_are_removed(repo: Path, opened: Repo) -> None:
    write(repo / "data" / "a.txt", "alpha")
    ptr = stored(opened, "data")
    leftover = write(repo / "data" / ".a.txt.999999999-0.mlgit-tmp", "half")
    result = checkout(opened, "data", ptr)
    assert result.ok and result.removed == [] and not leftover.exists()
