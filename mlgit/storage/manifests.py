"""Directory manifests: the object that describes a tracked directory. Spec: docs/formats.md.

Canonical JSON, entries sorted by path, so the same tree always has the same oid. Stored
column-wise (paths, oids, sizes, exec flags) so a 100k-entry manifest is parsed and
validated with a handful of bulk checks instead of per-entry Python work.
"""

from __future__ import annotations

import bisect
import itertools
import json
import operator
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from mlgit.errors import BadManifest, MlgitError
from mlgit.hashing import hash_bytes
from mlgit.paths import RESERVED, check_relpath
from mlgit.storage import manifest_columns as columns
from mlgit.storage.objects import CorruptObject

if TYPE_CHECKING:
    from mlgit.storage.objects import LocalODB

MANIFEST_VERSION = 1
_HEX_DIGITS = "0123456789abcdef"
_SUSPECT = ("//", "/./", "/../", "\0", *(f"/{name}/" for name in sorted(RESERVED)))
"""Parts of the paths joined by "/" (and wrapped in it) that show an empty, ".", ".." or
reserved component, or a NUL: the rule of paths.check_relpath, for all paths at once (a
few substring searches instead of a regular expression: 2 s less at a million paths)."""


def _suspect(joined: str) -> bool:
    return any(part in joined for part in _SUSPECT)


class Entry(NamedTuple):
    path: str
    oid: str
    size: int
    exec: bool = False


class Manifest:
    """Column-wise entries: paths[i] has content oids[i] of sizes[i] bytes. Built for
    writing, the columns are lists; read from the store, compact columns
    (manifest_columns.py) that make a string of a path or an oid only when asked."""

    __slots__ = ("execs", "oids", "paths", "sizes")

    def __init__(self, paths: Sequence[str], oids: Sequence[str], sizes: Sequence[int],
                 execs: Sequence[bool]) -> None:
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
    cols: list[Sequence[Any]] = [manifest.paths, manifest.oids, manifest.sizes,
                                 manifest.execs]
    cols = [c if isinstance(c, list) else list(c) for c in cols]  # json needs lists
    if not _ascending(cols[0]):
        order = sorted(range(len(cols[0])), key=cols[0].__getitem__)
        cols = [[column[i] for i in order] for column in cols]
    out = [b'{"version":%d' % MANIFEST_VERSION]
    for name, column in zip(_COLUMNS, cols, strict=True):
        out += [b',"%s":' % name, json.dumps(column, ensure_ascii=False,
                                             separators=(",", ":")).encode("utf-8")]
    out.append(b"}")
    return b"".join(out)


_COLUMNS = (b"paths", b"oids", b"sizes", b"exec")


def _ascending(paths: Sequence[str]) -> bool:
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
    """Parse an untrusted manifest; refuses entries that would escape the directory. The
    result holds compact columns (manifest_columns.py), sorted by path."""
    manifest = _columns_one_by_one(raw, origin)
    return manifest if manifest is not None else _whole_document(raw, origin)


_HEAD = b'{"version":%d,"paths":' % MANIFEST_VERSION
_SEPARATORS = (b',"oids":', b',"sizes":', b',"exec":')


def _columns_one_by_one(raw: bytes, origin: str) -> Manifest | None:
    """The manifest in the canonical layout (dumps), each column parsed and made compact
    before the next is parsed, so that a million entries never exist as Python strings all
    at once; None for any other layout or order (then the whole document is parsed). A bare
    quote is never inside a JSON string, so each separator found is the key it looks like,
    and four pieces that each parse whole are the document's values."""
    if not raw.startswith(_HEAD) or not raw.endswith(b"}"):
        return None
    cuts = [len(_HEAD)]
    for sep in _SEPARATORS:
        at = raw.find(b"]" + sep, cuts[-1])
        if at < 0:
            return None
        cuts += [at + 1, at + 1 + len(sep)]
    cuts.append(len(raw) - 1)
    try:
        paths = json.loads(raw[cuts[0]:cuts[1]])
        if not isinstance(paths, list) or not _check_paths(paths, origin):
            return None
        compact = columns.Paths.of(paths)
        del paths
        oids, sizes, execs = (json.loads(raw[cuts[i]:cuts[i + 1]]) for i in (2, 4, 6))
        if not all(isinstance(c, list) and len(c) == len(compact)
                   for c in (oids, sizes, execs)):
            return None
        _check_values(oids, sizes, execs, origin)
        return Manifest(compact, columns.Oids.of(oids), _sizes(sizes, origin), execs)
    except (ValueError, UnicodeDecodeError, BadManifest):
        return None  # the whole document's parse says what is wrong, in its order


def _whole_document(raw: bytes, origin: str) -> Manifest:
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadManifest(f"{origin}: directory manifest is not valid JSON",
                          "the cache object is damaged: fetch it again or re-add the directory"
                          ) from None
    if not isinstance(doc, dict) or doc.get("version") != MANIFEST_VERSION:
        raise BadManifest(f"{origin}: unsupported directory manifest format",
                          "upgrade mlgit, or re-add the directory")
    cols = [doc.get(k) for k in ("paths", "oids", "sizes", "exec")]
    lists = [c for c in cols if isinstance(c, list)]
    if len(lists) != 4 or len({len(c) for c in lists}) != 1:
        raise BadManifest(f"{origin}: directory manifest columns are missing or uneven")
    paths, oids, sizes, execs = lists
    ascending = _check_paths(paths, origin)
    _check_values(oids, sizes, execs, origin)
    if not ascending:  # allowed (formats.md); held sorted, as written
        order = sorted(range(len(paths)), key=paths.__getitem__)
        paths, oids, sizes, execs = ([c[i] for i in order] for c in lists)
    return Manifest(columns.Paths.of(paths), columns.Oids.of(oids), _sizes(sizes, origin),
                    execs)


def memo_of(manifest: Manifest) -> columns.Memo:
    """A manifest read by loads as plain strings and bytes (marshal): the repository's memo
    (Repo.manifest), read back with columns.from_memo."""
    paths, oids, sizes = (columns.Paths.of(manifest.paths), columns.Oids.of(manifest.oids),
                          manifest.sizes)
    return columns.to_memo(paths, oids, sizes if isinstance(sizes, columns.Sizes)
                           else columns.Sizes(sizes), manifest.execs)


def _sizes(sizes: list[int], origin: str) -> columns.Sizes:
    try:
        return columns.Sizes(sizes)
    except OverflowError:
        raise BadManifest(f"{origin}: manifest has a size too large for a file") from None


def _check_paths(paths: list[Any], origin: str) -> bool:
    """Raises BadManifest for an unsafe, repeated or clashing path; returns whether the
    paths are in ascending order."""
    if not all(type(p) is str and p for p in paths):
        raise BadManifest(f"{origin}: manifest has a path that is not a non-empty string")
    if _suspect("/" + "/".join(paths) + "/"):
        for p in paths:  # find and name the offending one
            try:
                clean = check_relpath(p, f"{origin}: manifest entry")
            except MlgitError as exc:
                raise BadManifest(exc.message, "the manifest is unsafe; it was not used") from None
            if clean != p:
                raise BadManifest(f"{origin}: manifest path {p!r} is not in canonical form")
    ascending = _ascending(paths)
    ordered = paths if ascending else sorted(paths)
    # sorted: a path listed twice has its copy beside it, and a file is found by bisection
    if any(map(operator.eq, ordered, itertools.islice(ordered, 1, None))):
        raise BadManifest(f"{origin}: manifest lists a path twice")
    folders = {p.rpartition("/")[0] for p in ordered} - {""}
    for folder in list(folders):
        while "/" in folder:
            folder = folder.rpartition("/")[0]
            folders.add(folder)
    clash = [f for f in folders if _holds(ordered, f)]
    if clash:
        raise BadManifest(f"{origin}: manifest has {min(clash)!r} as both file and folder")
    return ascending


def _holds(ordered: list[str], path: str) -> bool:
    i = bisect.bisect_left(ordered, path)
    return i < len(ordered) and ordered[i] == path


def _check_values(oids: list[Any], sizes: list[Any], execs: list[Any], origin: str) -> None:
    # (a regular expression over the joined oids would keep a backtracking record per oid)
    if not all(type(o) is str for o in oids) or any(len(o) != 32 for o in oids) \
            or "".join(oids).strip(_HEX_DIGITS):
        raise BadManifest(f"{origin}: manifest has an oid that is not 32 lowercase hex digits")
    if not all(type(s) is int and s >= 0 for s in sizes):
        raise BadManifest(f"{origin}: manifest has a size that is not a non-negative integer")
    if not all(type(x) is bool for x in execs):
        raise BadManifest(f"{origin}: manifest has an exec flag that is not true/false")
