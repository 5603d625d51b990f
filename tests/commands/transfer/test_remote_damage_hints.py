"""Damage on a local-folder remote: what fsck -r tells the user to delete, that a pack index
left without its pack is not trusted (push uploads its objects again, status --remote does
not count them), and that pull's hints point at fsck -r rather than at a retry."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, git, make_tree, mlgit, read_tree

FILES = {f"d/{i}": os.urandom(2000) for i in range(1, 51)}


def _pushed(repo: Path, store: Path) -> Path:
    """The repo's d (50 small files) pushed to `store`; returns the remote's one pack."""
    make_tree(repo, FILES)
    mlgit(repo, "add", "d")
    mlgit(repo, "remote", "add", "o", str(store))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    assert "pushed 51 objects" in mlgit(repo, "push").out
    (pack,) = (store / "packs").glob("*.pack")
    return pack


def _damage(path: Path, at: int) -> None:
    path.chmod(0o644)
    with path.open("r+b") as f:
        f.seek(at)
        f.write(b"ZZZZ")


def _clone(repo: Path, tmp_path: Path, name: str) -> Path:
    clone = tmp_path / name
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    return clone


def test_deleting_a_damaged_pack_makes_push_upload_it_again(repo: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    pack = _pushed(repo, store)
    idx = pack.with_suffix(".idx")
    _damage(pack, 300)
    checked = mlgit(repo, "fsck", "-r", "o", code=1)
    assert f"delete packs/{pack.name} and packs/{idx.name} on o yourself" in checked.err

    pack.unlink()  # only the pack, as the hint used to suggest
    checked = mlgit(repo, "fsck", "-r", "o", code=1)
    assert f"delete packs/{idx.name} on o yourself" in checked.err
    assert f"{pack.name} and" not in checked.err
    status = mlgit(repo, "status", "--remote").out
    assert "d: 51 of 51 objects in cache, 0 on o; not all pushed" in status, status

    early = _clone(repo, tmp_path, "early")
    pulled = mlgit(early, "pull", code=1)
    assert "FileNotFoundError" not in pulled.err and "again to retry" not in pulled.err
    assert "not on the remote" in pulled.err

    pushed = mlgit(repo, "push").out
    assert "pushed 51 objects" in pushed and "0 already on the remote" in pushed, pushed
    assert "in cache and on o" in mlgit(repo, "status", "--remote").out
    mlgit(repo, "fsck", "-r", "o")
    clone = _clone(repo, tmp_path, "clone")
    mlgit(clone, "pull")
    assert {k: v for k, v in read_tree(clone).items() if k.startswith("d/")} == FILES


def test_a_pack_that_vanishes_after_the_listing_is_not_on_the_remote(
        repo: Path, tmp_path: Path) -> None:
    """The index is trusted (its pack was listed), but reading the pack finds nothing."""
    store = tmp_path / "store"
    pack = _pushed(repo, store)
    clone = _clone(repo, tmp_path, "clone")
    mlgit(clone, "status", "--remote")  # keeps a copy of the remote's index
    pack.rename(pack.with_suffix(".gone"))
    (store / "packs" / pack.name).symlink_to(store / "packs" / "nowhere")
    pulled = mlgit(clone, "pull", code=1)
    assert "FileNotFoundError" not in pulled.err and "again to retry" not in pulled.err
    assert "not on the remote" in pulled.err


def test_pull_of_a_corrupt_remote_copy_points_at_fsck(repo: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    pack = _pushed(repo, store)
    _damage(pack, pack.stat().st_size // 2)
    pulled = mlgit(_clone(repo, tmp_path, "clone"), "pull", code=1)
    assert "is corrupt; it was not stored" in pulled.err
    assert "fetched 50 objects (98.2 KiB)" in pulled.out, pulled.out  # not the bad file
    assert "again to retry" not in pulled.err
    assert "hint: the remote's copy is damaged: 'mlgit fsck -r o' names the files" in pulled.err


@pytest.fixture
def immutable() -> Iterator[list[Path]]:
    frozen: list[Path] = []
    yield frozen
    for folder in frozen:
        subprocess.run(["chattr", "-R", "-i", str(folder)], check=False)


def test_a_read_only_local_folder_gets_no_credentials_hint(
        repo: Path, tmp_path: Path, immutable: list[Path]) -> None:
    store = tmp_path / "store"
    _pushed(repo, store)
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    done = subprocess.run(["chattr", "-R", "+i", str(store)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not possible here: {done.stderr.strip()}")
    immutable.append(store)
    make_tree(repo, {"d/new": os.urandom(5000)})
    mlgit(repo, "add", "d")
    result = mlgit(repo, "push", code=None)
    assert_clean_error(result, "refuses writes", "check that you may write in the remote's"
                       " folder", "read-only mount")
    assert "credentials" not in result.err and "remote modify" not in result.err


def test_a_corrupt_loose_object_on_the_remote(repo: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    make_tree(repo, {"model.bin": os.urandom(1_500_000)})
    mlgit(repo, "add", "model.bin")
    mlgit(repo, "remote", "add", "o", str(store))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "model")
    mlgit(repo, "push")
    (loose,) = (p for p in store.glob("??/*") if not p.name.startswith("."))
    _damage(loose, 1000)
    rel = f"{loose.parent.name}/{loose.name}"
    checked = mlgit(repo, "fsck", "-r", "o", code=1)
    assert f"delete {rel} on o yourself" in checked.err
    pulled = mlgit(_clone(repo, tmp_path, "clone"), "pull", code=1)
    assert f"the remote's copy {rel} is corrupt" in pulled.err
    assert "hint: the remote's copy is damaged: 'mlgit fsck -r o'" in pulled.err
    assert "again to retry" not in pulled.err
