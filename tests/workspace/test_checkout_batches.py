"""A checkout and a pull of a folder of a few thousand files, written and fetched in several
batches (workspace/placing.py, remote/download.py), read off the compact manifest
(workspace/wanted_files.py, workspace/wants.py): the same work tree, results and state as
in one batch."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mlgit.commands.fetch import run_fetch
from mlgit.commands.push import run_push
from mlgit.hashing import hash_bytes
from mlgit.pointer import loads
from mlgit.repo import Repo
from mlgit.workspace import placing
from mlgit.workspace.checkout import checkout_artifact
from mlgit.workspace.checkout_result import NOT_IN_CACHE, CheckoutResult
from mlgit.workspace.linker import Linker
from tests.conftest import delete_object, git, mlgit, read_tree, write

FILES = 2500


def _tree() -> dict[str, bytes]:
    return {f"d{i % 7}/s{i % 11}/f{i}.txt": f"file {i}\n".encode() * (1 + i % 5)
            for i in range(FILES)}


@pytest.fixture(params=[None, 700], ids=["one-batch", "batches-of-700"])
def batch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int | None:
    if request.param is not None:
        from mlgit.remote import download

        monkeypatch.setattr(placing, "BATCH", request.param)
        monkeypatch.setattr(download, "BATCH", request.param)
    return request.param


def _checkout(repo: Path, **kw: object) -> CheckoutResult:
    opened = Repo.find(str(repo))
    try:
        ptr = loads((repo / "data.mlgit").read_bytes(), "data.mlgit")
        linker = Linker(opened.odb, opened.config.get("cache.link"))
        with opened.lock():
            result = checkout_artifact(opened, "data", ptr, linker, **kw)  # type: ignore[arg-type]
        opened.state.flush()
        return result
    finally:
        opened.close()


def _stored(repo: Path, tree: dict[str, bytes]) -> None:
    for rel, data in tree.items():
        write(repo / "data" / rel, data)
    mlgit(repo, "add", "data")


def test_a_folder_checked_out_into_an_empty_work_tree(repo: Path, batch: int | None) -> None:
    tree = _tree()
    _stored(repo, tree)
    clean = mlgit(repo, "status").out
    shutil.rmtree(repo / "data")
    result = _checkout(repo, force=False)
    assert result.ok and result.unchanged == 0
    assert sorted(result.restored) == sorted(f"data/{p}" for p in tree)
    assert read_tree(repo / "data") == tree
    assert not [n for n in os.listdir(repo / ".mlgit" / "tmp") if n.startswith("checkout-")]
    assert mlgit(repo, "status").out == clean  # and each file is known to the state


def test_a_folder_with_some_files_missing_or_changed(repo: Path, batch: int | None) -> None:
    tree = _tree()
    _stored(repo, tree)
    gone = sorted(tree)[::9]
    for rel in gone:
        (repo / "data" / rel).unlink()
    shutil.rmtree(repo / "data" / "d3" / "s4")  # a folder to build again, whole
    gone += [p for p in tree if p.startswith("d3/s4/") and p not in gone]
    edited = [p for p in sorted(tree)[1::500] if p not in gone]
    for rel in edited:
        (repo / "data" / rel).write_bytes(b"edited")
    write(repo / "data" / "extra.txt", b"not tracked")
    result = _checkout(repo, force=False)
    assert sorted(result.restored) == sorted(f"data/{p}" for p in gone)
    assert sorted(result.conflicts) == sorted(f"data/{p}" for p in [*edited, "extra.txt"])
    assert result.unchanged == FILES - len(gone) - len(edited)
    forced = _checkout(repo, force=True)
    assert sorted(forced.restored) == sorted(f"data/{p}" for p in edited)
    assert forced.removed == ["data/extra.txt"] and forced.ok
    assert read_tree(repo / "data") == tree


def test_objects_missing_from_the_cache(repo: Path, batch: int | None) -> None:
    tree = _tree()
    _stored(repo, tree)
    lost = sorted(tree)[5::400]
    for rel in lost:  # content of its own (the others stay in the cache)
        (repo / "data" / rel).write_bytes(b"lost " + rel.encode())
    mlgit(repo, "add", "data")
    for rel in lost:
        delete_object(repo, hash_bytes(b"lost " + rel.encode()))
    shutil.rmtree(repo / "data")
    result = _checkout(repo, force=False)
    assert sorted(result.failed) == sorted((f"data/{p}", NOT_IN_CACHE) for p in lost)
    assert sorted(result.restored) == sorted(f"data/{p}" for p in tree if p not in lost)
    assert read_tree(repo / "data") == {p: d for p, d in tree.items() if p not in lost}


def test_a_part_of_a_folder(repo: Path, batch: int | None) -> None:
    tree = _tree()
    _stored(repo, tree)
    shutil.rmtree(repo / "data")
    result = _checkout(repo, force=False, only="d2")
    part = {p: d for p, d in tree.items() if p.startswith("d2/")}
    assert result.ok and sorted(result.restored) == sorted(f"data/{p}" for p in part)
    assert read_tree(repo / "data") == part


def test_a_pull_into_an_empty_cache_and_work_tree(repo: Path, tmp_path: Path,
                                                  batch: int | None) -> None:
    tree = _tree()
    tree["copy/a"] = tree["copy/b"] = b"the same content twice"
    _stored(repo, tree)
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"), "--default")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    opened = Repo.find(str(repo))
    try:
        pushed = run_push(opened, [], None, None).result
    finally:
        opened.close()
    assert pushed.transferred == FILES + 2 and not pushed.failed  # the manifest too
    shutil.rmtree(repo / "data")
    shutil.rmtree(repo / ".mlgit" / "cache")
    shutil.rmtree(repo / ".mlgit" / "tmp")
    opened = Repo.find(str(repo))
    try:
        outcome = run_fetch(opened, [], None, None, checkout=True)
    finally:
        opened.close()
    assert not outcome.result.failed and outcome.result.transferred == FILES + 2
    [checked] = outcome.checkouts
    assert checked.ok and len(checked.restored) == FILES + 2
    assert read_tree(repo / "data") == tree


def test_a_new_folder_that_cannot_be_moved_into_place(repo: Path, batch: int | None) -> None:
    """The files written inside a new folder are recorded as they are written; when the
    folder cannot be renamed into place (something took its place meanwhile), they are
    reported as not restored and the state DB does not vouch for them."""
    tree = _tree()
    _stored(repo, tree)
    shutil.rmtree(repo / "data" / "d3")
    shutil.rmtree(repo / "data" / "d5")
    intruder = repo / "data" / "d3" / "mine.txt"

    def meanwhile(files: int, nbytes: int) -> None:
        if not intruder.exists():
            write(intruder, b"the user's own file")

    in_d3 = sorted(f"data/{p}" for p in tree if p.startswith("d3/"))
    opened = Repo.find(str(repo))
    try:
        known_before = [opened.state.get(rel) for rel in in_d3]  # what the add recorded
    finally:
        opened.close()
    result = _checkout(repo, force=False, progress=meanwhile)
    assert not result.ok
    assert sorted(rel for rel, _ in result.failed) == in_d3
    assert {why for _, why in result.failed} == {
        "cannot move the restored folder into place: Directory not empty"}
    assert sorted(result.restored) == sorted(f"data/{p}" for p in tree if p.startswith("d5/"))
    assert intruder.read_bytes() == b"the user's own file"
    opened = Repo.find(str(repo))
    try:
        assert [opened.state.get(rel) for rel in in_d3] == known_before
        assert all(opened.state.get(rel) is not None for rel in result.restored)
    finally:
        opened.close()
    assert not [n for n in os.listdir(repo / ".mlgit" / "tmp") if n.startswith("checkout-")]
