"""mlgit checkout --rev REV [PATH...]: the data as of REV, Git and the pointers unmoved."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.commands.helpers import two_versions
from tests.conftest import assert_clean_error, commit_tagged, git, mlgit, write


def test_restores_old_data_and_says_pointers_stay(repo: Path) -> None:
    two_versions(repo)
    pointer = (repo / "model.bin.mlgit").read_bytes()
    result = mlgit(repo, "checkout", "--rev", "v1", "model.bin")
    assert (repo / "model.bin").read_text() == "m1"
    assert (repo / "data/a.txt").read_text() == "a2"  # not named
    assert "the pointer files and mlgit.lock stay as they are" in result.out
    assert (repo / "model.bin.mlgit").read_bytes() == pointer
    assert git(repo, "status", "--porcelain") == ""
    assert "model.bin: modified" in mlgit(repo, "status", code=None).out
    mlgit(repo, "checkout")
    assert (repo / "model.bin").read_text() == "m2"


def test_everything_and_a_file_inside_a_folder(repo: Path) -> None:
    two_versions(repo)
    mlgit(repo, "checkout", "--rev", "v1")
    assert (repo / "model.bin").read_text() == "m1"
    assert (repo / "data/a.txt").read_text() == "a1"
    mlgit(repo, "checkout")
    mlgit(repo, "checkout", "--rev=v1", "data/a.txt", "--json")
    assert (repo / "data/a.txt").read_text() == "a1"
    assert (repo / "model.bin").read_text() == "m2"


def test_a_change_not_in_the_cache_is_kept(repo: Path) -> None:
    two_versions(repo)
    write(repo / "model.bin", "unsaved work")
    result = mlgit(repo, "checkout", "--rev", "v1", "model.bin", code=1)
    assert (repo / "model.bin").read_text() == "unsaved work"
    assert "model.bin" in result.out + result.err


def test_bad_input(repo: Path) -> None:
    two_versions(repo)
    assert_clean_error(mlgit(repo, "checkout", "--rev", "nope", code=1), "unknown revision")
    assert_clean_error(mlgit(repo, "checkout", "--rev", "v1", "other", code=1),
                       "other: not tracked at v1")
    assert json.loads(mlgit(repo, "checkout", "--rev", "v2", "--json").out) is not None


def test_data_the_work_tree_does_not_track_is_not_left_for_git_add(repo: Path) -> None:
    two_versions(repo)
    write(repo / "gone/old.bin", "only in v2")
    mlgit(repo, "add", "gone/old.bin")
    commit_tagged(repo, "v3")
    git(repo, "rm", "-q", "gone/old.bin.mlgit", "gone/.gitignore")
    shutil.rmtree(repo / "gone")
    commit_tagged(repo, "v4")
    named = mlgit(repo, "checkout", "--rev", "v3", "gone/old.bin", code=1)
    assert_clean_error(named, "gone/old.bin: not written", "'git add -A' would commit",
                       "'mlgit get v3 gone/old.bin -o OUT'",
                       "'git checkout v3 -- gone/old.bin.mlgit'")
    assert not (repo / "gone").exists()
    everything = mlgit(repo, "checkout", "--rev", "v3", code=1)
    assert "gone/old.bin: not written" in everything.err
    assert (repo / "model.bin").read_text() == "m2"  # what the work tree tracks: written
    assert not (repo / "gone").exists()
    assert git(repo, "status", "--porcelain") == ""


def test_data_git_ignores_anyway_is_written(repo: Path) -> None:
    two_versions(repo)
    write(repo / "scratch/s.bin", "s")
    mlgit(repo, "add", "scratch/s.bin")
    commit_tagged(repo, "v3")
    git(repo, "rm", "-q", "-r", "scratch")
    write(repo / ".gitignore", "scratch/\n")
    commit_tagged(repo, "v4")
    mlgit(repo, "checkout", "--rev", "v3", "scratch/s.bin")
    assert (repo / "scratch/s.bin").read_text() == "s"
    assert git(repo, "status", "--porcelain") == ""


def test_data_of_rev_not_cached_hints_at_fetch_rev_and_claims_nothing(
        repo: Path, tmp_path: Path) -> None:
    mlgit(repo, "remote", "add", "store", str(tmp_path / "store"), "--default")
    two_versions(repo)
    mlgit(repo, "push", "--all-commits")
    shutil.rmtree(repo / ".mlgit" / "cache")
    mlgit(repo, "pull")  # what the work tree names: v2
    for what in ("data", "model.bin"):
        result = mlgit(repo, "checkout", "--rev", "v1", what, code=1)
        assert "Data as of" not in result.out, result.out
        hint = f"hint: fetch v1's data from a remote with 'mlgit fetch --rev v1 {what}'"
        assert hint in result.err, result.err
        assert "mlgit pull" not in result.err
        mlgit(repo, "fetch", "--rev", "v1", what)
        assert "Data as of v1" in mlgit(repo, "checkout", "--rev", "v1", what).out
    assert (repo / "model.bin").read_text() == "m1"
    assert (repo / "data/a.txt").read_text() == "a1"
