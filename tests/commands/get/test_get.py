"""mlgit get REV PATH -o OUT: one artifact as a revision has it, written anywhere, the
workspace untouched; what the cache lacks comes from the remote."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mlgit.hashing import hash_bytes
from tests.commands.helpers import two_versions
from tests.conftest import (
    assert_clean_error,
    commit_tagged,
    damage_object,
    git,
    mlgit,
    read_tree,
    write,
)


@pytest.fixture
def versions(repo: Path, tmp_path: Path) -> Path:
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "store"))
    return two_versions(repo)


def test_an_old_file_anywhere(versions: Path, tmp_path: Path) -> None:
    before = read_tree(versions / "data")
    result = mlgit(versions, "get", "v1", "model.bin", "-o", str(tmp_path / "old.bin"))
    assert (tmp_path / "old.bin").read_text() == "m1"
    assert "model.bin as of v1" in result.out
    assert (versions / "model.bin").read_text() == "m2"
    assert read_tree(versions / "data") == before
    assert git(versions, "status", "--porcelain") == ""


def test_a_folder_and_a_part_of_one(versions: Path, tmp_path: Path) -> None:
    mlgit(versions, "get", "v1", "data", "-o", str(tmp_path / "d"))
    assert read_tree(tmp_path / "d") == {"a.txt": b"a1", "sub/b.txt": b"b1"}
    mlgit(versions, "get", "v1", "data/a.txt", "-o", str(tmp_path / "a"))
    assert (tmp_path / "a").read_text() == "a1"
    (tmp_path / "into").mkdir()
    mlgit(versions, "get", "v1", "data/sub", "-o", str(tmp_path / "into"))
    assert read_tree(tmp_path / "into") == {"sub/b.txt": b"b1"}


def test_fetched_from_the_remote(versions: Path, tmp_path: Path) -> None:
    mlgit(versions, "push", "--all-commits")
    shutil.rmtree(versions / ".mlgit" / "cache")
    got = json.loads(mlgit(versions, "get", "v1", "data", "-o", str(tmp_path / "d"),
                           "--json").out)
    assert got["fetched"] == 3 and got["remote"] == "origin" and got["files"] == 2
    assert read_tree(tmp_path / "d") == {"a.txt": b"a1", "sub/b.txt": b"b1"}


def test_an_existing_output_is_kept(versions: Path, tmp_path: Path) -> None:
    write(tmp_path / "old.bin", "mine")
    result = mlgit(versions, "get", "v1", "model.bin", "-o", str(tmp_path / "old.bin"), code=1)
    assert_clean_error(result, "exists", "--force")
    assert (tmp_path / "old.bin").read_text() == "mine"
    mlgit(versions, "get", "v1", "model.bin", "-o", str(tmp_path / "old.bin"), "-f")
    assert (tmp_path / "old.bin").read_text() == "m1"


def test_bad_input(versions: Path, tmp_path: Path) -> None:
    assert_clean_error(mlgit(versions, "get", "nope", "model.bin", code=1),
                       "unknown revision 'nope'")
    assert_clean_error(mlgit(versions, "get", "v1", "other.bin", code=1),
                       "other.bin: not tracked at v1")


def test_a_file_where_a_folder_goes_is_a_clean_error(versions: Path, tmp_path: Path) -> None:
    write(tmp_path / "plain", "keep me")
    result = mlgit(versions, "get", "v1", "data", "-o", str(tmp_path / "plain"), "-f",
                   code=None)
    assert_clean_error(result, f"{tmp_path / 'plain'}: is a file")
    assert (tmp_path / "plain").read_text() == "keep me"
    result = mlgit(versions, "get", "v1", "data/a.txt", "-o",
                   str(tmp_path / "plain" / "a.txt"), code=None)
    assert_clean_error(result, f"{tmp_path / 'plain'}: is a file")


def test_a_folder_where_the_file_goes_is_kept_even_with_force(versions: Path,
                                                              tmp_path: Path) -> None:
    write(tmp_path / "out" / "model.bin" / "mine.txt", "keep me")
    result = mlgit(versions, "get", "v1", "model.bin", "-o", str(tmp_path / "out"), "-f",
                   code=None)
    assert_clean_error(result, f"{tmp_path / 'out' / 'model.bin'}: is a folder")
    assert (tmp_path / "out" / "model.bin" / "mine.txt").read_text() == "keep me"


def test_force_over_a_folder_leaves_exactly_the_revisions_files(versions: Path,
                                                                 tmp_path: Path) -> None:
    write(tmp_path / "out" / "data" / "a.txt", "mine")
    write(tmp_path / "out" / "data" / "old" / "stale.txt", "from before")
    mlgit(versions, "get", "v1", "data", "-o", str(tmp_path / "out"), "-f")
    assert read_tree(tmp_path / "out") == {"data/a.txt": b"a1", "data/sub/b.txt": b"b1"}
    mlgit(versions, "get", "v2", "data/sub", "-o", str(tmp_path / "out" / "data"), "-f")
    assert read_tree(tmp_path / "out" / "data" / "sub") == {"b.txt": b"b1"}


def test_without_force_a_folder_holding_other_files_is_not_mixed_into(versions: Path,
                                                                      tmp_path: Path) -> None:
    write(tmp_path / "out" / "data" / "mine.txt", "keep me")
    result = mlgit(versions, "get", "v1", "data", "-o", str(tmp_path / "out"), code=None)
    assert_clean_error(result, f"{tmp_path / 'out' / 'data'}: exists", "--force")
    assert read_tree(tmp_path / "out") == {"data/mine.txt": b"keep me"}
    (tmp_path / "out" / "data" / "mine.txt").unlink()  # an empty folder holds nothing to lose
    mlgit(versions, "get", "v1", "data", "-o", str(tmp_path / "out"))
    assert read_tree(tmp_path / "out") == {"data/a.txt": b"a1", "data/sub/b.txt": b"b1"}


def test_a_failed_get_with_force_leaves_the_old_folder_whole(versions: Path,
                                                             tmp_path: Path) -> None:
    write(tmp_path / "out" / "data" / "mine.txt", "keep me")
    damage_object(versions, hash_bytes(b"b1"))  # a.txt is written first, then this fails
    result = mlgit(versions, "get", "v1", "data", "-o", str(tmp_path / "out"), "-f", code=1)
    assert result.err.startswith("error: ")
    assert read_tree(tmp_path / "out") == {"data/mine.txt": b"keep me"}  # nothing left over


def test_a_committed_conflicted_pointer_is_named_as_such(repo: Path, tmp_path: Path) -> None:
    write(repo / "m.bin", "m")
    mlgit(repo, "add", "m.bin")
    commit_tagged(repo, "v1")
    write(repo / "m.bin.mlgit", "<<<<<<< ours\nfoo\n=======\nbar\n>>>>>>> theirs\n")
    commit_tagged(repo, "broken")
    result = mlgit(repo, "get", "HEAD", "m.bin", "-o", str(tmp_path / "out"), code=None)
    assert_clean_error(result, "merge conflict in m.bin.mlgit (at HEAD)")
    assert "not tracked" not in result.err and "git checkout --ours" not in result.err
    assert "commit" in result.err.splitlines()[1]
    diff = mlgit(repo, "diff", "HEAD~1", "HEAD", code=1)
    assert "merge conflict in m.bin.mlgit (at HEAD)" in diff.err
    assert "No data changed" not in diff.out, diff


def test_an_empty_folder_artifact_is_written_as_an_empty_folder(repo: Path,
                                                              tmp_path: Path) -> None:
    (repo / "e").mkdir()
    mlgit(repo, "add", "e")
    commit_tagged(repo, "empty")
    out = tmp_path / "out"
    mlgit(repo, "get", "HEAD", "e", "-o", str(out))
    assert out.is_dir() and list(out.iterdir()) == []
    mlgit(repo, "get", "HEAD", "e", "-o", str(out))  # into the folder, as for any folder
    assert (out / "e").is_dir()
    mlgit(repo, "get", "HEAD", "e", "-o", str(out))  # an empty folder holds nothing to lose
    assert (out / "e").is_dir() and list((out / "e").iterdir()) == []
    write(out / "e" / "mine.txt", "keep me")
    assert_clean_error(mlgit(repo, "get", "HEAD", "e", "-o", str(out), code=1), "exists")
    assert (out / "e" / "mine.txt").read_text() == "keep me"
