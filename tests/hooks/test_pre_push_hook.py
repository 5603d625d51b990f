"""The pre-push hook, fired by real `git push` to a bare repository: it uploads the data of
the pushed commits to the default mlgit remote first, and stops the push when it cannot."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import delete_object, git, mlgit, write
from tests.hooks.helpers import commit_hooked, fire, fire_ok, on_path, track
from tests.mounts import small_disk  # noqa: F401  (a fixture)


def _add_remotes(repo: Path, tmp_path: Path, store: Path) -> None:
    """A bare Git remote `origin` in tmp_path and the mlgit remote `store` at `store`,
    committed."""
    git(tmp_path, "init", "-q", "--bare", "origin.git")
    git(repo, "remote", "add", "origin", str(tmp_path / "origin.git"))
    mlgit(repo, "remote", "add", "store", str(store))
    commit_hooked(repo, "remote")


@pytest.fixture
def pushing(hooked: Path, tmp_path: Path) -> Path:
    """`hooked`, with a bare Git remote `origin` and an mlgit remote `store` (a folder)."""
    (tmp_path / "store").mkdir()
    _add_remotes(hooked, tmp_path, tmp_path / "store")
    return hooked


def _on_remote(repo: Path) -> dict[str, int]:
    """Artifact path -> how many of its objects the mlgit remote has."""
    rows = json.loads(mlgit(repo, "status", "--remote", "--json", code=None).out)["artifacts"]
    return {r["path"]: r["on_remote"] for r in rows}


def _git_branches(bare: Path) -> list[str]:
    return git(bare, "for-each-ref", "--format=%(refname:short)").split()


def _empty_cache(repo: Path) -> None:
    shutil.rmtree(repo / ".mlgit" / "cache")
    (repo / ".mlgit" / "cache").mkdir()


def _clone_and_pull(tmp_path: Path) -> Path:
    """A clone of `origin` (branch main) with its data pulled from the mlgit remote."""
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", "main", str(tmp_path / "origin.git"), str(clone))
    mlgit(clone, "pull")
    return clone


def test_a_push_uploads_the_data_of_the_pushed_commits(pushing: Path, tmp_path: Path) -> None:
    track(pushing, {"model.bin": "v1"})
    write(pushing / "data/a.txt", "a")
    write(pushing / "data/b.txt", "b")
    mlgit(pushing, "add", "data")
    commit_hooked(pushing, "folder")
    assert set(_on_remote(pushing).values()) == {0}
    result = fire_ok(pushing, "push", "-q", "origin", "main")
    assert "uploaded" in result.err
    assert _on_remote(pushing) == {"model.bin": 1, "data": 3}  # a folder: manifest + 2 files
    clone = _clone_and_pull(tmp_path)
    assert (clone / "model.bin").read_text() == "v1"
    assert (clone / "data/b.txt").read_text() == "b"


def test_only_the_pushed_branch_data_goes(pushing: Path) -> None:
    track(pushing, {"shared.bin": "on main"})
    fire_ok(pushing, "push", "-q", "origin", "main")
    fire_ok(pushing, "checkout", "-q", "-b", "private")
    track(pushing, {"secret.bin": "not pushed"})
    fire_ok(pushing, "checkout", "-q", "-b", "public", "main")
    track(pushing, {"public.bin": "pushed"})
    fire_ok(pushing, "push", "-q", "origin", "public")
    assert _on_remote(pushing) == {"public.bin": 1, "shared.bin": 1}
    fire_ok(pushing, "checkout", "-q", "private")
    assert _on_remote(pushing)["secret.bin"] == 0


def test_several_refs_in_one_push_upload_the_data_of_each(pushing: Path) -> None:
    fire_ok(pushing, "checkout", "-q", "-b", "one")
    track(pushing, {"one.bin": "1"})
    fire_ok(pushing, "checkout", "-q", "-b", "two", "main")
    track(pushing, {"two.bin": "2"})
    fire_ok(pushing, "push", "-q", "origin", "one", "two")
    fire_ok(pushing, "checkout", "-q", "one")
    assert _on_remote(pushing) == {"one.bin": 1}
    fire_ok(pushing, "checkout", "-q", "two")
    assert _on_remote(pushing) == {"two.bin": 1}


def test_a_push_without_data_makes_no_remote_request(pushing: Path, tmp_path: Path) -> None:
    track(pushing, {"model.bin": "v1"})
    fire_ok(pushing, "push", "-q", "origin", "main")
    shutil.rmtree(tmp_path / "store")  # any request to it would now fail
    write(pushing / "readme.txt", "docs only")
    git(pushing, "add", "readme.txt")
    fire_ok(pushing, "commit", "-qm", "docs")
    result = fire_ok(pushing, "push", "-q", "origin", "main")
    assert result.err == ""
    fire_ok(pushing, "push", "-q", "origin", "main:copy")  # a new branch, nothing new
    fire_ok(pushing, "push", "-q", "origin", ":copy")  # a deletion
    assert _git_branches(tmp_path / "origin.git") == ["main"]


def test_with_the_mlgit_remote_down_the_push_is_stopped(pushing: Path, tmp_path: Path) -> None:
    shutil.rmtree(tmp_path / "store")
    track(pushing, {"model.bin": "v1"})
    result = fire(pushing, "push", "-q", "origin", "main")
    assert result.code != 0
    assert "error: pre-push: remote 'store'" in result.err
    assert "the git push is stopped" in result.err
    assert "hint: " in result.err
    assert _git_branches(tmp_path / "origin.git") == []


def test_data_missing_from_the_cache_stops_the_push(pushing: Path, tmp_path: Path) -> None:
    track(pushing, {"model.bin": "v1"})
    _empty_cache(pushing)
    result = fire(pushing, "push", "-q", "origin", "main")
    assert result.code != 0
    assert "error: model.bin: not in the cache" in result.err
    assert "could not be uploaded" in result.err
    assert _git_branches(tmp_path / "origin.git") == []


def test_stdin_refs_as_git_gives_them(pushing: Path) -> None:
    """The hook entry point itself, with a ref line of zeros (a new branch) and a
    deletion."""
    track(pushing, {"model.bin": "v1"})
    head = git(pushing, "rev-parse", "HEAD").strip()
    zeros = "0" * 40
    refs = (f"refs/heads/main {head} refs/heads/main {zeros}\n"
            f"(delete) {zeros} refs/heads/gone {head}\n")
    out = mlgit(pushing, "hook", "pre-push", "origin", "unused-url", stdin=refs, env=on_path())
    assert "uploaded 1 objects to store" in out.err
    assert _on_remote(pushing) == {"model.bin": 1}


def test_stage_outputs_a_pushed_lock_file_records_are_uploaded(pushing: Path,
                                                               tmp_path: Path) -> None:
    write(pushing / "in.txt", "input")
    mlgit(pushing, "stage", "add", "make", "-d", "in.txt", "-o", "out.txt",
          "-c", "cp in.txt out.txt")
    mlgit(pushing, "repro")
    commit_hooked(pushing, "pipeline")
    result = fire_ok(pushing, "push", "-q", "origin", "main")
    assert "uploaded 1 objects to store" in result.err
    clone = _clone_and_pull(tmp_path)
    assert (clone / "out.txt").read_text() == "input"


def test_the_retry_hint_for_a_name_with_a_leading_dash_can_be_pasted(pushing: Path) -> None:
    write(pushing / "-m.bin", "v1")
    mlgit(pushing, "add", "--", "-m.bin")
    commit_hooked(pushing, "m")
    _empty_cache(pushing)
    result = fire(pushing, "push", "-q", "origin", "main")
    assert result.code != 0
    assert "'mlgit push -- -m.bin' retries the upload" in result.err


def test_the_retry_hint_names_a_folder_by_its_path(pushing: Path) -> None:
    write(pushing / "data/a.txt", "a")
    mlgit(pushing, "add", "data")
    commit_hooked(pushing, "data")
    _empty_cache(pushing)
    result = fire(pushing, "push", "-q", "origin", "main")
    assert result.code != 0
    assert "error: data (folder manifest): not in the cache" in result.err
    hint = next(line for line in result.err.splitlines() if line.startswith("hint:"))
    assert "'mlgit push data" in hint and "folder manifest" not in hint, hint


@pytest.mark.parametrize("to_url", [False, True])
def test_only_the_commits_the_git_remote_lacks_are_looked_at(pushing: Path, tmp_path: Path,
                                                              to_url: bool) -> None:
    """A new branch that merges one the remote has, pushed by remote name or by URL (then
    Git names no remote): the merged branch's data is not looked for again."""
    fire_ok(pushing, "checkout", "-q", "-b", "other")
    track(pushing, {"o/old.bin": "pushed before"})
    fire_ok(pushing, "push", "-q", "origin", "other")
    oid = (pushing / "o/old.bin.mlgit").read_text().split("oid: ")[1].split()[0].strip('"')
    delete_object(pushing, oid)  # on the mlgit remote; this cache no longer has it
    fire_ok(pushing, "checkout", "-q", "main")
    fire_ok(pushing, "checkout", "-q", "-b", "topic")
    track(pushing, {"t/new.bin": "new"})
    fire_ok(pushing, "merge", "-q", "--no-ff", "--no-edit", "other")
    fire_ok(pushing, "push", "-q", str(tmp_path / "origin.git") if to_url else "origin",
            "topic")
    assert _on_remote(pushing)["t/new.bin"] == 1


def test_data_missing_from_the_cache_but_on_the_remote_is_already_there(
        pushing: Path, tmp_path: Path) -> None:
    """A teammate's model taken as a pointer only (never downloaded), then pushed: the
    remote has the data, so the push goes through."""
    track(pushing, {"model.bin": "v1", "small.txt": "s"})
    mlgit(pushing, "push")
    _empty_cache(pushing)
    track(pushing, {"other.bin": "new"})  # still uploaded
    result = fire(pushing, "push", "-q", "origin", "main")
    assert result.code == 0, result
    assert _git_branches(tmp_path / "origin.git") == ["main"]
    assert _on_remote(pushing)["other.bin"] == 1
    again = mlgit(pushing, "push", "model.bin")
    assert "1 already on the remote; 0 failed" in again.out, again
    # and what neither the cache nor the remote has still stops a push
    shutil.rmtree(tmp_path / "store")
    (tmp_path / "store").mkdir()
    assert_fails = mlgit(pushing, "push", "model.bin", code=1)
    assert "model.bin: not in the cache" in assert_fails.err


def test_a_full_remote_disk_is_named_not_the_local_one(
        hooked: Path, tmp_path: Path, small_disk) -> None:  # noqa: F811
    disk = small_disk("1m")
    _add_remotes(hooked, tmp_path, disk / "store")
    track(hooked, {"big.bin": os.urandom(3 * 1024 * 1024)})
    result = fire(hooked, "push", "-q", "origin", "main")
    assert result.code != 0, result
    assert f"no space left on the disk holding {disk / 'store'} (mounted at {disk}" \
        in result.err, result.err
    assert f"free up space on {disk}," in result.err
    assert _git_branches(tmp_path / "origin.git") == []


def test_a_read_only_remote_stops_the_push_in_one_sentence(
        hooked: Path, tmp_path: Path, small_disk) -> None:  # noqa: F811
    from tests.mounts import make_read_only

    disk = small_disk("2m")
    _add_remotes(hooked, tmp_path, disk / "store")
    track(hooked, {"m.bin": "v1"})
    make_read_only(disk)
    result = fire(hooked, "push", "-q", "origin", "main")
    assert result.code != 0, result
    error = result.err.splitlines()[0]
    assert "refuses writes" in error and error.count("stopped") == 1, error
    assert error.endswith("; the git push is stopped")
