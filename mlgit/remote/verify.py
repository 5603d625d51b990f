"""Checking a whole object store (mlgit fsck): every pack index is checked and every object
hashed. The local cache is read with plain os calls; a remote through its backend (ranged
reads of its packs, each loose object downloaded to a temp file in the cache and deleted
after hashing). Nothing here changes a store: setting damage aside is the caller's choice.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import NamedTuple

from mlgit.errors import describe_error
from mlgit.hashing import EMPTY_OID, hash_bytes, hash_file
from mlgit.parallel import run_all
from mlgit.progress import ProgressCallback, noop_progress
from mlgit.remote.retry import RemoteDown
from mlgit.remote.store import RemoteStore, loose_rel
from mlgit.storage import packs
from mlgit.storage.objects import LocalODB

OpenProgress = Callable[[int, int | None], AbstractContextManager[ProgressCallback]]
"""Opens the progress display for (objects, bytes or None when unknown)."""


def no_progress(files: int, nbytes: int | None) -> AbstractContextManager[ProgressCallback]:
    return contextlib.nullcontext(noop_progress)

OBJECT, INDEX = "object", "pack index"
BATCH_BYTES = 16 << 20
"""Objects are hashed (and a remote pack read) in batches of about this many bytes."""
_IDX_NAME = re.compile(r"^([0-9a-f]{32})\.idx$")
_PREFIX = re.compile(r"^[0-9a-f]{2}$")
_LOOSE = re.compile(r"^[0-9a-f]{30}$")


class Problem(NamedTuple):
    kind: str  # OBJECT or INDEX
    name: str  # the oid, or the index's path in the store
    location: str  # "loose", or the pack's (index's) path in the store
    size: int  # -1 when unknown
    reason: str
    pack_at: packs.Location | None = None  # a local packed copy, to set it aside


class Report:
    def __init__(self) -> None:
        self.objects = 0
        self.bytes = 0
        self.indexes = 0
        self.problems: list[Problem] = []
        self.seen: set[str] = set()  # every oid with a copy in the store, good or not

    @property
    def damaged(self) -> bool:
        return bool(self.problems)


class _Item(NamedTuple):
    oid: str
    size: int  # -1 when unknown (a remote loose object)
    location: str  # "loose" or a pack path in the store
    offset: int  # in the pack
    local: packs.Location | None  # a local packed copy


def _batches(items: list[_Item]) -> Iterator[list[_Item]]:
    """Consecutive items of about BATCH_BYTES (one item when it is bigger)."""
    batch: list[_Item] = []
    total = 0
    for item in items:
        if batch and (total + max(item.size, 0) > BATCH_BYTES
                      or item.location != batch[-1].location):
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += max(item.size, 0)
    if batch:
        yield batch


def _run(check: Callable[[list[_Item]], list[Problem]], items: list[_Item], jobs: int,
         report: Report, progress: ProgressCallback) -> None:
    """Check items in batches on `jobs` threads; progress moves as each batch completes."""
    for batch, found, exc in run_all(check, list(_batches(items)), jobs):
        if exc is not None:
            raise exc
        report.problems += found or []
        report.objects += len(batch)
        done = sum(max(i.size, 0) for i in batch)
        report.bytes += done
        progress(len(batch), done)


# -- the local cache ---------------------------------------------------------------------------


def check_cache(odb: LocalODB, jobs: int, progress: OpenProgress = no_progress) -> Report:
    """Check the local cache."""
    report = Report()
    items = _local_pack_items(odb, report)
    for oid in odb.loose_oids():
        with contextlib.suppress(FileNotFoundError):
            items.append(_Item(oid, os.stat(odb.path(oid)).st_size, "loose", 0, None))
    report.seen = {i.oid for i in items} | {p.name for p in report.problems if p.kind == OBJECT}
    report.seen.add(EMPTY_OID)  # implicit in every store, never stored
    with progress(len(items), sum(i.size for i in items)) as show:
        _run(lambda batch: _check_local(odb, batch), items, jobs, report, show)
    return report


def _local_pack_items(odb: LocalODB, report: Report) -> list[_Item]:
    try:
        names = sorted(os.listdir(odb.pack_dir))
    except FileNotFoundError:
        return []
    marked = packs.set_aside_entries(names)
    items: list[_Item] = []
    for name in names:
        m = _IDX_NAME.match(name)
        if m is None:
            continue
        report.indexes += 1
        pack = m.group(1)
        idx_rel, pack_rel = f"{packs.PACK_DIR}/{name}", f"{packs.PACK_DIR}/{pack}.pack"
        try:
            with open(os.path.join(odb.pack_dir, name), "rb") as f:
                raw = f.read()
            pack_size = os.stat(os.path.join(odb.pack_dir, f"{pack}.pack")).st_size
        except FileNotFoundError as exc:
            if exc.filename and exc.filename.endswith(".pack"):
                report.problems.append(Problem(INDEX, idx_rel, idx_rel, -1,
                                               f"its pack {pack}.pack is missing"))
            continue  # else the index went away meanwhile (gc)
        records = packs.parse_index(raw)
        if records is None:
            report.problems.append(Problem(INDEX, idx_rel, idx_rel, len(raw), _BAD_INDEX))
            continue
        skip = marked.get(pack, set())
        pack_path = os.path.join(odb.pack_dir, f"{pack}.pack")
        for oid, offset, size in sorted(records, key=lambda r: r[1]):
            if oid in skip:
                continue
            at = (pack_path, offset, size)
            if offset + size > pack_size:
                report.objects += 1
                report.problems.append(Problem(OBJECT, oid, pack_rel, size, _TRUNCATED, at))
                continue
            items.append(_Item(oid, size, pack_rel, offset, at))
    return items


_BAD_INDEX = "its checksum does not match its content, so the objects it lists cannot be read"
_TRUNCATED = "its pack ends before this object (the pack is truncated)"


def _check_local(odb: LocalODB, batch: list[_Item]) -> list[Problem]:
    found = []
    for item in batch:
        try:
            if item.local is None:
                actual, _ = hash_file(odb.path(item.oid))
            else:
                actual = hash_bytes(odb.read_packed(item.local) if item.size else b"")
        except FileNotFoundError:
            continue  # removed meanwhile (gc)
        except OSError as exc:
            found.append(Problem(OBJECT, item.oid, item.location, item.size,
                                 f"cannot be read: {describe_error(exc)}", item.local))
            continue
        if actual != item.oid:
            found.append(Problem(OBJECT, item.oid, item.location, item.size,
                                 f"its content hashes to {actual}", item.local))
    return found


# -- a remote ----------------------------------------------------------------------------------


def check_remote(store: RemoteStore, odb: LocalODB, jobs: int,
                 progress: OpenProgress = no_progress) -> Report:
    """Check a remote, reading only. Loose objects are downloaded to temp files in the cache
    (deleted after hashing)."""
    report = Report()
    backend = store.backend
    items = _remote_pack_items(store, jobs, report)
    prefixes = [n for n in backend.list_dir("") if _PREFIX.match(n)]
    for prefix, names, exc in run_all(backend.list_dir, prefixes, jobs):
        if exc is not None:
            raise exc
        items += [_Item(prefix + n, -1, "loose", 0, None) for n in names or []
                  if _LOOSE.match(n)]
    report.seen = {i.oid for i in items} | {EMPTY_OID}  # the empty object is implicit
    known = sum(i.size for i in items if i.size >= 0)
    checker = _RemoteChecker(store, odb)
    with progress(len(items), None if any(i.size < 0 for i in items) else known) as show:
        _run(checker.check, items, jobs, report, show)
    report.bytes += checker.loose_bytes
    report.problems += checker.missing_packs.values()
    return report


def _remote_pack_items(store: RemoteStore, jobs: int, report: Report) -> list[_Item]:
    names = sorted(m.group(1) for n in store.backend.list_dir(packs.PACK_DIR)
                   if (m := _IDX_NAME.match(n)))
    report.indexes = len(names)
    rels = [f"{packs.PACK_DIR}/{name}.idx" for name in names]
    items: list[_Item] = []
    for rel, raw, exc in run_all(store.backend.read, rels, jobs):
        if exc is not None and not isinstance(exc, FileNotFoundError):
            raise exc
        if not isinstance(raw, bytes):
            continue  # removed meanwhile
        name = rel.rpartition("/")[2][: -len(".idx")]
        records = packs.parse_index(raw)
        if records is None:
            report.problems.append(Problem(INDEX, rel, rel, len(raw), _BAD_INDEX))
            continue
        if packs.index_name(raw) != name:
            report.problems.append(Problem(INDEX, rel, rel, len(raw),
                                           "its name does not match its content"))
            continue
        pack = f"{packs.PACK_DIR}/{name}.pack"
        items += [_Item(oid, size, pack, offset, None)
                  for oid, offset, size in sorted(records, key=lambda r: r[1])]
    return items


class _RemoteChecker:
    def __init__(self, store: RemoteStore, odb: LocalODB) -> None:
        self.store = store
        self.odb = odb
        self.loose_bytes = 0
        self.missing_packs: dict[str, Problem] = {}
        self._lock = threading.Lock()

    def check(self, batch: list[_Item]) -> list[Problem]:
        if batch[0].location == "loose":
            return [p for item in batch if (p := self._loose(item)) is not None]
        return self._span(batch)

    def _span(self, batch: list[_Item]) -> list[Problem]:
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
                found.append(Problem(OBJECT, item.oid, pack, item.size, _TRUNCATED))
            elif (actual := hash_bytes(chunk)) != item.oid:
                found.append(Problem(OBJECT, item.oid, pack, item.size,
                                     f"its content hashes to {actual}"))
        return found

    def _loose(self, item: _Item) -> Problem | None:
        tmp = self.odb.temp_path()
        try:
            self.store.backend.download(loose_rel(item.oid), tmp)
            actual, size = hash_file(tmp)
        except FileNotFoundError:
            return None  # removed meanwhile
        except RemoteDown:
            raise
        except Exception as exc:  # any backend's error, after retries
            return Problem(OBJECT, item.oid, "loose", -1,
                           f"cannot be read: {describe_error(exc)}")
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        with self._lock:
            self.loose_bytes += size
        if actual != item.oid:
            return Problem(OBJECT, item.oid, "loose", size, f"its content hashes to {actual}")
        return None
