"""The state DB: (path, inode, mtime, size) -> oid, so an unchanged file is never hashed twice.

An entry is trusted only when the file's mtime is older than the moment it was hashed by more
than the filesystem's timestamp granularity; otherwise a write in the same clock tick could
go unnoticed ("racy" entries are simply hashed again next time, as Git does).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable
from typing import NamedTuple

RACY_NS = 50_000_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS state (
    path TEXT PRIMARY KEY, inode INTEGER, mtime_ns INTEGER, size INTEGER,
    oid TEXT, recorded_ns INTEGER
) WITHOUT ROWID
"""


class Known(NamedTuple):
    inode: int
    mtime_ns: int
    size: int
    oid: str
    recorded_ns: int


class State:
    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self._conn: sqlite3.Connection | None = None
        self._pending: list[tuple[str, int, int, int, str, int]] = []

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            os.makedirs(os.path.dirname(self.db_path), exist_ok=True)
            conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(_SCHEMA)
            self._conn = conn
        return self._conn

    def under(self, rel: str) -> dict[str, Known]:
        """Every entry for `rel` itself and for paths inside it."""
        rows = self._db().execute(
            "SELECT path, inode, mtime_ns, size, oid, recorded_ns FROM state"
            " WHERE path = ? OR (path >= ? AND path < ?)",
            (rel, rel + "/", rel + "0"),
        )
        return {r[0]: Known(*r[1:]) for r in rows}

    def get(self, rel: str) -> Known | None:
        row = self._db().execute(
            "SELECT inode, mtime_ns, size, oid, recorded_ns FROM state WHERE path = ?", (rel,)
        ).fetchone()
        return Known(*row) if row else None

    def remember(self, rel: str, st: os.stat_result, oid: str, now_ns: int | None = None) -> None:
        recorded = now_ns if now_ns is not None else time.time_ns()
        self._pending.append((rel, st.st_ino, st.st_mtime_ns, st.st_size, oid, recorded))

    def remember_many(self, rows: Iterable[tuple[str, os.stat_result, str]]) -> None:
        now = time.time_ns()
        for rel, st, oid in rows:
            self.remember(rel, st, oid, now)

    def flush(self) -> None:
        if not self._pending:
            return
        db = self._db()
        db.execute("BEGIN")
        db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?, ?, ?, ?, ?)", self._pending)
        db.execute("COMMIT")
        self._pending.clear()

    def close(self) -> None:
        self.flush()
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def fresh_oid(known: Known | None, st: os.stat_result) -> str | None:
    """The recorded oid if the file is provably unchanged since it was hashed, else None."""
    if known is None:
        return None
    if (known.inode, known.mtime_ns, known.size) != (st.st_ino, st.st_mtime_ns, st.st_size):
        return None
    if st.st_mtime_ns >= known.recorded_ns - RACY_NS:
        return None
    return known.oid
