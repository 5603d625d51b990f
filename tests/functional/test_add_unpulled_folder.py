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
