"""Checking a whole object store (mlgit fsck): every pack index is checked and every object
hashed. This module checks the local cache with plain os calls and holds what a check of any
store reports (remote/verify.py checks a remote the same way). Nothing here changes a store
except set_aside, which the caller chooses to run.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import NamedTuple

from mlgit.errors import describe_error
from mlgit.hashing import EMPTY_OID, hash_bytes, hash_file
from mlgit.parallel import run_all
from mlgit.progress import ProgressCallback, noop_progress
from mlgit.storage import chunks, packs
from mlgit.storage.objects import LocalODB

OpenCheckProgress = Callable[[int, int | None], AbstractContextManager[ProgressCallback]]
"""Opens the progress display of a check for (objects, bytes or None when unknown); the
callback is told (objects, bytes) as each batch is checked."""


def no_check_progress(files: int, nbytes: int | None) -> AbstractContextManager[ProgressCallback]:
    return contextlib.nullcontext(noop_progress)


OBJECT, INDEX = "object", "pack index"
LOOSE = "loose"
CHUNK_LIST = "chunk list"  # where a damaged chunk list is (storage/chunks.py)
CHUNKS = "chunks"  # where an object stored as chunks lacks some of them
BATCH_BYTES = 16 << 20
"""Objects are hashed (and a remote pack read) in batches of about this many bytes."""
IDX_NAME = re.compile(r"^([0-9a-f]{32})\.idx$")
BAD_INDEX = "its checksum does not match its content, so the objects it lists cannot be read"
TRUNCATED = "its pack ends before this object (the pack is truncated)"


class Problem(NamedTuple):
    kind: str  # OBJECT or INDEX
    name: str  # the oid, or the index's path in the store
    location: str  # LOOSE, or the pack's (index's) path in the store
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
        self.parts_of: dict[str, list[str]] = {}  # chunk oid -> the oids made of it

    @property
    def damaged(self) -> bool:
        return bool(self.problems)


class Item(NamedTuple):
    oid: str
    size: int  # -1 when unknown (a remote loose object)
    location: str  # LOOSE or a pack path in the store
    offset: int  # in the pack
    local: packs.Location | None  # a local packed copy


def batches(items: list[Item]) -> Iterator[list[Item]]:
    """Consecutive items of about BATCH_BYTES (one item when it is bigger)."""
    batch: list[Item] = []
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


def run(check: Callable[[list[Item]], list[Problem]], items: list[Item], jobs: int,
        report: Report, progress: ProgressCallback) -> None:
    """Check items in batches on `jobs` threads; progress moves as each batch completes."""
    for batch, found, exc in run_all(check, list(batches(items)), jobs):
        if exc is not None:
            raise exc
        report.problems += found or []
        report.objects += len(batch)
        done = sum(max(i.size, 0) for i in batch)
        report.bytes += done
        progress(len(batch), done)


# -- the local cache ---------------------------------------------------------------------------


def check_cache(odb: LocalODB, jobs: int,
                progress: OpenCheckProgress = no_check_progress) -> Report:
    """Check the local cache."""
    report = Report()
    items = _pack_items(odb, report)
    for oid in odb.loose_oids():
        with contextlib.suppress(FileNotFoundError):
            items.append(Item(oid, os.stat(odb.path(oid)).st_size, LOOSE, 0, None))
    whole = _check_chunk_lists(odb, {i.oid for i in items}, report)
    report.seen = ({i.oid for i in items} | whole
                   | {p.name for p in report.problems if p.kind == OBJECT})
    report.seen.add(EMPTY_OID)  # implicit in every store, never stored
    with progress(len(items), sum(i.size for i in items)) as show:
        run(lambda batch: _check(odb, batch), items, jobs, report, show)
    return report


def _check_chunk_lists(odb: LocalODB, present: set[str], report: Report) -> set[str]:
    """Check every chunk list (its format, and that the chunks it names are present: they
    are hashed with the other objects); returns the oids they hold."""
    found: set[str] = set()
    for oid in odb.chunked_oids():
        path = odb.chunks_path(oid)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue  # removed meanwhile (gc)
        except OSError as exc:
            report.problems.append(Problem(OBJECT, oid, CHUNK_LIST, -1,
                                           f"cannot be read: {describe_error(exc)}"))
            continue
        report.objects += 1
        found.add(oid)
        check_chunk_list(report, oid, data, present, "in the cache", "fetch restores them")
    return found


def check_chunk_list(report: Report, oid: str, data: bytes, present: set[str], where: str,
                     fix: str) -> list[tuple[str, int]] | None:
    """The (chunk oid, size) parts of the chunk list `data` of `oid`, with a problem added
    to `report` for a damaged list (then None) or for chunks not in `present`."""
    try:
        parts = chunks.decode(data, oid).chunks
    except chunks.BadChunkList as exc:
        report.problems.append(Problem(OBJECT, oid, CHUNK_LIST, len(data),
                                       f"its chunk list is damaged: {exc}"))
        return None
    lacking = {part for part, _ in parts} - present
    if lacking:
        report.problems.append(Problem(
            OBJECT, oid, CHUNKS, len(data),
            f"{len(lacking)} of its {len(parts)} chunks are not {where}"
            f" (e.g. {min(lacking)}): {fix}"))
    return parts


def _pack_items(odb: LocalODB, report: Report) -> list[Item]:
    try:
        names = sorted(os.listdir(odb.pack_dir))
    except FileNotFoundError:
        return []
    marked = packs.set_aside_entries(names)
    items: list[Item] = []
    for name in names:
        m = IDX_NAME.match(name)
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
            report.problems.append(Problem(INDEX, idx_rel, idx_rel, len(raw), BAD_INDEX))
            continue
        skip = marked.get(pack, set())
        pack_path = os.path.join(odb.pack_dir, f"{pack}.pack")
        for oid, offset, size in sorted(records, key=lambda r: r[1]):
            if oid in skip:
                continue
            at = (pack_path, offset, size)
            if offset + size > pack_size:
                report.objects += 1
                report.problems.append(Problem(OBJECT, oid, pack_rel, size, TRUNCATED, at))
                continue
            items.append(Item(oid, size, pack_rel, offset, at))
    return items


def _check(odb: LocalODB, batch: list[Item]) -> list[Problem]:
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


def set_aside(odb: LocalODB, problem: Problem) -> None:
    """Take the damage a local check found out of the cache (into its quarantine folder): a
    corrupt copy of an object, or a damaged pack index with its pack."""
    if problem.kind == OBJECT and problem.location == CHUNK_LIST:
        odb.set_aside_chunk_list(problem.name)
        return
    if problem.kind == OBJECT and problem.location == CHUNKS:
        return  # nothing damaged to set aside: a fetch brings the missing chunks
    if problem.kind == OBJECT:
        odb.set_aside(problem.name, problem.pack_at)
        return
    index = os.path.join(odb.root, problem.location)
    odb.set_aside_file(index)
    pack = index[: -len(".idx")] + ".pack"
    if os.path.exists(pack):
        odb.set_aside_file(pack)
