"""Adding to a tracked folder whose recorded version (its manifest) is not in the cache, as in
a fresh clone before `mlgit pull`: mlgit cannot tell which recorded files were deleted on
purpose, so it never records the folder as only what happens to be on disk unless told to."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import assert_clean_error, damage_object, git, make_tree, mlgit, write

FILES = {f"f{i}.txt": f"content {i}" for i in range(5)}


def _unpulled_clone(repo: Path) -> Path:
    make_tree(repo / "data", FILES)
    mlgit(repo, "add", "data")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    clone = repo.parent / "clone"
    git(repo.parent, "clone", "-q", str(repo), str(clone))
    return clone


def _pointer(root: Path) -> dict[str, object]:
    rows: list[dict[str, object]] = json.loads(mlgit(root, "ls", "--json").out)
    return rows[0]


def test_the_hint_for_a_part_offers_only_fetching_the_manifest(repo: Path) -> None:
    clone = _unpulled_clone(repo)
    write(clone / "data/x/new.bin", "n")
    result = mlgit(clone, "add", "data/x/new.bin", code=1)
    assert_clean_error(result, "error: data: its directory manifest is not in the cache, so"
                       " part of it cannot be updated", "hint: fetch it with 'mlgit fetch data',"
                       " then add again")
    assert "(or is corrupt)" not in result.err
    assert "mlgit add data" not in result.err


def test_the_error_for_a_part_says_when_the_manifest_is_corrupt(repo: Path) -> None:
    make_tree(repo / "data", FILES)
    mlgit(repo, "add", "data")
    oid = str(_pointer(repo)["oid"])
    damage_object(repo, oid)
    shutil.rmtree(repo / ".mlgit/tmp/manifests", ignore_errors=True)  # no memoised copy
    write(repo / "data/new.bin", "n")
    result = mlgit(repo, "add", "data/new.bin", code=1)
    assert_clean_error(result, "data: its directory manifest is corrupt in the cache",
                       "mlgit fetch data")


def test_adding_the_whole_folder_refuses_to_drop_files_it_cannot_see(repo: Path) -> None:
    clone = _unpulled_clone(repo)
    write(clone / "data/x/new.bin", "n")
    before = (clone / "data.mlgit").read_bytes()
    result = mlgit(clone, "add", "data", code=1)
    assert_clean_error(result, "error: data: the folder's recorded version (5 files) is not in"
                       " the cache, so mlgit cannot tell which files were deleted on purpose",
                       "hint: run 'mlgit pull data' first, or 'mlgit add --force data' to"
                       " record only what is here")
    assert (clone / "data.mlgit").read_bytes() == before
    # --force records what is here
    out = mlgit(clone, "add", "--force", "data")
    assert "updated data (1 file" in out.out
    assert _pointer(clone)["files"] == 1


def test_adding_the_whole_folder_after_a_pull_or_with_as_many_files_is_not_refused(
        repo: Path) -> None:
    clone = _unpulled_clone(repo)
    # a folder re-created with at least as many files: nothing recorded can be missing
    make_tree(clone / "data", {f"g{i}.txt": f"new {i}" for i in range(5)})
    mlgit(clone, "add", "data")
    assert _pointer(clone)["files"] == 5
    # and where the manifest is in the cache, deleting files is an ordinary update
    (repo / "data/f0.txt").unlink()
    mlgit(repo, "add", "data")
    assert _pointer(repo)["files"] == 4


def test_a_fetched_but_never_checked_out_folder_is_not_recorded_as_the_few_files_here(
        repo: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    mlgit(repo, "remote", "add", "origin", str(store))
    clone = _unpulled_clone(repo)
    mlgit(repo, "push")
    mlgit(clone, "fetch", "data")  # the manifest is in the cache; no file is checked out
    write(clone / "data/new.bin", "n")
    before = (clone / "data.mlgit").read_bytes()
    result = mlgit(clone, "add", "data", code=1)
    assert_clean_error(result, "none of the 5 files its pointer records are in the work tree",
                       "'mlgit checkout data' first")
    assert (clone / "data.mlgit").read_bytes() == before
    mlgit(clone, "checkout", "data", code=1)  # the new file is left as is, the 5 restored
    mlgit(clone, "add", "data")
    assert _pointer(clone)["files"] == 6


def test_deleting_some_files_on_purpose_still_adds(repo: Path) -> None:
    make_tree(repo / "data", FILES)
    mlgit(repo, "add", "data")
    for name in list(FILES)[:4]:
        (repo / "data" / name).unlink()
    mlgit(repo, "add", "data")
    assert _pointer(repo)["files"] == 1
