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
from collections.abc import Callable, Collection
from typing import TypeVar

from mlgit.paths import is_utf8
from mlgit.storage.state_entries import (
    AnyStat,
    Known,
    KnownRow,
    Lookup,
    Placed,
    Rows,
    Stat,
    split,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS dirs (dir TEXT PRIMARY KEY, entries BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS complete (oid TEXT PRIMARY KEY, stamp BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS placed (artifact TEXT, kind TEXT, oid TEXT,
                                   PRIMARY KEY (artifact, oid)) WITHOUT ROWID;
"""


def _remembering_nothing() -> sqlite3.Connection:
    """For a full disk or a read-only one (a project mounted read-only to look at it): work
    without remembering; files are hashed again next time."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(_SCHEMA)
    return conn


_DAMAGED = {"SQLITE_NOTADB", "SQLITE_CORRUPT"}
T = TypeVar("T")


def _full(exc: sqlite3.DatabaseError, db_path: str) -> bool:
    """Whether `exc` means the disk is full. SQLite says so plainly only while writing a
    page; growing the WAL index (the -shm file) on a full disk is a "disk I/O error"."""
    name = getattr(exc, "sqlite_errorname", "")
    if name == "SQLITE_FULL":
        return True
    if not name.startswith("SQLITE_IOERR"):
        return False
    try:
        st = os.statvfs(os.path.dirname(db_path))
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 1 << 16


class State:
    def __init__(self, db_path: str, warn: Callable[[str], None] | None = None) -> None:
        self.db_path = db_path
        self._conn: sqlite3.Connection | None = None
        self._pending: Lookup = {}
        self._packed: dict[str, list[bytes]] = {}  # pending entries, marshalled (compact)
        self._placed: list[tuple[str, str, str, bool]] = []  # (artifact, kind, oid, replace)
        self._warn = warn
        self._rebuilt = False
        self._decoded: dict[str, tuple[bytes, dict[str, KnownRow]]] = {}  # see entries

    def entries(self, rows: Rows, folder: str) -> dict[str, KnownRow]:
        """entries_in(rows, folder), kept so that a flush that updates the folder's row does
        not decode it again when it is still what was read (do not change the dict)."""
        raw = rows.get(folder)
        if not raw:
            return {}
        found: dict[str, KnownRow] = marshal.loads(raw)
        self._decoded[folder] = (raw, found)
        return found

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                self._conn = self._use(self._open)
            except OSError as exc:
                if exc.errno not in (errno.ENOSPC, errno.EROFS):
                    raise
                self._conn = _remembering_nothing()
            except sqlite3.OperationalError:
                if self._writable():
                    raise
                self._conn = _remembering_nothing()
        return self._conn

    def _writable(self) -> bool:
        return os.access(os.path.dirname(self.db_path), os.W_OK)

    def _open(self) -> sqlite3.Connection:
        os.makedirs(os.path.dirname(self.db_path), exist_ok=True)
        conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        try:  # the first statements read the file: a damaged one fails here
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
            if _full(exc, self.db_path):
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
            self._warn(f"{self._name()} was damaged ({exc}); rebuilt it (it only remembers"
                       " file hashes, so files are hashed again once)")
        self._conn = self._open()

    def _name(self) -> str:
        """The DB's path as the user knows it: .mlgit/tmp/state.db."""
        folder = os.path.basename(os.path.dirname(self.db_path))
        return f".mlgit/{folder}/{os.path.basename(self.db_path)}"

    def under(self, rel: str) -> Lookup:
        """Entries for `rel` itself (from its folder's row) and for every folder inside it."""
        return {d: marshal.loads(blob) for d, blob in self.rows_under(rel).items()}

    def rows_of(self, folders: Collection[str]) -> Rows:
        """The rows of exactly these folders (those recorded), still marshalled: a few files
        of a big folder need only their own folders' rows."""
        wanted = [f for f in folders if is_utf8(f)]

        def query() -> list[tuple[str, bytes]]:
            rows: list[tuple[str, bytes]] = []
            for i in range(0, len(wanted), 500):  # SQLite caps bound parameters
                batch = wanted[i:i + 500]
                rows += self._db().execute(
                    f"SELECT dir, entries FROM dirs WHERE dir IN ({','.join('?' * len(batch))})",
                    batch).fetchall()
            return rows

        return dict(self._use(query)) if wanted else {}

    def rows_under(self, rel: str) -> Rows:
        """under(), each folder's entries still marshalled (see entries_in)."""
        folder = split(rel)[0]
        if not is_utf8(rel):
            return {}  # a name that is not UTF-8 is never recorded (see flush)

        def query() -> list[tuple[str, bytes]]:
            return self._db().execute(
                "SELECT dir, entries FROM dirs WHERE dir = ? OR dir = ?"
                " OR (dir >= ? AND dir < ?)", (folder, rel, rel + "/", rel + "0")).fetchall()

        return dict(self._use(query))

    def get(self, rel: str) -> Known | None:
        folder, name = split(rel)
        entry = self.under(rel).get(folder, {}).get(name)
        return Known(*entry) if entry else None

    def remember(self, rel: str, st: AnyStat, oid: str, now_ns: int | None = None) -> None:
        """Record that the file at `rel`, as `st` describes it, has content `oid`. `now_ns`
        must not be later than the moment `st` was taken."""
        folder, _, name = rel.rpartition("/")  # (split's, without a call: a million times)
        recorded = now_ns if now_ns is not None else time.time_ns()
        if type(st) is Stat:  # a checkout records a million of these: no property calls
            ino, mtime_ns, size, _ = st
        else:
            ino, mtime_ns, size = st.st_ino, st.st_mtime_ns, st.st_size
        self._pending.setdefault(folder, {})[name] = (ino, mtime_ns, size, oid, recorded)

    def compact(self) -> None:
        """Hold what remember() was told so far marshalled, a third of the memory of the
        tuples, until flush writes it (a first add of a million files tells a million)."""
        for folder, entries in self._pending.items():
            self._packed.setdefault(folder, []).append(marshal.dumps(entries))
        self._pending.clear()

    def forget_folders(self, folders: Collection[str]) -> None:
        """Drop what remember() was told, and not yet written, about the files at or under
        `folders` (they did not reach the work tree after all)."""
        inside = tuple(f + "/" for f in folders)
        wanted = set(folders)
        for told in (self._pending, self._packed):
            for folder in [f for f in told if f in wanted or f.startswith(inside)]:
                del told[folder]

    def moved(self, src: str, dst: str) -> None:
        """The file or folder at `src` was renamed to `dst`: what is recorded for it (and for
        everything inside it) now describes `dst`, so it is not hashed again (a rename keeps
        a file's inode, mtime and size), and it counts as placed there by mlgit."""
        self.flush()
        src_folder, src_name = split(src)
        dst_folder, dst_name = split(dst)
        for folder, entries in self.under(src).items():
            if folder == src_folder:
                if src_name in entries:
                    self._pending.setdefault(dst_folder, {})[dst_name] = entries[src_name]
            elif folder == src or folder.startswith(src + "/"):
                self._pending.setdefault(dst + folder[len(src):], {}).update(entries)
        # what mlgit put there (so a branch switch that drops `dst` removes it, as it would
        # have removed `src`)
        versions = self.placed().get(src, [])
        self.forget_placed(src)
        for i, (kind, oid) in enumerate(versions):
            self.record_placed(dst, kind, oid, replace=i == 0)

    def complete_stamp(self, oid: str) -> bytes | None:
        """The cache stamp at which every object of directory `oid` was last seen present."""
        row = self._use(lambda: self._db().execute(
            "SELECT stamp FROM complete WHERE oid = ?", (oid,)).fetchone())
        return bytes(row[0]) if row else None

    def set_complete_stamp(self, oid: str, stamp: bytes) -> None:
        self._use(lambda: self._db().execute("INSERT OR REPLACE INTO complete VALUES (?, ?)",
                                             (oid, stamp)))

    def record_placed(self, rel: str, kind: str, oid: str, *, replace: bool) -> None:
        """Record that mlgit put version `oid` of the artifact at `rel` in the work tree
        (written on flush). `replace` drops the versions recorded before; without it, the
        version is added to them (a part of a folder, or a checkout that left files as is)."""
        self._placed.append((rel, kind, oid, replace))

    def forget_placed(self, rel: str) -> None:
        """Forget what mlgit put at `rel` (it no longer owns the files there)."""
        self._placed.append((rel, "", "", True))

    def placed(self) -> Placed:
        """What mlgit last put in the work tree, per artifact (see record_placed)."""
        rows = self._use(lambda: self._db().execute(
            "SELECT artifact, kind, oid FROM placed").fetchall())
        found: Placed = {}
        for rel, kind, oid in rows:
            found.setdefault(rel, []).append((kind, oid))
        return found

    def placed_at(self, rel: str) -> list[tuple[str, str]]:
        """The (kind, oid) versions of the artifact at `rel` that mlgit put in the work tree
        (see record_placed; those recorded but not yet flushed are not included)."""
        return self._use(lambda: self._db().execute(
            "SELECT kind, oid FROM placed WHERE artifact = ?", (rel,)).fetchall())

    def _write_placed(self, db: sqlite3.Connection) -> None:
        for rel, kind, oid, replace in self._placed:
            if replace:
                db.execute("DELETE FROM placed WHERE artifact = ?", (rel,))
            if oid:
                db.execute("INSERT OR REPLACE INTO placed VALUES (?, ?, ?)", (rel, kind, oid))

    def flush(self) -> None:
        for pending in (self._pending, self._packed):
            if not is_utf8("\0".join(pending)):
                # folders whose names are not UTF-8 (status of a tracked folder that gained
                # one): SQLite text cannot hold them, so their files are hashed each time
                for folder in [f for f in pending if not is_utf8(f)]:
                    del pending[folder]
        if not self._pending and not self._packed and not self._placed:
            return
        try:
            self._use(self._flush)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            # A full disk: this is only a cache, so the files are simply hashed again next
            # time (the command reports the full disk itself if it needed the space).
            self._pending.clear()
            self._packed.clear()

    def _flush(self) -> None:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            self._write_placed(db)
            folders = list({**self._packed, **self._pending})
            stored: dict[str, bytes] = {}
            for i in range(0, len(folders), 500):  # SQLite caps bound parameters
                batch = folders[i:i + 500]
                marks = ",".join("?" * len(batch))
                stored.update(db.execute(
                    f"SELECT dir, entries FROM dirs WHERE dir IN ({marks})", batch))
            rows = []
            for folder in folders:
                merged = self._stored_entries(folder, stored.get(folder))
                for blob in self._packed.get(folder, ()):
                    merged.update(marshal.loads(blob))
                merged.update(self._pending.get(folder, {}))
                rows.append((folder, marshal.dumps(merged)))
            db.executemany("INSERT OR REPLACE INTO dirs VALUES (?, ?)", rows)
            db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise
        self._pending.clear()
        self._packed.clear()
        self._placed.clear()

    def folder_entries(self, folder: str) -> dict[str, KnownRow]:
        """The entries of the files directly in `folder`, read and decoded once however many
        of them are asked about (do not change the dict)."""
        seen = self._decoded.get(folder)
        if seen is not None:
            return seen[1]
        if not is_utf8(folder):
            return {}
        row = self._use(lambda: self._db().execute(
            "SELECT entries FROM dirs WHERE dir = ?", (folder,)).fetchone())
        if row is None:
            self._decoded[folder] = (b"", {})
            return {}
        return self.entries({folder: row[0]}, folder)

    def _stored_entries(self, folder: str, raw: bytes | None) -> dict[str, KnownRow]:
        """The decoded row `raw` of `folder` (a fresh dict the caller may change)."""
        if raw is None:
            return {}
        seen = self._decoded.pop(folder, None)
        return seen[1] if seen is not None and seen[0] == raw else marshal.loads(raw)

    def close(self) -> None:
        self.flush()
        if self._conn is not None:
            self._conn.close()
            self._conn = None
