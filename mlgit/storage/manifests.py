"""Directory manifests: the object that describes a tracked directory. Spec: docs/formats.md.

Canonical JSON, entries sorted by path, so the same tree always has the same oid. Stored
column-wise (paths, oids, sizes, exec flags) so a 100k-entry manifest is parsed and
validated with a handful of bulk checks instead of per-entry Python work.
"""

from __future__ import annotations

import itertools
import json
import operator
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from mlgit.errors import BadManifest, MlgitError
from mlgit.hashing import hash_bytes
from mlgit.paths import check_relpath
from mlgit.storage.objects import CorruptObject

if TYPE_CHECKING:
    from mlgit.storage.objects import LocalODB

MANIFEST_VERSION = 1
_OIDS_RE = re.compile(r"(?:[0-9a-f]{32})*")
# Same rule as paths.check_relpath, applied to all paths at once (one per line).
_SUSPECT_LINE = re.compile(r"(?:^|/)(?:\.{0,2}|\.git|\.mlgit)(?:/|$)|\x00", re.MULTILINE)


class Entry(NamedTuple):
    path: str
    oid: str
    size: int
    exec: bool = False


class Manifest:
    """Column-wise entries: paths[i] has content oids[i] of sizes[i] bytes."""

    __slots__ = ("execs", "oids", "paths", "sizes")

    def __init__(self, paths: list[str], oids: list[str], sizes: list[int],
                 execs: list[bool]) -> None:
        self.paths, self.oids, self.sizes, self.execs = paths, oids, sizes, execs

    @classmethod
    def from_entries(cls, entries: list[Entry]) -> Manifest:
        entries = sorted(entries, key=lambda e: e.path)
        return cls([e.path for e in entries], [e.oid for e in entries],
                   [e.size for e in entries], [e.exec for e in entries])

    @classmethod
    def from_states(cls, files: Mapping[str, tuple[str, int, bool]]) -> Manifest:
        """From {path: (oid, size, exec)}: four columns, no object per entry."""
        paths = sorted(files)
        states = [files[p] for p in paths]
        return cls(paths, [s[0] for s in states], [s[1] for s in states],
                   [s[2] for s in states])

    def __len__(self) -> int:
        return len(self.paths)

    @property
    def size(self) -> int:
        return sum(self.sizes)

    def entries(self) -> Iterator[Entry]:
        for row in zip(self.paths, self.oids, self.sizes, self.execs, strict=True):
            yield Entry(*row)

    def oid_by_path(self) -> dict[str, str]:
        return dict(zip(self.paths, self.oids, strict=True))


def dumps(manifest: Manifest) -> bytes:
    """The canonical JSON form, column by column (no whole-document string beside the
    bytes: the paths column of a million entries is tens of MB)."""
    columns: list[list[Any]] = [manifest.paths, manifest.oids, manifest.sizes,
                                manifest.execs]
    if not _ascending(manifest.paths):
        order = sorted(range(len(manifest.paths)), key=manifest.paths.__getitem__)
        columns = [[column[i] for i in order] for column in columns]
    out = [b'{"version":%d' % MANIFEST_VERSION]
    for name, column in zip(_COLUMNS, columns, strict=True):
        out += [b',"%s":' % name, json.dumps(column, ensure_ascii=False,
                                             separators=(",", ":")).encode("utf-8")]
    out.append(b"}")
    return b"".join(out)


_COLUMNS = (b"paths", b"oids", b"sizes", b"exec")


def _ascending(paths: list[str]) -> bool:
    return all(map(operator.lt, paths, itertools.islice(paths, 1, None)))


def manifest_oid(data: bytes) -> str:
    return hash_bytes(data)


class ManifestUnavailable(MlgitError):
    """A directory manifest that the cache cannot provide (see load): not there
    (ManifestMissing), or corrupt there (ManifestCorrupt). Each command says what that means
    for it; these messages are for a caller that does not."""


class ManifestMissing(ManifestUnavailable):
    def __init__(self, oid: str, origin: str) -> None:
        super().__init__(f"{origin}: directory manifest {oid[:12]} is not in the cache",
                         "fetch it with 'mlgit fetch', or add the directory again")


class ManifestCorrupt(ManifestUnavailable):
    def __init__(self, corrupt: CorruptObject, origin: str) -> None:
        super().__init__(f"{origin}: directory manifest {corrupt}",
                         "fetch it again with 'mlgit fetch', or add the directory again")
        self.corrupt = corrupt  # set aside already, if it could be


def load(odb: LocalODB, oid: str, origin: str) -> Manifest:
    """The manifest object `oid` from the store, verified and validated. Raises
    ManifestMissing, ManifestCorrupt (after setting the copy aside) or BadManifest."""
    try:
        raw = odb.read_verified(oid)
    except FileNotFoundError:
        raise ManifestMissing(oid, origin) from None
    except CorruptObject as exc:
        raise ManifestCorrupt(exc, origin) from None
    return loads(raw, origin)


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
    columns = [doc.get(k) for k in ("paths", "oids", "sizes", "exec")]
    lists = [c for c in columns if isinstance(c, list)]
    if len(lists) != 4 or len({len(c) for c in lists}) != 1:
        raise BadManifest(f"{origin}: directory manifest columns are missing or uneven")
    paths, oids, sizes, execs = lists
    _check_paths(paths, origin)
    _check_values(oids, sizes, execs, origin)
    return Manifest(paths, oids, sizes, execs)


def _check_paths(paths: list[Any], origin: str) -> None:
    if not all(type(p) is str and p for p in paths):
        raise BadManifest(f"{origin}: manifest has a path that is not a non-empty string")
    if _SUSPECT_LINE.search("\n".join(paths)):
        for p in paths:  # find and name the offending one
            try:
                clean = check_relpath(p, f"{origin}: manifest entry")
            except MlgitError as exc:
                raise BadManifest(exc.message, "the manifest is unsafe; it was not used") from None
            if clean != p:
                raise BadManifest(f"{origin}: manifest path {p!r} is not in canonical form")
    unique = set(paths)
    if len(unique) != len(paths):
        raise BadManifest(f"{origin}: manifest lists a path twice")
    folders = {p.rpartition("/")[0] for p in paths} - {""}
    for folder in list(folders):
        while "/" in folder:
            folder = folder.rpartition("/")[0]
            folders.add(folder)
    clash = folders & unique
    if clash:
        raise BadManifest(f"{origin}: manifest has {min(clash)!r} as both file and folder")


def _check_values(oids: list[Any], sizes: list[Any], execs: list[Any], origin: str) -> None:
    if not all(type(o) is str for o in oids) or not _OIDS_RE.fullmatch("".join(oids)) \
            or any(len(o) != 32 for o in oids):
        raise BadManifest(f"{origin}: manifest has an oid that is not 32 lowercase hex digits")
    if not all(type(s) is int and s >= 0 for s in sizes):
        raise BadManifest(f"{origin}: manifest has a size that is not a non-negative integer")
    if not all(type(x) is bool for x in execs):
        raise BadManifest(f"{origin}: manifest has an exec flag that is not true/false")
