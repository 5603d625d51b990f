"""`mlgit add PATH` where PATH is inside a tracked folder: the folder's pointer is updated
with what is on disk at and under PATH; the rest of its manifest stays as recorded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, git, make_tree, mlgit, read_tree, write


def _tracked_data(repo: Path) -> None:
    make_tree(repo / "data", {"a.txt": "a", "sub/x.txt": "x", "sub/deep/y.txt": "y"})
    mlgit(repo, "add", "data")


def _status(repo: Path, *paths: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(mlgit(repo, "status", "--json", *paths,
                                                     code=None).out)
    return rows


def test_add_a_new_file_inside_a_tracked_folder(repo: Path) -> None:
    _tracked_data(repo)
    write(repo / "data" / "new.bin", b"\x00new")
    out = mlgit(repo, "add", "data/new.bin")
    assert out.lines[0].startswith("updated data (4 files,")
    assert "data.mlgit" in out.out  # the git add line
    assert _status(repo)[0]["state"] == "unchanged"
    ptr = (repo / "data.mlgit").read_text()
    assert "files: 4" in ptr
    # it comes back from the cache
    shutil.rmtree(repo / "data")
    mlgit(repo, "checkout")
    assert (repo / "data" / "new.bin").read_bytes() == b"\x00new"


def test_add_an_edited_file_inside_a_tracked_folder(repo: Path) -> None:
    _tracked_data(repo)
    write(repo / "data" / "sub" / "x.txt", "edited x")
    mlgit(repo, "add", "data/sub/x.txt")
    assert _status(repo)[0]["state"] == "unchanged"
    again = mlgit(repo, "add", "data/sub/x.txt")
    assert again.lines[0].startswith("unchanged data")
    write(repo / "data" / "sub" / "x.txt", "not this")
    mlgit(repo, "checkout", "--force")
    assert (repo / "data" / "sub" / "x.txt").read_text() == "edited x"


def test_add_a_subfolder_replaces_only_its_entries(repo: Path) -> None:
    _tracked_data(repo)
    write(repo / "data" / "sub" / "x.txt", "edited x")
    (repo / "data" / "sub" / "deep" / "y.txt").unlink()
    write(repo / "data" / "sub" / "z.txt", "new z")
    write(repo / "data" / "a.txt", "edited a, not added")
    write(repo / "data" / "elsewhere.txt", "new, not added")
    mlgit(repo, "add", "data/sub/")
    row = _status(repo, "data")[0]
    # the rest of the folder keeps its recorded state
    assert row["modified"] == ["a.txt"] and row["added"] == ["elsewhere.txt"]
    assert row["deleted"] == []
    assert _status(repo, "data/sub")[0]["state"] == "unchanged"
    # what was recorded for the rest is what `checkout --force` brings back
    mlgit(repo, "checkout", "--force")
    assert read_tree(repo / "data") == {"a.txt": b"a", "sub/x.txt": b"edited x",
                                        "sub/z.txt": b"new z"}


def test_add_a_deleted_path_inside_a_tracked_folder_removes_it(repo: Path) -> None:
    _tracked_data(repo)
    shutil.rmtree(repo / "data" / "sub")
    out = mlgit(repo, "add", "data/sub")
    assert out.lines[0].startswith("updated data (1 file,")
    assert _status(repo)[0]["state"] == "unchanged"


def test_add_several_parts_and_a_glob_update_one_pointer(repo: Path) -> None:
    _tracked_data(repo)
    write(repo / "data" / "p.csv", "p")
    write(repo / "data" / "q.csv", "q")
    write(repo / "data" / "sub" / "x.txt", "x2")
    out = mlgit(repo, "add", "--json", "data/*.csv", "data/sub/x.txt")
    items = json.loads(out.out)["items"]
    assert [(i["path"], i["status"], i["files"]) for i in items] == [("data", "updated", 5)]
    assert _status(repo)[0]["state"] == "unchanged"


def test_add_a_part_together_with_its_whole_folder(repo: Path) -> None:
    _tracked_data(repo)
    write(repo / "data" / "new.bin", "n")
    write(repo / "data" / "a.txt", "a2")
    items = json.loads(mlgit(repo, "add", "--json", "data/new.bin", "data").out)["items"]
    assert [(i["path"], i["files"]) for i in items] == [("data", 4)]
    assert _status(repo)[0]["state"] == "unchanged"


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_add_inside_a_linked_folder_links_the_new_file(repo: Path, link: str) -> None:
    mlgit(repo, "config", "cache.link", link)
    _tracked_data(repo)
    write(repo / "data" / "new.bin", "n")
    mlgit(repo, "add", "data/new.bin")
    if link == "symlink":
        assert (repo / "data" / "new.bin").is_symlink()
    else:
        assert (repo / "data" / "new.bin").stat().st_nlink == 2
    assert _status(repo)[0]["state"] == "unchanged"


def test_add_inside_a_folder_refusals(repo: Path) -> None:
    _tracked_data(repo)
    before = (repo / "data.mlgit").read_bytes()
    assert_clean_error(mlgit(repo, "add", "data/nothing", code=None),
                       "data/nothing", "no such file or folder in the tracked folder data")
    write(repo / "data" / "x.mlgit", "a pointer-like name")
    assert_clean_error(mlgit(repo, "add", "data/x.mlgit", code=None), "pointer file")
    (repo / "data" / "link").symlink_to("a.txt")
    assert_clean_error(mlgit(repo, "add", "data/link", code=None), "symbolic link")
    # a recorded file where the part needs a folder
    (repo / "data" / "a.txt").unlink()
    write(repo / "data" / "a.txt" / "inner", "i")
    assert_clean_error(mlgit(repo, "add", "data/a.txt/inner", code=None),
                       "data/a.txt is recorded as a file", "add data/a.txt")
    assert (repo / "data.mlgit").read_bytes() == before
    mlgit(repo, "add", "data/a.txt")  # replacing the file by the folder works
    assert _status(repo, "data/a.txt")[0]["kind"] == "dir"


def test_add_inside_a_folder_whose_manifest_is_gone(repo: Path) -> None:
    _tracked_data(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    clone = repo.parent / "clone"
    git(repo.parent, "clone", "-q", str(repo), str(clone))
    write(clone / "data" / "new.bin", "n")
    result = mlgit(clone, "add", "data/new.bin", code=None)
    assert_clean_error(result, "data: its directory manifest is not in the cache",
                       "mlgit fetch data")


def test_a_name_that_is_not_utf8_inside_a_tracked_folder_is_refused(repo: Path) -> None:
    import os

    _tracked_data(repo)
    raw = os.fsencode(str(repo / "data")) + b"/bad\xff.bin"
    with open(raw, "wb") as f:
        f.write(b"x")
    name = os.fsdecode(b"data/bad\xff.bin")
    before = (repo / "data.mlgit").read_bytes()
    for command in ("add", "status", "checkout"):
        assert_clean_error(mlgit(repo, command, name, code=None), "not valid UTF-8")
    assert (repo / "data.mlgit").read_bytes() == before
