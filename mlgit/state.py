"""The state DB: (path, inode, mtime, size) -> oid, so an unchanged file is never hashed twice.

Rows are per folder (a marshalled {name: entry} blob), so learning about a 20k-file tree is a
few hundred row reads rather than 20k Python row objects.

An entry is trusted only when the file's mtime is older than the moment it was looked at by
more than the filesystem's timestamp granularity; otherwise a write in the same clock tick
could go unnoticed ("racy" entries are simply hashed again next time, as Git does).
"""

from __future__ import annotations

import contextlib
import errno
import marshal
import os
import sqlite3
import time
from collections.abc import Callable
from typing import NamedTuple, TypeVar

RACY_NS = 50_000_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS dirs (dir TEXT PRIMARY KEY, entries BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS complete (oid TEXT PRIMARY KEY, stamp BLOB) WITHOUT ROWID;
"""


class Known(NamedTuple):
    inode: int
    mtime_ns: int
    size: int
    oid: str
    recorded_ns: int


Entry = tuple[int, int, int, str, int]
"""Same shape as Known; plain tuples are what the DB hands back."""

Lookup = dict[str, dict[str, Entry]]
"""folder rel path ("" for the root) -> file name -> entry."""


def split(rel: str) -> tuple[str, str]:
    folder, _, name = rel.rpartition("/")
    return folder, name


_DAMAGED = {"SQLITE_NOTADB", "SQLITE_CORRUPT"}
T = TypeVar("T")


class State:
    def __init__(self, db_path: str, warn: Callable[[str], None] | None = None) -> None:
        self.db_path = db_path
        self._conn: sqlite3.Connection | None = None
        self._pending: Lookup = {}
        self._warn = warn
        self._rebuilt = False

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._use(self._open)
        return self._conn

    def _open(self) -> sqlite3.Connection:
        os.makedirs(os.path.dirname(self.db_path), exist_ok=True)
        conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
        except BaseException:
            conn.close()
            raise
        return conn

    def _use(self, fn: Callable[[], T]) -> T:
        """fn(), rebuilding the DB once if it turns out to be damaged: it is only a cache of
        hashes, so a damaged one is deleted and started afresh (with one warning)."""
        try:
            return fn()
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL":
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.db_path) from exc
            if self._rebuilt or not self._damaged(exc):
                raise
            self._rebuild(exc)
            return fn()

    def _damaged(self, exc: sqlite3.DatabaseError) -> bool:
        name = getattr(exc, "sqlite_errorname", "")
        if name in _DAMAGED:
            return True
        # A folder (or another non-file) where the DB should be cannot be opened.
        return name == "SQLITE_CANTOPEN" and os.path.lexists(self.db_path) \
            and not os.path.isfile(self.db_path)

    def _rebuild(self, exc: sqlite3.DatabaseError) -> None:
        import shutil

        self._rebuilt = True
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        for path in (self.db_path, self.db_path + "-wal", self.db_path + "-shm"):
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            elif os.path.lexists(path):
                os.unlink(path)
        if self._warn is not None:
            name = os.path.basename(os.path.dirname(self.db_path))
            self._warn(f".mlgit/{name}/{os.path.basename(self.db_path)} was damaged ({exc});"
                       " rebuilt it (it only remembers file hashes, so files are hashed"
                       " again once)")
        self._conn = self._open()

    def under(self, rel: str) -> Lookup:
        """Entries for `rel` itself (from its folder's row) and for every folder inside it."""
        folder = split(rel)[0]

        def query() -> list[tuple[str, bytes]]:
            return self._db().execute(
                "SELECT dir, entries FROM dirs WHERE dir = ? OR dir = ?"
                " OR (dir >= ? AND dir < ?)", (folder, rel, rel + "/", rel + "0")).fetchall()

        return {d: marshal.loads(blob) for d, blob in self._use(query)}

    def get(self, rel: str) -> Known | None:
        folder, name = split(rel)
        entry = self.under(rel).get(folder, {}).get(name)
        return Known(*entry) if entry else None

    def remember(self, rel: str, st: os.stat_result, oid: str, now_ns: int | None = None) -> None:
        """Record that the file at `rel`, as `st` describes it, has content `oid`. `now_ns`
        must not be later than the moment `st` was taken."""
        folder, name = split(rel)
        recorded = now_ns if now_ns is not None else time.time_ns()
        self._pending.setdefault(folder, {})[name] = (
            st.st_ino, st.st_mtime_ns, st.st_size, oid, recorded)

    def complete_stamp(self, oid: str) -> bytes | None:
        """The cache stamp at which every object of directory `oid` was last seen present."""
        row = self._use(lambda: self._db().execute(
            "SELECT stamp FROM complete WHERE oid = ?", (oid,)).fetchone())
        return bytes(row[0]) if row else None

    def set_complete_stamp(self, oid: str, stamp: bytes) -> None:
        self._use(lambda: self._db().execute("INSERT OR REPLACE INTO complete VALUES (?, ?)",
                                             (oid, stamp)))

    def flush(self) -> None:
        if not self._pending:
            return
        self._use(self._flush)

    def _flush(self) -> None:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            folders = list(self._pending)
            stored: dict[str, bytes] = {}
            for i in range(0, len(folders), 500):  # SQLite caps bound parameters
                batch = folders[i:i + 500]
                marks = ",".join("?" * len(batch))
                stored.update(db.execute(
                    f"SELECT dir, entries FROM dirs WHERE dir IN ({marks})", batch))
            rows = []
            for folder, entries in self._pending.items():
                merged = marshal.loads(stored[folder]) if folder in stored else {}
                merged.update(entries)
                rows.append((folder, marshal.dumps(merged)))
            db.executemany("INSERT OR REPLACE INTO dirs VALUES (?, ?)", rows)
            db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise
        self._pending.clear()

    def close(self) -> None:
        self.flush()
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def lookup(known: Lookup, rel: str) -> Entry | None:
    folder, name = split(rel)
    entries = known.get(folder)
    return entries.get(name) if entries else None


def fresh_oid(known: Entry | Known | None, st: os.stat_result) -> str | None:
    """The recorded oid if the file is provably unchanged since it was hashed, else None."""
    if known is None:
        return None
    inode, mtime_ns, size, oid, recorded_ns = known
    if inode != st.st_ino or mtime_ns != st.st_mtime_ns or size != st.st_size \
            or mtime_ns >= recorded_ns - RACY_NS:
        return None
    return oid
