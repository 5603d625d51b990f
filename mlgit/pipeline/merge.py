"""Three-way merges of mlgit's own files, for Git's merge driver (docs/history.md, "Merging"):
a pointer file merges as a whole value; mlgit.lock merges stage by stage, so stages that
only one side re-ran (or both re-ran to the same record) merge cleanly. What both sides
changed differently is a true conflict: both versions go between Git's conflict markers,
which `mlgit status` and every command reading the file then report with a hint."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlgit import pointer as pointer_mod
from mlgit.errors import MlgitError
from mlgit.pipeline.lockfile import SCHEMA, LockEntry, dumps, loads

LOCK_NAME = "mlgit.lock"
_HEADER = f"schema: {SCHEMA}\nstages:\n"


@dataclass
class Merged:
    """The merged text, and what could not be merged (stage names; the file for a
    pointer). `text` holds conflict markers exactly when `conflicts` is not empty."""

    text: bytes
    conflicts: list[str] = field(default_factory=list)


def merge_file(path: str, base: bytes, ours: bytes, theirs: bytes) -> Merged:
    """Merge the versions of the repo-relative `path` (a pointer file or an mlgit.lock)."""
    if ours == theirs or theirs == base:
        return Merged(ours)
    if ours == base:
        return Merged(theirs)
    if path.rpartition("/")[2] == LOCK_NAME:
        try:
            return _merge_lock(path, base, ours, theirs)
        except MlgitError:  # a side mlgit cannot read: leave both for a person
            return _whole_conflict(path, ours, theirs)
    return _merge_pointer(path, base, ours, theirs)


def _merge_pointer(path: str, base: bytes, ours: bytes, theirs: bytes) -> Merged:
    try:
        mine, other = pointer_mod.loads(ours, path), pointer_mod.loads(theirs, path)
        original = pointer_mod.loads(base, path) if base.strip() else None
    except MlgitError:
        return _whole_conflict(path, ours, theirs)
    if mine == other or other == original:
        return Merged(ours)
    if mine == original:
        return Merged(theirs)
    return _whole_conflict(path, ours, theirs)


def _whole_conflict(path: str, ours: bytes, theirs: bytes) -> Merged:
    return Merged(markers(ours, theirs), [path])


def markers(ours: bytes, theirs: bytes) -> bytes:
    """Both versions between Git's conflict markers."""
    def ended(text: bytes) -> bytes:
        return text if not text or text.endswith(b"\n") else text + b"\n"

    return (b"<<<<<<< ours\n" + ended(ours) + b"=======\n" + ended(theirs)
            + b">>>>>>> theirs\n")


def _merge_lock(path: str, base: bytes, ours: bytes, theirs: bytes) -> Merged:
    old = loads(base, path) if base.strip() else {}
    mine, other = loads(ours, path), loads(theirs, path)
    merged: dict[str, LockEntry] = {}
    conflicts: dict[str, tuple[LockEntry | None, LockEntry | None]] = {}
    for name in sorted({*old, *mine, *other}):
        was, a, b = old.get(name), mine.get(name), other.get(name)
        if a == b or b == was:
            chosen = a
        elif a == was:
            chosen = b
        else:
            conflicts[name] = (a, b)
            continue
        if chosen is not None:
            merged[name] = chosen
    text = dumps(merged, path)
    if not conflicts:
        return Merged(text.encode("utf-8", "surrogateescape"))
    if not merged:
        text = _HEADER
    blocks = "".join(markers(_block(name, a, path), _block(name, b, path)).decode(
        "utf-8", "surrogateescape") for name, (a, b) in conflicts.items())
    return Merged((text + blocks).encode("utf-8", "surrogateescape"), sorted(conflicts))


def _block(name: str, entry: LockEntry | None, path: str) -> bytes:
    """A stage's entry as it stands under `stages:` (nothing for a deleted entry)."""
    if entry is None:
        return b""
    return dumps({name: entry}, path).removeprefix(_HEADER).encode("utf-8", "surrogateescape")
