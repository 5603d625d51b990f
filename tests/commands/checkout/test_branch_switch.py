"""Switching Git branches: `mlgit checkout` removes the artifacts the new branch does not track,
but only what mlgit put there, unchanged, with its content in the cache."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import delete_object, git, make_tree, mlgit, read_tree

MAIN = {"a.bin": b"a" * 3000, "data/x.txt": b"x", "data/sub/y.bin": b"y" * 5000,
        "data/sub/deeper/z": b""}
B = {"c.bin": b"c" * 100}


def _data(root: Path) -> dict[str, bytes]:
    """The work tree's data files: everything but Git's, mlgit's and pointer files."""
    return {p: b for p, b in read_tree(root).items()
            if not p.startswith((".git/", ".mlgit/")) and not p.endswith((".mlgit", ".gitignore"))}


def _porcelain(root: Path) -> str:
    return git(root, "status", "--porcelain", "--untracked-files=all")


def _two_branches(repo: Path) -> None:
    """main tracks a.bin and data/, b tracks c.bin only; main is checked out."""
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    git(repo, "branch", "b")
    make_tree(repo, MAIN)
    mlgit(repo, "add", "a.bin", "data")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "main data")
    git(repo, "checkout", "-q", "b")
    mlgit(repo, "checkout")
    make_tree(repo, B)
    mlgit(repo, "add", "c.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "b data")
    git(repo, "checkout", "-q", "main")
    mlgit(repo, "checkout")


def test_switching_branches_back_and_forth_leaves_exactly_the_pointers_data(repo: Path) -> None:
    _two_branches(repo)
    for branch, expected in [("b", B), ("main", MAIN), ("b", B), ("main", MAIN)]:
        git(repo, "checkout", "-q", branch)
        mlgit(repo, "checkout")
        assert _porcelain(repo) == ""
        assert _data(repo) == expected
        assert not (repo / ("data" if branch == "b" else "c.bin")).exists()
        assert mlgit(repo, "status", "--quiet").code == 0


def test_checkout_says_what_it_removed(repo: Path) -> None:
    _two_branches(repo)
    git(repo, "checkout", "-q", "b")
    out = mlgit(repo, "checkout")
    assert "a.bin: no longer tracked; 1 removed" in out.out
    assert "data: no longer tracked; 3 removed" in out.out
    assert out.err == ""
    git(repo, "checkout", "-q", "main")
    rows = json.loads(mlgit(repo, "checkout", "--json").out)
    gone = next(r for r in rows if r["path"] == "c.bin")
    assert gone["removed"] == ["c.bin"] and gone["tracked"] is False and gone["kept"] == []


def test_a_changed_file_is_kept_with_a_warning(repo: Path) -> None:
    _two_branches(repo)
    (repo / "a.bin").write_bytes(b"edited")
    (repo / "data" / "sub" / "y.bin").write_bytes(b"edited too")
    git(repo, "checkout", "-q", "b")
    out = mlgit(repo, "checkout")  # a warning, not a failure
    assert (repo / "a.bin").read_bytes() == b"edited"
    assert (repo / "data" / "sub" / "y.bin").read_bytes() == b"edited too"
    assert not (repo / "data" / "x.txt").exists()
    assert not (repo / "data" / "sub" / "deeper").exists()
    warnings = out.err.strip().splitlines()
    assert len(warnings) == 2, out.err
    assert warnings[0] == ("warning: a.bin: no longer tracked and not removed: changed since"
                           " mlgit put it there; keep it with 'mlgit add a.bin', or move it"
                           " away")
    assert warnings[1].startswith("warning: data/sub/y.bin: ")
    assert "a.bin: no longer tracked; 1 left in place" in out.out
    assert "data: no longer tracked; 2 removed, 1 left in place" in out.out
    # --force discards changes to tracked data, never data that is no longer tracked
    mlgit(repo, "checkout", "--force")
    assert (repo / "a.bin").read_bytes() == b"edited"
    # keeping it: once added on this branch it is tracked and no longer warned about
    mlgit(repo, "add", "a.bin")
    again = mlgit(repo, "checkout")
    assert "a.bin" not in again.err and "data/sub/y.bin" in again.err


def test_moving_a_kept_file_away_ends_the_warning(repo: Path) -> None:
    _two_branches(repo)
    (repo / "a.bin").write_bytes(b"edited")
    git(repo, "checkout", "-q", "b")
    mlgit(repo, "checkout")
    (repo / "a.bin").rename(repo.parent / "a.bin.saved")
    assert mlgit(repo, "checkout").err == ""
    assert _porcelain(repo) == ""


def test_uncached_content_is_never_removed(repo: Path) -> None:
    _two_branches(repo)
    oid = json.loads(mlgit(repo, "ls", "--json").out)
    a_oid = next(r["oid"] for r in oid if r["path"] == "a.bin")
    delete_object(repo, a_oid)
    git(repo, "checkout", "-q", "b")
    out = mlgit(repo, "checkout", "--force")
    assert (repo / "a.bin").read_bytes() == MAIN["a.bin"]
    assert "a.bin: no longer tracked and not removed: its content is not in the cache" in out.err
    assert not (repo / "data").exists()


def test_files_in_a_folder_that_mlgit_did_not_put_there_stay(repo: Path) -> None:
    _two_branches(repo)
    make_tree(repo, {"data/sub/notes.txt": "mine", "data/new/more.txt": "mine too"})
    git(repo, "checkout", "-q", "b")
    out = mlgit(repo, "checkout")
    assert "data: no longer tracked; 3 removed, 2 not placed by mlgit left as is" in out.out
    assert out.err == ""
    left = {p for p in _data(repo) if p.startswith("data/")}
    assert left == {"data/sub/notes.txt", "data/new/more.txt"}
    assert not (repo / "data" / "sub" / "deeper").exists()
    git(repo, "checkout", "-q", "main")
    # tracked again: its files come back, and the user's are extra files in a tracked folder
    assert "data/sub/notes.txt: changed in the workspace" in mlgit(repo, "checkout", code=1).err
    assert (repo / "data" / "x.txt").read_bytes() == b"x"


def test_a_folder_becoming_two_file_artifacts_keeps_them(repo: Path) -> None:
    """One branch tracks data/ whole, the other data/x.txt on its own: switching removes
    the rest of the folder but not the file that is still tracked."""
    _two_branches(repo)
    git(repo, "checkout", "-q", "-b", "split", "b")
    mlgit(repo, "checkout")
    make_tree(repo, {"data/x.txt": b"x"})
    mlgit(repo, "add", "data/x.txt")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "split")
    git(repo, "checkout", "-q", "main")
    mlgit(repo, "checkout")
    assert _data(repo) == MAIN
    git(repo, "checkout", "-q", "split")
    mlgit(repo, "checkout")
    assert _porcelain(repo) == ""
    assert _data(repo) == {**B, "data/x.txt": b"x"}


def test_a_checkout_with_paths_removes_nothing(repo: Path) -> None:
    _two_branches(repo)
    git(repo, "checkout", "-q", "b")
    mlgit(repo, "checkout", "c.bin")
    assert (repo / "a.bin").exists() and (repo / "data" / "x.txt").exists()


def test_without_the_record_nothing_is_removed(repo: Path) -> None:
    _two_branches(repo)
    (repo / ".mlgit" / "tmp" / "state.db").unlink()
    git(repo, "checkout", "-q", "b")
    out = mlgit(repo, "checkout")
    assert out.err == ""
    assert (repo / "a.bin").exists() and (repo / "data" / "x.txt").exists()


def test_rm_keeps_the_data_on_later_checkouts(repo: Path) -> None:
    _two_branches(repo)
    mlgit(repo, "rm", "a.bin")
    mlgit(repo, "checkout")
    assert (repo / "a.bin").read_bytes() == MAIN["a.bin"]


def test_symlinked_data_is_removed_and_the_cache_kept(repo: Path) -> None:
    mlgit(repo, "config", "cache.link", "symlink")
    _two_branches(repo)
    assert (repo / "a.bin").is_symlink()
    git(repo, "checkout", "-q", "b")
    mlgit(repo, "checkout")
    assert not (repo / "a.bin").exists() and not (repo / "a.bin").is_symlink()
    assert _porcelain(repo) == ""
    git(repo, "checkout", "-q", "main")
    mlgit(repo, "checkout")
    assert _data(repo) == MAIN


def test_pull_removes_what_the_branch_does_not_track(repo: Path, tmp_path: Path) -> None:
    _two_branches(repo)
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "store"))  # the same on both branches
    git(repo, "checkout", "-q", "b")
    mlgit(repo, "pull")
    assert _data(repo) == B
    assert _porcelain(repo) == " M .mlgit/config.yaml\n"


def test_a_folder_whose_manifest_is_gone_is_left_whole(repo: Path) -> None:
    _two_branches(repo)
    rows = json.loads(mlgit(repo, "ls", "--json").out)
    manifest = next(r["oid"] for r in rows if r["path"] == "data")
    delete_object(repo, manifest)
    (repo / ".mlgit" / "tmp" / "manifests" / manifest).unlink(missing_ok=True)  # its memo
    git(repo, "checkout", "-q", "b")
    out = mlgit(repo, "checkout")
    assert "warning: data: no longer tracked and not removed: cannot tell which files mlgit" \
        " put there" in out.err
    assert {p for p in _data(repo) if p.startswith("data/")} == \
        {p for p in MAIN if p.startswith("data/")}
    assert not (repo / "a.bin").exists()
