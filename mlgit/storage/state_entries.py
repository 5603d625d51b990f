"""What the state DB records for a file, and when that record can be trusted: an entry is
(inode, mtime, size, oid, when it was recorded), kept per folder as a marshalled {name:
entry} row. An entry is trusted only when the file's mtime is older than the moment it was
looked at by more than the filesystem's timestamp granularity; otherwise a write in the same
clock tick could go unnoticed ("racy" entries are hashed again next time, as Git does)."""

from __future__ import annotations

import marshal
import os
from typing import NamedTuple

RACY_NS = 50_000_000


class Known(NamedTuple):
    inode: int
    mtime_ns: int
    size: int
    oid: str
    recorded_ns: int


KnownRow = tuple[int, int, int, str, int]
"""Same shape as Known; plain tuples are what the DB hands back."""

Lookup = dict[str, dict[str, KnownRow]]
"""folder rel path ("" for the root) -> file name -> entry."""

Rows = dict[str, bytes]
"""folder rel path -> its {file name: entry}, still marshalled: a scan decodes only the
folders it visits (so worker processes each decode their own share; see entries_in)."""

MIN_ENTRY_BYTES = 30
"""No marshalled entry is shorter (a one-letter name, and a tuple whose values all repeat
earlier ones): the length of a folder's row divided by this is at least how many files it
records (real rows hold 70-90 bytes per file)."""

Placed = dict[str, list[tuple[str, str]]]
"""artifact rel path -> the (kind, oid) versions of it that mlgit put in the work tree."""


class Stat(tuple[int, int, int, int]):
    """The four fields of an `lstat` a scan keeps (st_ino, st_mtime_ns, st_size, st_mode):
    each stale file a scan finds waits in memory until it is hashed, and a whole
    os.stat_result (with its float times) costs several times as much, a million times over
    on a first add."""

    __slots__ = ()

    @property
    def st_ino(self) -> int:
        return self[0]

    @property
    def st_mtime_ns(self) -> int:
        return self[1]

    @property
    def st_size(self) -> int:
        return self[2]

    @property
    def st_mode(self) -> int:
        return self[3]


def slim(st: os.stat_result) -> Stat:
    return Stat((st.st_ino, st.st_mtime_ns, st.st_size, st.st_mode))


AnyStat = os.stat_result | Stat


def split(rel: str) -> tuple[str, str]:
    folder, _, name = rel.rpartition("/")
    return folder, name


def entries_in(rows: Rows, folder: str) -> dict[str, KnownRow]:
    """The entries of the files directly in `folder`, from rows_under()."""
    row = rows.get(folder)
    return marshal.loads(row) if row else {}


def lookup(rows: Rows, rel: str) -> KnownRow | None:
    folder, name = split(rel)
    return entries_in(rows, folder).get(name)


def fresh_oid(known: KnownRow | Known | None, st: AnyStat) -> str | None:
    """The recorded oid if the file is provably unchanged since it was hashed, else None."""
    if known is None:
        return None
    inode, mtime_ns, size, oid, recorded_ns = known
    if inode != st.st_ino or mtime_ns != st.st_mtime_ns or size != st.st_size \
            or mtime_ns >= recorded_ns - RACY_NS:
        return None
    return oid


