"""workspace/scan.py: reading an artifact's files with a real state DB and object store in a
temp folder. Whether a file was hashed is seen from the outside: a file edited without any
change to its inode, mtime or size keeps its old oid when the state DB vouches for it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mlgit.errors import BadPath
from mlgit.fileio import TMP_SUFFIX
from mlgit.hashing import hash_bytes
from mlgit.storage.objects import LocalODB
from mlgit.storage.state import State
from mlgit.workspace.scan import FOREIGN, Scanned, files_of, remove_leftovers
from tests.conftest import write

LONG_AGO_NS = 10 * 1_000_000_000  # well outside the racy window


class Workspace:
    """A work tree with its own state DB and object store."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path / "work"
        self.root.mkdir()
        self.state = State(str(tmp_path / "state.db"))
        self.odb = LocalODB(str(tmp_path / "cache"), pack_small=False)

    def scan(self, rel: str, *, strict: bool = False, store: bool = False) -> Scanned:
        found = files_of(self.state, self.odb, str(self.root / rel), rel, strict=strict,
                         store=store, jobs=2)
        self.state.flush()
        return found

    def oids(self, rel: str, **kwargs: bool) -> dict[str, str]:
        return {key: fs[0] for key, fs in self.scan(rel, **kwargs).files.items()}


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


def age(path: Path, ns: int = LONG_AGO_NS) -> None:
    """Set the file's mtime `ns` before now."""
    then = time.time_ns() - ns
    os.utime(path, ns=(then, then))


def edit_unseen(path: Path, data: bytes) -> None:
    """Change the content without changing inode, size or mtime (what the state DB checks)."""
    st = path.stat()
    assert len(data) == st.st_size
    with path.open("r+b") as f:
        f.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_a_cold_scan_hashes_every_file(ws: Workspace) -> None:
    write(ws.root / "data" / "a.txt", "alpha")
    write(ws.root / "data" / "sub" / "deeper" / "b.txt", "beta")
    run = write(ws.root / "data" / "run.sh", "#!/bin/sh\n")
    run.chmod(0o755)
    found = ws.scan("data")
    assert found.files == {
        "a.txt": (hash_bytes(b"alpha"), 5, False),
        "sub/deeper/b.txt": (hash_bytes(b"beta"), 4, False),
        "run.sh": (hash_bytes(b"#!/bin/sh\n"), 10, True),
    }
    assert found.leftovers == []


def test_a_single_file_artifact_has_the_key_of_the_empty_path(ws: Workspace) -> None:
    write(ws.root / "model.bin", b"\x00\x01")
    assert ws.scan("model.bin").files == {"": (hash_bytes(b"\x00\x01"), 2, False)}


def test_a_warm_scan_takes_unchanged_files_from_the_state_db(ws: Workspace) -> None:
    a = write(ws.root / "data" / "a.txt", "alpha")
    b = write(ws.root / "data" / "b.txt", "bravo")
    age(a), age(b)
    first = ws.oids("data")
    edit_unseen(a, b"ALPHA")
    # not hashed again: the state DB vouches for the file as it is on disk
    assert ws.oids("data") == first


def test_a_changed_file_is_hashed_again_and_the_others_not(ws: Workspace) -> None:
    a = write(ws.root / "data" / "a.txt", "alpha")
    b = write(ws.root / "data" / "b.txt", "bravo")
    age(a), age(b)
    ws.scan("data")
    a.write_text("alpha, longer")
    edit_unseen(b, b"BRAVO")
    assert ws.oids("data") == {"a.txt": hash_bytes(b"alpha, longer"),
                               "b.txt": hash_bytes(b"bravo")}


def test_a_file_changed_within_the_racy_window_is_hashed_again(ws: Workspace) -> None:
    """A file whose mtime is as recent as the scan that recorded it could have been written
    again in the same clock tick: its record is not trusted."""
    a = write(ws.root / "data" / "a.txt", "alpha")
    ws.scan("data")  # mtime just now: a racy record
    edit_unseen(a, b"ALPHA")
    assert ws.oids("data") == {"a.txt": hash_bytes(b"ALPHA")}


def test_the_same_file_as_a_single_file_artifact_is_trusted_too(ws: Workspace) -> None:
    f = write(ws.root / "weights.bin", "0123")
    age(f)
    ws.scan("weights.bin")
    edit_unseen(f, b"3210")
    assert ws.oids("weights.bin") == {"": hash_bytes(b"0123")}


def test_leftover_temp_files_are_reported_and_left_in_place(ws: Workspace) -> None:
    write(ws.root / "data" / "a.txt", "alpha")
    dead = write(ws.root / "data" / f".a.txt.999999999-0{TMP_SUFFIX}", "half")
    nested = write(ws.root / "data" / "sub" / f".x.999999999-3{TMP_SUFFIX}", "half")
    alive = write(ws.root / "data" / f".b.txt.{os.getpid()}-0{TMP_SUFFIX}", "being written")
    found = ws.scan("data")
    assert sorted(found.leftovers) == sorted(map(str, (dead, nested, alive)))
    assert list(found.files) == ["a.txt"]
    assert dead.exists() and nested.exists() and alive.exists()
    remove_leftovers(found.leftovers)
    # only those whose writer is gone (this process is alive)
    assert not dead.exists() and not nested.exists() and alive.exists()


def test_two_scans_keep_their_findings_apart(ws: Workspace) -> None:
    write(ws.root / "one" / f".a.999999999-0{TMP_SUFFIX}", "x")
    write(ws.root / "two" / "b.txt", "b")
    first = ws.scan("one")
    second = ws.scan("two")
    assert len(first.leftovers) == 1 and second.leftovers == []


ODD_NAMES = ["with space", "ünïcödé", "-dash", "#hash", "back\\slash", "tab\tname",
             ".hidden", "name.mlgit", "line\nbreak", "*star?", " lead", "trail "]


def test_odd_names_are_read_as_they_are(ws: Workspace) -> None:
    for i, name in enumerate(ODD_NAMES):
        write(ws.root / "data" / name / name, str(i))
    found = ws.oids("data", strict=True)
    assert found == {f"{name}/{name}": hash_bytes(str(i).encode())
                     for i, name in enumerate(ODD_NAMES)}


def test_a_name_that_is_not_utf8_is_refused_when_adding(ws: Workspace) -> None:
    (ws.root / "data").mkdir()
    with open(os.fsencode(ws.root / "data") + b"/caf\xe9", "wb") as f:
        f.write(b"latin-1")
    with pytest.raises(BadPath, match="not valid UTF-8"):
        ws.scan("data", strict=True)
    assert list(ws.oids("data")) == [os.fsdecode(b"caf\xe9")]  # status still sees it


@pytest.mark.parametrize("reserved", [".git", ".mlgit"])
def test_a_git_or_mlgit_entry_inside_is_always_refused(ws: Workspace, reserved: str) -> None:
    write(ws.root / "data" / reserved / "config", "x")
    for strict in (True, False):
        with pytest.raises(BadPath, match=f"a {reserved} entry cannot be inside"):
            ws.scan("data", strict=strict)


def test_a_foreign_symlink_is_refused_when_adding_and_matches_nothing_otherwise(
        ws: Workspace) -> None:
    write(ws.root / "elsewhere.txt", "x")
    write(ws.root / "data" / "a.txt", "alpha")
    os.symlink("../elsewhere.txt", ws.root / "data" / "link")
    with pytest.raises(BadPath, match="symbolic links inside tracked data"):
        ws.scan("data", strict=True)
    assert ws.oids("data")["link"] == FOREIGN


def test_storing_puts_every_object_in_the_cache(ws: Workspace) -> None:
    a = write(ws.root / "data" / "a.txt", "alpha")
    write(ws.root / "data" / "b.txt", "bravo")
    age(a)
    oids = ws.oids("data", store=True)
    ws.odb.finish()
    assert ws.odb.missing(oids.values()) == set()
    assert ws.odb.read_verified(oids["a.txt"]) == b"alpha"


def test_a_vouched_file_whose_object_is_gone_is_stored_again(ws: Workspace) -> None:
    a = write(ws.root / "data" / "a.txt", "alpha")
    age(a)
    oid = ws.oids("data", store=True)["a.txt"]
    os.chmod(ws.odb.path(oid), 0o644)
    os.unlink(ws.odb.path(oid))
    assert ws.oids("data", store=True) == {"a.txt": oid}
    assert ws.odb.missing([oid]) == set()


@pytest.mark.slow
def test_a_large_folder_scanned_in_parts_reports_every_leftover(ws: Workspace) -> None:
    """Large folders are split between processes (scan_workers): the leftovers found in
    each part come back with the scan's result."""
    for part in ("p0", "p1"):
        for i in range(2000):
            write(ws.root / "big" / part / f"{i}.txt", f"{part}-{i}")
    for path in (ws.root / "big").rglob("*.txt"):
        age(path)
    cold = ws.scan("big")
    leftovers = [write(ws.root / "big" / part / f".x.999999999-0{TMP_SUFFIX}", "half")
                 for part in ("p0", "p1")]
    warm = ws.scan("big")
    assert warm.files == cold.files and len(warm.files) == 4000
    assert sorted(warm.leftovers) == sorted(map(str, leftovers))
