"""workspace/switch.py: which files of a folder a branch switch must look at."""

from __future__ import annotations

from mlgit.storage.manifests import Entry, Manifest
from mlgit.workspace.switch import differing

A, B = "a" * 32, "b" * 32


def _manifest(*entries: tuple[str, str, bool]) -> Manifest:
    return Manifest.from_entries([Entry(p, oid, 1, exe) for p, oid, exe in entries])


def test_same_files_with_some_edited() -> None:
    before = _manifest(("x", A, False), ("y", A, False), ("z", A, False))
    after = _manifest(("x", A, False), ("y", B, False), ("z", A, True))
    assert differing(before, after) == {"y", "z"}


def test_files_added_and_removed() -> None:
    before = _manifest(("keep", A, False), ("old", A, False), ("sub/moved", B, False))
    after = _manifest(("keep", A, False), ("new", A, False), ("sub/moved2", B, False))
    assert differing(before, after) == {"old", "new", "sub/moved", "sub/moved2"}
    assert differing(after, before) == {"old", "new", "sub/moved", "sub/moved2"}


def test_nothing_differs() -> None:
    same = _manifest(("x", A, False))
    assert differing(same, _manifest(("x", A, False))) == set()
    assert differing(_manifest(), _manifest()) == set()
