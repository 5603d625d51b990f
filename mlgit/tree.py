"""Directory manifests: the object that describes a tracked directory. Spec: docs/formats.md.

Canonical JSON, entries sorted by path, so the same tree always has the same oid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mlgit.errors import BadManifest, MlgitError
from mlgit.hashing import hash_bytes, is_oid
from mlgit.paths import check_relpath

MANIFEST_VERSION = 1


@dataclass(frozen=True, slots=True)
class Entry:
    path: str
    oid: str
    size: int
    exec: bool = False


@dataclass
class Manifest:
    entries: list[Entry]

    @property
    def size(self) -> int:
        return sum(e.size for e in self.entries)

    def by_path(self) -> dict[str, Entry]:
        return {e.path: e for e in self.entries}


def dumps(manifest: Manifest) -> bytes:
    entries = sorted(manifest.entries, key=lambda e: e.path)
    rows = [{"path": e.path, "oid": e.oid, "size": e.size, "exec": e.exec} for e in entries]
    doc = {"version": MANIFEST_VERSION, "entries": rows}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def manifest_oid(data: bytes) -> str:
    return hash_bytes(data)


def loads(raw: bytes, origin: str) -> Manifest:
    """Parse an untrusted manifest; refuses entries that would escape the directory."""
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadManifest(f"{origin}: directory manifest is not valid JSON",
                          "the cache object is damaged: fetch it again or re-add the directory"
                          ) from None
    if not isinstance(doc, dict) or doc.get("version") != MANIFEST_VERSION:
        raise BadManifest(f"{origin}: unsupported directory manifest format",
                          "upgrade mlgit, or re-add the directory")
    rows = doc.get("entries")
    if not isinstance(rows, list):
        raise BadManifest(f"{origin}: directory manifest has no entry list")
    entries = [_entry(row, origin) for row in rows]
    _check_unique(entries, origin)
    return Manifest(entries)


def _entry(row: Any, origin: str) -> Entry:
    if not isinstance(row, dict):
        raise BadManifest(f"{origin}: manifest entry {row!r} is not an object")
    try:
        path = check_relpath(row.get("path"), f"{origin}: manifest entry")
    except MlgitError as exc:
        raise BadManifest(exc.message, "the manifest is unsafe; it was not used") from None
    oid, size, exec_bit = row.get("oid"), row.get("size"), row.get("exec", False)
    if not is_oid(oid) or not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise BadManifest(f"{origin}: manifest entry {path!r} has a bad oid or size")
    if not isinstance(exec_bit, bool):
        raise BadManifest(f"{origin}: manifest entry {path!r} has a bad exec flag")
    assert isinstance(oid, str)
    return Entry(path, oid, size, exec_bit)


def _check_unique(entries: list[Entry], origin: str) -> None:
    seen: set[str] = set()
    for e in entries:
        if e.path in seen:
            raise BadManifest(f"{origin}: manifest lists {e.path!r} twice")
        seen.add(e.path)
    # A path that is both a file and a folder ("a" and "a/b") cannot be checked out.
    for e in entries:
        parent = e.path.rpartition("/")[0]
        while parent:
            if parent in seen:
                raise BadManifest(f"{origin}: manifest has {parent!r} as both file and folder")
            parent = parent.rpartition("/")[0]
