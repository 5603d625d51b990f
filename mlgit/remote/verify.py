"""Checking a remote object store (mlgit fsck --remote), reading only: every pack index is
checked and every object hashed, through the remote's backend (ranged reads of its packs, each
loose object downloaded to a temp file in the cache and deleted after hashing). What a check
reports, and the check of the local cache, are in storage/check.py.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading

from mlgit.errors import describe_error
from mlgit.hashing import EMPTY_OID, hash_bytes, hash_file
from mlgit.parallel import run_all
from mlgit.remote.retry import RemoteDown
from mlgit.remote.store import RemoteStore, loose_rel
from mlgit.storage import packs
from mlgit.storage.check import (
    BAD_INDEX,
    CHUNK_LIST,
    IDX_NAME,
    INDEX,
    LOOSE,
    OBJECT,
    TRUNCATED,
    Item,
    OpenCheckProgress,
    Problem,
    Report,
    check_chunk_list,
    no_check_progress,
    run,
)
from mlgit.storage.objects import LocalODB

_PREFIX = re.compile(r"^[0-9a-f]{2}$")
_LOOSE = re.compile(r"^[0-9a-f]{30}$")
_CHUNK_LIST = re.compile(r"^([0-9a-f]{30})\.chunks$")


# -- a remote ----------------------------------------------------------------------------------


def check_remote(store: RemoteStore, odb: LocalODB, jobs: int,
                 progress: OpenCheckProgress = no_check_progress) -> Report:
    """Check a remote, reading only. Loose objects are downloaded to temp files in the cache
    (deleted after hashing)."""
    report = Report()
    backend = store.backend
    items = _remote_pack_items(store, jobs, report)
    prefixes = [n for n in backend.list_dir("") if _PREFIX.match(n)]
    chunked: set[str] = set()  # each list is read and checked; its chunks are objects
    for prefix, names, exc in run_all(backend.list_dir, prefixes, jobs):
        if exc is not None:
            raise exc
        items += [Item(prefix + n, -1, LOOSE, 0, None) for n in names or []
                  if _LOOSE.match(n)]
        chunked.update(prefix + m.group(1) for n in names or [] if (m := _CHUNK_LIST.match(n)))
    present = {i.oid for i in items}
    report.objects += len(chunked)
    report.parts_of = _check_chunk_lists(store, chunked, present, jobs, report)
    # the empty object is implicit
    report.seen = present | chunked | {EMPTY_OID}
    known = sum(i.size for i in items if i.size >= 0)
    checker = _RemoteChecker(store, odb)
    with progress(len(items), None if any(i.size < 0 for i in items) else known) as show:
        run(checker.check, items, jobs, report, show)
    report.bytes += checker.loose_bytes
    report.problems += checker.missing_packs.values()
    return report


def _check_chunk_lists(store: RemoteStore, oids: set[str], present: set[str], jobs: int,
                       report: Report) -> dict[str, list[str]]:
    """Read each chunk list once (one request each) and check its format, and that every
    chunk it names is on the remote (the chunks are hashed with the other objects). Returns
    {chunk oid: the oids whose lists name it}, so a damaged chunk is traced to its files."""
    parts_of: dict[str, list[str]] = {}
    for oid, data, exc in run_all(store.read_chunk_list, sorted(oids), jobs):
        if isinstance(exc, FileNotFoundError):
            continue  # removed meanwhile
        if isinstance(exc, RemoteDown):
            raise exc
        if exc is not None:
            report.problems.append(Problem(OBJECT, oid, CHUNK_LIST, -1,
                                           f"cannot be read: {describe_error(exc)}"))
            continue
        assert isinstance(data, bytes)
        parts = check_chunk_list(report, oid, data, present, "on the remote",
                                 "push again from a clone that has the file")
        for part, _ in parts or ():
            parts_of.setdefault(part, []).append(oid)
    return parts_of


def _remote_pack_items(store: RemoteStore, jobs: int, report: Report) -> list[Item]:
    names = sorted(m.group(1) for n in store.backend.list_dir(packs.PACK_DIR)
                   if (m := IDX_NAME.match(n)))
    report.indexes = len(names)
    rels = [f"{packs.PACK_DIR}/{name}.idx" for name in names]
    items: list[Item] = []
    for rel, raw, exc in run_all(store.backend.read, rels, jobs):
        if exc is not None and not isinstance(exc, FileNotFoundError):
            raise exc
        if not isinstance(raw, bytes):
            continue  # removed meanwhile
        name = rel.rpartition("/")[2][: -len(".idx")]
        records = packs.parse_index(raw)
        if records is None:
            report.problems.append(Problem(INDEX, rel, rel, len(raw), BAD_INDEX))
            continue
        if packs.index_name(raw) != name:
            report.problems.append(Problem(INDEX, rel, rel, len(raw),
                                           "its name does not match its content"))
            continue
        pack = f"{packs.PACK_DIR}/{name}.pack"
        items += [Item(oid, size, pack, offset, None)
                  for oid, offset, size in sorted(records, key=lambda r: r[1])]
    return items


class _RemoteChecker:
    def __init__(self, store: RemoteStore, odb: LocalODB) -> None:
        self.store = store
        self.odb = odb
        self.loose_bytes = 0
        self.missing_packs: dict[str, Problem] = {}
        self._lock = threading.Lock()

    def check(self, batch: list[Item]) -> list[Problem]:
        if batch[0].location == LOOSE:
            return [p for item in batch if (p := self._loose(item)) is not None]
        return self._span(batch)

    def _span(self, batch: list[Item]) -> list[Problem]:
        pack = batch[0].location
        start = batch[0].offset
        end = max(i.offset + i.size for i in batch)
        try:
            data = self.store.backend.read(pack, start, end) if end > start else b""
        except RemoteDown:
            raise
        except FileNotFoundError:
            idx = pack[: -len(".pack")] + ".idx"
            self.missing_packs[pack] = Problem(INDEX, idx, idx, -1,
                                               f"its pack {pack.rpartition('/')[2]} is missing")
            return []
        except Exception as exc:  # any backend's error (e.g. a range past a truncated end)
            why = f"cannot be read: {describe_error(exc)}"
            return [Problem(OBJECT, i.oid, pack, i.size, why) for i in batch]
        found = []
        for item in batch:
            chunk = data[item.offset - start: item.offset - start + item.size]
            if len(chunk) < item.size:
                found.append(Problem(OBJECT, item.oid, pack, item.size, TRUNCATED))
            elif (actual := hash_bytes(chunk)) != item.oid:
                found.append(Problem(OBJECT, item.oid, pack, item.size,
                                     f"its content hashes to {actual}"))
        return found

    def _loose(self, item: Item) -> Problem | None:
        tmp = self.odb.temp_path()
        try:
            self.store.backend.download(loose_rel(item.oid), tmp)
            actual, size = hash_file(tmp)
        except FileNotFoundError:
            return None  # removed meanwhile
        except RemoteDown:
            raise
        except Exception as exc:  # any backend's error, after retries
            return Problem(OBJECT, item.oid, LOOSE, -1,
                           f"cannot be read: {describe_error(exc)}")
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            self.odb.temp_ended(tmp)
        with self._lock:
            self.loose_bytes += size
        if actual != item.oid:
            return Problem(OBJECT, item.oid, LOOSE, size, f"its content hashes to {actual}")
        return None
