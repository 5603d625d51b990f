"""Empty content round-trips in every shape: a lone empty file, a folder of only empty files,
empty files beside packed and loose objects, under every link type, through gc, push and a
pull into a fresh clone. The empty object is implicit in every store (docs/formats.md)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlgit.hashing import hash_bytes
from mlgit.storage import packs
from tests.conftest import git, make_tree, mlgit, read_tree
from tests.remote.conformance.runner import run

EMPTY_OID = hash_bytes(b"")
EMPTY_ONLY = {"empty.txt": b"", "pkg/__init__.py": b"", "pkg/sub/__init__.py": b""}
MIXED = {"lib/__init__.py": b"", "lib/core.py": b"print('hi')\n",
         "lib/weights.bin": os.urandom(packs.MAX_PACKED + 5)}


def _add_all(repo: Path, files: dict[str, bytes]) -> None:
    make_tree(repo, files)
    tops = sorted({rel.split("/")[0] for rel in files})
    mlgit(repo, "add", *tops)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "data")


def _remove(repo: Path, files: dict[str, bytes]) -> None:
    for top in {rel.split("/")[0] for rel in files}:
        path = repo / top
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def _tracked(root: Path, files: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in read_tree(root).items() if k in files}


@pytest.mark.parametrize("link", ["copy", "reflink,copy", "hardlink", "symlink"])
def test_empty_files_add_remove_checkout(repo: Path, link: str) -> None:
    mlgit(repo, "config", "cache.link", link)
    files = {**EMPTY_ONLY, **MIXED}
    _add_all(repo, files)
    assert mlgit(repo, "status", "-q").code == 0
    _remove(repo, files)
    out = mlgit(repo, "checkout").out
    assert "empty.txt: 1 restored" in out and "pkg: 2 restored" in out
    assert _tracked(repo, files) == files
    assert mlgit(repo, "status", "-q").code == 0
    # empty files are plain writable files, never links into the cache
    empty = repo / "pkg" / "__init__.py"
    assert not empty.is_symlink() and empty.stat().st_nlink == 1 and os.access(empty, os.W_OK)


def test_a_folder_of_only_empty_files_pushes_and_pulls(repo: Path, tmp_path: Path) -> None:
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"), "--default")
    _add_all(repo, EMPTY_ONLY)
    pushed = mlgit(repo, "push")
    assert "0 failed" in pushed.out, pushed
    assert "not on" not in mlgit(repo, "status", "--remote").out
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    mlgit(clone, "pull")
    assert _tracked(clone, EMPTY_ONLY) == EMPTY_ONLY
    assert mlgit(clone, "status", "-q").code == 0
    # nothing on the remote holds the empty object, and no pack there is empty
    for path in (tmp_path / "remote").rglob("*"):
        assert not (path.is_file() and path.suffix == ".pack" and path.stat().st_size == 0)
    assert not (tmp_path / "remote" / EMPTY_OID[:2] / EMPTY_OID[2:]).exists()


def test_the_cache_never_holds_an_empty_pack(repo: Path) -> None:
    _add_all(repo, EMPTY_ONLY)
    pack_dir = repo / ".mlgit" / "cache" / packs.PACK_DIR
    assert not any(p.stat().st_size == 0 for p in pack_dir.glob("*.pack"))


def test_a_cache_with_an_empty_pack_from_an_earlier_version_still_works(
        repo: Path, tmp_path: Path) -> None:
    """Earlier versions packed the empty object alone into a 0-byte pack."""
    _add_all(repo, EMPTY_ONLY)
    pack_dir = repo / ".mlgit" / "cache" / packs.PACK_DIR
    pack_dir.mkdir(exist_ok=True)
    name, index = packs.build_index({EMPTY_OID: (0, 0)})
    (pack_dir / f"{name}.pack").write_bytes(b"")
    (pack_dir / f"{name}.idx").write_bytes(index)
    _remove(repo, EMPTY_ONLY)
    mlgit(repo, "checkout")
    assert _tracked(repo, EMPTY_ONLY) == EMPTY_ONLY
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"), "--default")
    assert "0 failed" in mlgit(repo, "push").out
    mlgit(repo, "gc", "-f")
    _remove(repo, EMPTY_ONLY)
    mlgit(repo, "checkout")
    assert _tracked(repo, EMPTY_ONLY) == EMPTY_ONLY


def test_gc_and_fetch_keep_empty_content_available(repo: Path, tmp_path: Path) -> None:
    files = {**EMPTY_ONLY, **MIXED}
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"), "--default")
    _add_all(repo, files)
    mlgit(repo, "push")
    mlgit(repo, "gc", "-f")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    fetched = mlgit(clone, "fetch").out
    assert "0 failed" in fetched
    mlgit(clone, "checkout")
    assert _tracked(clone, files) == files
    assert "in cache and on origin" in mlgit(clone, "status", "--remote", "empty.txt").out
    listed = {line.split()[-1]: line.split() for line in mlgit(clone, "ls").lines[1:]}
    assert listed["empty.txt"][-2] == "yes" and listed["pkg"][-2] == "yes"


def test_sizes_around_the_pack_threshold_round_trip(repo: Path, tmp_path: Path) -> None:
    """0, 1 and the sizes either side of packs.MAX_PACKED, in a folder and alone, through
    add -> rm -> checkout and push -> fresh clone -> pull."""
    sizes = [0, 1, packs.MAX_PACKED - 1, packs.MAX_PACKED, packs.MAX_PACKED + 1]
    files = {f"d/f{size}.bin": os.urandom(size) for size in sizes}
    files |= {f"alone{size}.bin": os.urandom(size) for size in sizes}
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"), "--default")
    _add_all(repo, files)
    _remove(repo, files)
    mlgit(repo, "checkout")
    assert _tracked(repo, files) == files
    assert "0 failed" in mlgit(repo, "push").out
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    mlgit(clone, "pull")
    assert _tracked(clone, files) == files


# -- property: any mix of sizes, packed and loose, round-trips -------------------------------

SMALL_THRESHOLD = 64
"""packs.MAX_PACKED while the property runs (the CLI runs in this process), so that loose
objects cost bytes, not megabytes."""

_contents = st.one_of(st.just(b""), st.binary(min_size=SMALL_THRESHOLD - 1,
                                              max_size=SMALL_THRESHOLD + 1),
                      st.binary(max_size=3 * SMALL_THRESHOLD))
_names = st.text("abcxyz", min_size=1, max_size=4)
# {relative path: content}: top-level files and files in one or two folders
_trees = st.dictionaries(st.tuples(st.sampled_from(["", "d/", "d/e/", "f/"]), _names)
                         .map(lambda t: t[0] + t[1] + ".bin"), _contents,
                         min_size=1, max_size=8)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=_trees, link=st.sampled_from(["copy", "hardlink"]))
def test_any_mix_of_sizes_round_trips(files: dict[str, bytes], link: str,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Small objects are packed (under cache.link copy) or loose (hardlink), larger ones are
    loose; the empty object is implicit."""
    monkeypatch.setattr(packs, "MAX_PACKED", SMALL_THRESHOLD)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        repo = base / "repo"
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        run(repo, "init")
        run(repo, "config", "cache.link", link)
        run(repo, "remote", "add", "origin", str(base / "remote"), "--default")
        make_tree(repo, files)
        run(repo, "add", *sorted({rel.split("/")[0] for rel in files}))
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "data")
        _remove(repo, files)
        run(repo, "checkout")
        assert _tracked(repo, files) == files
        assert "0 failed" in run(repo, "push").out
        clone = base / "clone"
        git(base, "clone", "-q", str(repo), str(clone))
        assert "0 failed" in run(clone, "pull").out
        assert _tracked(clone, files) == files
        assert run(clone, "status", "-q", code=None).code == 0
