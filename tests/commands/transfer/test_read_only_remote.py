"""A local remote folder that may not be written: push says so in one line and stops at the
first refusal (not one error per object, no retries); fetch and pull still work."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, git, make_tree, mlgit, read_tree
from tests.mounts import make_read_only, small_disk  # noqa: F401  (a fixture)

DATA = {**{f"data/f{i:02}.bin": os.urandom(300_000 + i) for i in range(20)},
        **{f"small/s{i:02}.txt": f"small {i}".encode() for i in range(20)},
        "model.bin": os.urandom(2_000_000)}


@pytest.fixture
def immutable() -> Iterator[Callable[[Path], None]]:
    """chattr -R +i on a folder (even root may not write in it); undone after the test."""
    done: list[Path] = []

    def freeze(folder: Path) -> None:
        if shutil.which("chattr") is None:
            pytest.skip("chattr is not installed")
        result = subprocess.run(["chattr", "-R", "+i", str(folder)], capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"chattr +i is not possible here: {result.stderr.strip()}")
        done.append(folder)

    yield freeze
    for folder in done:
        subprocess.run(["chattr", "-R", "-i", str(folder)], check=False)


def _pushed_repo(repo: Path, store: Path) -> None:
    make_tree(repo, DATA)
    mlgit(repo, "add", "data", "small", "model.bin")
    mlgit(repo, "remote", "add", "origin", str(store))
    mlgit(repo, "push")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")


def _assert_push_refused(repo: Path, store: Path) -> None:
    make_tree(repo, {f"data/new{i}.bin": os.urandom(200_000) for i in range(20)})
    mlgit(repo, "add", "data")
    result = mlgit(repo, "push", code=None)
    assert_clean_error(result, f"remote 'origin' ({store}) refuses writes", "the push stopped",
                       "a read-only remote still serves fetch and pull")
    assert "retry" not in result.err
    assert "mlgit-tmp" not in result.err and f"{store}/" not in result.err  # no upload's file


@pytest.mark.parametrize("how", ["chattr", "read-only mount"])
def test_a_read_only_remote_folder(repo: Path, tmp_path: Path, how: str,
                                   immutable: Callable[[Path], None],
                                   small_disk: Callable[[str], Path]) -> None:  # noqa: F811
    store = small_disk("8m") if how == "read-only mount" else tmp_path / "store"
    _pushed_repo(repo, store)
    if how == "chattr":
        immutable(store)
    else:
        make_read_only(store)
    before = sorted(p.name for p in store.rglob("*"))
    _assert_push_refused(repo, store)
    assert sorted(p.name for p in store.rglob("*")) == before
    git(repo, "checkout", "-q", "--", "data.mlgit")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    mlgit(clone, "pull")
    assert {k: v for k, v in read_tree(clone).items() if k in DATA} == DATA
