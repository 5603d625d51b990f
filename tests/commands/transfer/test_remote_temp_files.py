"""Ctrl-C (or SIGTERM) during push says `interrupted` and leaves no temp file on a folder
remote; those a killed push leaves carry a recognisable name and age, and `gc --tmp` and push
itself remove them."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, mlgit, stopped_midway, write

TEMP = re.compile(r"\.[0-9a-f]{30}(?:[0-9a-f]{2}\.pack)?\.mlgit-tmp-(\d+)-[0-9a-f]+")
HOUR = 3600


def _temps(store: Path) -> list[Path]:
    return sorted(p for p in store.rglob("*") if p.is_file() and ".mlgit-tmp-" in p.name)


def _aged(path: Path, seconds: int) -> Path:
    """The temp file renamed as if its upload had started `seconds` ago."""
    match = TEMP.fullmatch(path.name)
    assert match, path.name
    older = path.name.replace(f"-{match.group(1)}-", f"-{int(time.time()) - seconds}-")
    return path.rename(path.with_name(older))


@pytest.fixture(params=["loose", "chunks"])
def pushing(request: pytest.FixtureRequest, repo: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Three 40 MiB files, uploaded as loose objects or (cut in chunks) as packs."""
    if request.param == "chunks":
        mlgit(repo, "config", "cache.chunk_threshold", str(1 << 20))
    for i in range(3):
        with open(repo / f"big{i}.bin", "wb") as f:
            f.write(os.urandom(40 << 20))
    mlgit(repo, "add", "big0.bin", "big1.bin", "big2.bin")
    store = tmp_path / "store"
    mlgit(repo, "remote", "add", "origin", str(store))
    return repo, store


def _interrupted_push(repo: Path, store: Path, sig: int) -> tuple[int, str]:
    """Push, stopped by `sig` while an upload is being written."""
    def undo() -> None:
        for f in store.rglob("*"):
            if f.is_file():
                f.chmod(0o644)
                f.unlink()

    return stopped_midway(repo, "push", sig, lambda: bool(_temps(store)), undo)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_during_push_says_interrupted_and_leaves_no_temp_file(
        pushing: tuple[Path, Path], sig: int) -> None:
    repo, store = pushing
    code, err = _interrupted_push(repo, store, sig)
    assert code == 130
    assert err.strip().splitlines() == ["interrupted"]
    # the uploads still in flight on other threads are not waited for: their temp files
    # are deleted before the process exits
    assert _temps(store) == []
    pushed = json.loads(mlgit(repo, "push", "--json").out)
    assert pushed["failed"] == []
    assert json.loads(mlgit(repo, "fsck", "-r", "origin", "--json").out)["damaged"] == []
    assert mlgit(repo, "status", "--remote", "--quiet").code == 0


def test_a_killed_push_leaves_named_temp_files_that_gc_tmp_removes(
        pushing: tuple[Path, Path]) -> None:
    repo, store = pushing
    code, _ = _interrupted_push(repo, store, signal.SIGKILL)
    assert code == -signal.SIGKILL
    left = _temps(store)
    assert left, "the upload in flight leaves its temp file"
    for path in left:
        started = int(TEMP.fullmatch(path.name).group(1))  # type: ignore[union-attr]
        assert time.time() - 120 < started <= time.time()
    # gc --tmp keeps temp files less than an hour old: a push may still be writing them
    out = json.loads(mlgit(repo, "gc", "--tmp", "--json").out)
    assert out["removed"] == [] and len(out["kept"]) == len(left)
    assert _temps(store) == left
    # an hour later they are known to be abandoned
    old = [_aged(p, HOUR + 60) for p in left]
    dry = mlgit(repo, "gc", "--tmp", "--dry-run").out
    assert f"would remove {len(old)} temporary file(s)" in dry
    assert all(p.exists() for p in old)
    out = json.loads(mlgit(repo, "gc", "-r", "origin", "--tmp", "--json").out)
    assert sorted(out["removed"]) == sorted(p.relative_to(store).as_posix() for p in old)
    assert _temps(store) == []
    # the push, run again, finishes the job
    pushed = json.loads(mlgit(repo, "push", "--json").out)
    assert pushed["failed"] == [] and pushed["transferred"] + pushed["already"] >= 3


def test_push_removes_temp_files_over_a_day_old_that_its_listings_show(
        repo: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    mlgit(repo, "remote", "add", "origin", str(store))
    write(repo / "small.txt", "small")
    mlgit(repo, "add", "small.txt")
    mlgit(repo, "push")
    now = int(time.time())
    day_old = write(store / "packs" / f".{'a' * 32}.pack.mlgit-tmp-{now - 25 * HOUR}-0a1b", "x")
    hours_old = write(store / "packs" / f".{'b' * 32}.pack.mlgit-tmp-{now - 2 * HOUR}-0a1b", "x")
    not_temp = write(store / "packs" / f"notes.mlgit-tmp-{now - 25 * HOUR}-0a1b", "mine")
    write(repo / "small.txt", "changed")
    mlgit(repo, "add", "small.txt")
    mlgit(repo, "push")
    assert not day_old.exists()
    assert hours_old.exists() and not_temp.exists()


def test_gc_tmp_names_an_unusable_remote_in_one_line(repo: Path, tmp_path: Path) -> None:
    write(tmp_path / "a-file", "x")
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "a-file"))
    assert_clean_error(mlgit(repo, "gc", "--tmp", code=1), "remote 'origin'")
