"""mlgit mv: an artifact's data, pointer and .gitignore entries move in one step."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, git, make_tree, mlgit, write
from tests.mounts import small_disk  # noqa: F401  (a fixture)


def _committed(repo: Path) -> None:
    make_tree(repo, {"data/a.txt": "a", "data/sub/b.txt": "b", "model.bin": "weights"})
    mlgit(repo, "add", "data", "model.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "track")


def _record(repo: Path, out: str, cwd: Path | None = None) -> None:
    """Run the git line mv printed, as the user would paste it (in the folder mv ran in)."""
    line = next(x.strip() for x in out.splitlines() if x.strip().startswith("git add"))
    subprocess.run(line, shell=True, cwd=cwd or repo, check=True, capture_output=True)


def _porcelain(repo: Path) -> str:
    return git(repo, "status", "--porcelain", "--untracked-files=all")


def test_mv_renames_a_file_artifact(repo: Path) -> None:
    _committed(repo)
    out = mlgit(repo, "mv", "model.bin", "weights.bin")
    assert out.lines[0] == "moved model.bin to weights.bin"
    assert (repo / "weights.bin").read_text() == "weights"
    assert not (repo / "model.bin").exists() and not (repo / "model.bin.mlgit").exists()
    assert 'path: "weights.bin"' in (repo / "weights.bin.mlgit").read_text()
    assert (repo / ".gitignore").read_text().splitlines() == ["/data", "/weights.bin"]
    assert mlgit(repo, "status").lines == ["data: unchanged", "weights.bin: unchanged"]
    _record(repo, out.out)
    assert sorted(_porcelain(repo).splitlines()) == [
        "M  .gitignore", "R  model.bin.mlgit -> weights.bin.mlgit"]


def test_mv_a_folder_into_an_existing_folder(repo: Path) -> None:
    _committed(repo)
    (repo / "archive").mkdir()
    out = mlgit(repo, "mv", "data", "archive")
    assert (repo / "archive" / "data" / "sub" / "b.txt").read_text() == "b"
    assert (repo / "archive" / ".gitignore").read_text() == "/data\n"
    assert (repo / ".gitignore").read_text() == "/model.bin\n"
    assert mlgit(repo, "status", "archive/data").lines == ["archive/data: unchanged"]
    _record(repo, out.out)
    assert "??" not in _porcelain(repo) and " D" not in _porcelain(repo)
    # a clone gets the data at the new place
    shutil.rmtree(repo / "archive" / "data")
    mlgit(repo, "checkout")
    assert (repo / "archive" / "data" / "a.txt").read_text() == "a"


def test_mv_into_a_new_folder_from_a_subfolder_and_back_to_the_top(repo: Path) -> None:
    _committed(repo)
    notes = repo / "notes"
    write(notes / "readme.txt", "plain Git file")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "notes")
    out = mlgit(notes, "mv", "../model.bin", "../models/deep/")
    assert (repo / "models" / "deep" / "model.bin").read_text() == "weights"
    _record(repo, out.out, cwd=notes)
    out = mlgit(repo / "models", "mv", "deep/model.bin.mlgit", "..")  # named by its pointer
    assert (repo / "model.bin").read_text() == "weights"
    assert mlgit(repo, "status", "model.bin").lines == ["model.bin: unchanged"]
    assert not (repo / "models" / "deep" / ".gitignore").exists()  # emptied, removed
    _record(repo, out.out, cwd=repo / "models")
    assert _porcelain(repo) == ""  # back where it was, as Git sees it too


def test_mv_to_a_name_starting_with_a_dash(repo: Path) -> None:
    _committed(repo)
    out = mlgit(repo, "mv", "--", "model.bin", "-w.bin")
    assert "git add -- -w.bin.mlgit" in out.out
    _record(repo, out.out)
    assert sorted(_porcelain(repo).splitlines()) == [
        "M  .gitignore", "R  model.bin.mlgit -> -w.bin.mlgit"]
    assert (repo / ".gitignore").read_text().splitlines() == ["/data", "/-w.bin"]


def test_mv_keeps_what_the_state_db_knows(repo: Path) -> None:
    from mlgit.storage.state import State

    _committed(repo)
    mlgit(repo, "mv", "data", "moved")
    state = State(str(repo / ".mlgit" / "tmp" / "state.db"))
    try:
        assert state.get("moved/sub/b.txt") is not None
        assert state.get("moved/a.txt") is not None
    finally:
        state.close()


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_mv_linked_data(repo: Path, link: str) -> None:
    mlgit(repo, "config", "cache.link", link)
    _committed(repo)
    mlgit(repo, "mv", "data", "d2")
    mlgit(repo, "mv", "model.bin", "d3/m.bin")
    assert mlgit(repo, "status", "-q", code=None).code == 0
    assert (repo / "d2" / "a.txt").read_text() == "a"


def test_mv_when_the_data_is_not_in_the_work_tree(repo: Path) -> None:
    _committed(repo)
    (repo / "model.bin").unlink()
    out = mlgit(repo, "mv", "--json", "model.bin", "m2.bin")
    assert json.loads(out.out)["data_moved"] is False
    assert (repo / "m2.bin.mlgit").exists() and not (repo / "model.bin.mlgit").exists()
    mlgit(repo, "checkout", "m2.bin")
    assert (repo / "m2.bin").read_text() == "weights"


def test_mv_refusals_leave_everything_as_it_was(repo: Path, tmp_path: Path) -> None:
    _committed(repo)
    write(repo / "taken.bin", "someone else's")
    write(repo / "loose.txt", "not tracked")
    write(repo / "ignored" / "keep", "k")
    write(repo / ".gitignore", (repo / ".gitignore").read_text() + "ignored/\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "more")
    before = _porcelain(repo)
    cases = [
        (("model.bin", "taken.bin"), ["taken.bin: already exists", "choose another name"]),
        (("model.bin", "data"), ["data/model.bin: is inside data, which is tracked as a whole"]),
        (("model.bin", "data/sub/m.bin"), ["is inside data, which is tracked as a whole"]),
        (("model.bin", str(tmp_path / "outside.bin")), ["outside the repository"]),
        (("loose.txt", "l2.txt"), ["loose.txt: not tracked by mlgit"]),
        (("nothing", "n2"), ["not tracked by mlgit"]),
        (("data/a.txt", "a.txt"), ["data/a.txt: is inside data", "mlgit add data/a.txt"]),
        (("data", "data/sub2"), ["cannot move into itself"]),
        (("data", "."), ["is where data already is"]),
        (("model.bin", "ignored/m.bin"), ["Git ignores this path", "'!' rule"]),
        (("model.bin", "taken.bin/x"), ["cannot create folder"]),
    ]
    for args, needles in cases:
        assert_clean_error(mlgit(repo, "mv", *args, code=None), *needles)
    write(repo / "free.bin.mlgit", "a stray pointer-like file")
    assert_clean_error(mlgit(repo, "mv", "model.bin", "free.bin", code=None),
                       "free.bin.mlgit: already exists")
    (repo / "free.bin.mlgit").unlink()
    assert _porcelain(repo) == before
    assert (repo / "model.bin").read_text() == "weights"
    assert mlgit(repo, "status", "-q", code=None).code == 0


def test_mv_finishes_after_an_interruption_before_the_rename(repo: Path) -> None:
    _committed(repo)
    mlgit(repo, "mv", "data", "d2")
    # the state a crash right after writing the new pointer and .gitignore entry leaves
    (repo / "d2").rename(repo / "data")
    git(repo, "checkout", "HEAD", "--", "data.mlgit", ".gitignore")
    write(repo / ".gitignore", (repo / ".gitignore").read_text() + "/d2\n")
    mlgit(repo, "mv", "data", "d2")
    assert (repo / "d2" / "a.txt").read_text() == "a" and not (repo / "data").exists()
    assert not (repo / "data.mlgit").exists()
    assert (repo / ".gitignore").read_text().splitlines() == ["/model.bin", "/d2"]
    assert mlgit(repo, "status").lines == ["d2: unchanged", "model.bin: unchanged"]


def test_mv_finishes_after_an_interruption_after_the_rename(repo: Path) -> None:
    _committed(repo)
    mlgit(repo, "mv", "model.bin", "m2.bin")
    # the state a crash right after renaming the data leaves: the old pointer is still there
    git(repo, "checkout", "HEAD", "--", "model.bin.mlgit", ".gitignore")
    write(repo / ".gitignore", (repo / ".gitignore").read_text() + "/m2.bin\n")
    out = mlgit(repo, "mv", "model.bin", "m2.bin")
    assert json.loads(mlgit(repo, "ls", "--json").out)[1]["path"] == "m2.bin"
    assert not (repo / "model.bin.mlgit").exists()
    assert "m2.bin" in out.out
    # but never over data at both places
    mlgit(repo, "mv", "m2.bin", "model.bin")
    git(repo, "checkout", "HEAD", "--", ".gitignore")
    shutil.copy(repo / "model.bin.mlgit", repo / "m3.bin.mlgit")
    write(repo / "m3.bin.mlgit", (repo / "m3.bin.mlgit").read_text().replace(
        'path: "model.bin"', 'path: "m3.bin"'))
    write(repo / "m3.bin", "other data")
    assert_clean_error(mlgit(repo, "mv", "model.bin", "m3.bin", code=None),
                       "m3.bin: already exists")
    assert (repo / "m3.bin").read_text() == "other data"
    assert (repo / "model.bin").read_text() == "weights"


CRASH_RUNNER = """
import os, runpy, sys
name, nth, when = sys.argv[1], int(sys.argv[2]), sys.argv[3]
real, calls = getattr(os, name), []
def crash(*args, **kwargs):
    calls.append(1)
    if len(calls) == nth:
        if when == "after":
            real(*args, **kwargs)
        os._exit(137)
    return real(*args, **kwargs)
setattr(os, name, crash)
sys.argv = ["mlgit", *sys.argv[4:]]
runpy.run_module("mlgit", run_name="__main__")
"""

# Each step of a move that changes the work tree: the new pointer and the .gitignore entry
# (os.replace), the data (os.rename), the old pointer (os.unlink).
CRASH_POINTS = [("replace", 1), ("replace", 2), ("rename", 1), ("replace", 3), ("unlink", 1)]


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize(("call", "nth"), CRASH_POINTS)
def test_mv_killed_at_any_step_loses_nothing(repo: Path, call: str, nth: int,
                                             when: str) -> None:
    import sys

    _committed(repo)
    proc = subprocess.run([sys.executable, "-c", CRASH_RUNNER, call, str(nth), when, "mv",
                           "data", "d2"], cwd=repo, capture_output=True, text=True)
    assert proc.returncode == 137, proc.stderr
    # the data is whole at one of the two places, and a pointer names it there
    place = "d2" if (repo / "d2").exists() else "data"
    assert (repo / place / "sub" / "b.txt").read_text() == "b"
    assert (repo / f"{place}.mlgit").exists()
    # and the same command finishes the move (if the old pointer is gone, it was finished)
    done = not (repo / "data.mlgit").exists()
    again = mlgit(repo, "mv", "data", "d2", code=None)
    if done:
        assert_clean_error(again, "data: not tracked by mlgit")
    else:
        assert again.code == 0, again
    assert mlgit(repo, "status").lines == ["d2: unchanged", "model.bin: unchanged"]
    assert (repo / ".gitignore").read_text().splitlines() == ["/model.bin", "/d2"]
    assert not (repo / "data").exists() and not (repo / "data.mlgit").exists()
    assert not [p for p in repo.iterdir() if p.name.endswith("mlgit-tmp")]


def test_a_moved_artifact_is_removed_by_a_branch_switch_like_any_other(repo: Path) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "mlgit init")
    git(repo, "branch", "other")
    _committed(repo)
    out = mlgit(repo, "mv", "data", "d2")
    _record(repo, out.out)
    git(repo, "commit", "-qm", "moved")
    git(repo, "checkout", "-q", "other")
    mlgit(repo, "checkout")
    assert not (repo / "d2").exists() and not (repo / "model.bin").exists()
    assert _porcelain(repo) == ""
    git(repo, "checkout", "-q", "main")
    mlgit(repo, "checkout")
    assert (repo / "d2" / "sub" / "b.txt").read_text() == "b"


def test_mv_onto_another_file_system_takes_back_what_it_wrote(repo: Path,
                                                              small_disk) -> None:  # noqa: F811
    _committed(repo)
    mount = small_disk("1m")
    (mount / "sub").mkdir()
    (repo / "mnt").mkdir()
    if subprocess.run(["mount", "--bind", str(mount), str(repo / "mnt")]).returncode != 0:
        pytest.skip("cannot bind-mount here")
    try:
        before = _porcelain(repo)
        result = mlgit(repo, "mv", "model.bin", "mnt/sub/m.bin", code=None)
        assert_clean_error(result, "model.bin: cannot be moved to mnt/sub/m.bin",
                           "another file system", "mlgit add mnt/sub/m.bin")
        assert not (repo / "mnt" / "sub" / "m.bin.mlgit").exists()
        assert not (repo / "mnt" / "sub" / ".gitignore").exists()
        assert (repo / "model.bin").read_text() == "weights"
        assert (repo / "model.bin.mlgit").exists()
        assert _porcelain(repo) == before
        assert mlgit(repo, "status", "-q", code=None).code == 0
    finally:
        subprocess.run(["umount", "-l", str(repo / "mnt")])


def test_mv_on_a_full_disk_changes_nothing(small_disk) -> None:  # noqa: F811
    disk = small_disk("2m")
    repo = disk / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    mlgit(repo, "init")
    write(repo / "model.bin", "weights")
    mlgit(repo, "add", "model.bin")
    (repo / "models").mkdir()
    with open(disk / "filler", "wb", buffering=0) as f:  # fill the disk to the last byte
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass
    result = mlgit(repo, "mv", "model.bin", "models/", code=None)
    assert_clean_error(result, "no space left on the disk holding")
    assert (repo / "model.bin").read_text() == "weights"
    assert (repo / "model.bin.mlgit").exists()
    assert list((repo / "models").iterdir()) == []
    (disk / "filler").unlink()
    mlgit(repo, "mv", "model.bin", "models/")
    assert (repo / "models" / "model.bin").read_text() == "weights"
