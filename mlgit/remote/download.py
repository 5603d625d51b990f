"""Fetch: download what the cache lacks, loose objects whole and packed ones as byte ranges
of the remote's packs (nearby objects in one read), each verified before it enters the cache.
The machinery (Mover, tasks, results) is transfer.py's."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence

from mlgit.fileio import is_disk_full
from mlgit.hashing import hash_bytes
from mlgit.remote import chunked
from mlgit.remote.chunked import Want
from mlgit.remote.failures import Failure, FailureKind, ObjectFailed
from mlgit.remote.store import PackedAt, RemotePacks, loose_rel
from mlgit.remote.transfer import (
    Mover,
    PartialTask,
    Stopped,
    Task,
    TransferResult,
    unique_wants,
)
from mlgit.storage.objects import CorruptObject

SPAN_GAP = 1 << 20
"""Fetch reads the bytes between two wanted objects of a pack when the gap is this small."""
SPAN_BYTES = 16 << 20


class DownloadLoose(Task):
    def __init__(self, want: Want) -> None:
        self.wants = [want]
        self.nbytes = max(want.size, 0)

    def run(self, mover: Mover) -> None:
        oid = self.wants[0].oid
        tmp = mover.odb.temp_path()
        try:
            mover.store.download_loose(oid, tmp)
            mover.odb.adopt(tmp, oid, chunk=isinstance(self.wants[0], chunked.Part))
        except FileNotFoundError:
            raise ObjectFailed(FailureKind.NOT_ON_REMOTE) from None
        except CorruptObject as exc:
            raise ObjectFailed(FailureKind.REMOTE_CORRUPT,
                               f"the remote's copy {loose_rel(oid)} is corrupt (it hashes to"
                               f" {exc.actual}); it was not stored") from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            mover.odb.temp_ended(tmp)
        self.nbytes = mover.odb.size(oid) or 0
        mover.progress(1, self.nbytes)


class ReadSpan(Task):
    """Objects of one remote pack that lie close together: one ranged read."""

    def __init__(self, pack: str, items: list[tuple[Want, PackedAt]]) -> None:
        self.pack = pack
        self.items = items
        self.wants = [w for w, _ in items]
        self.start = min(at.offset for _, at in items)
        self.end = max(at.offset + at.size for _, at in items)
        self.nbytes = sum(at.size for _, at in items)

    def run(self, mover: Mover) -> None:
        with mover.buffers:
            self._read_and_store(mover)

    def _read_and_store(self, mover: Mover) -> None:
        try:
            data = mover.store.read_span(self.pack, self.start, self.end)
        except FileNotFoundError:  # the pack went away after the listing
            raise ObjectFailed(FailureKind.NOT_ON_REMOTE) from None
        failures = []
        for want, at in self.items:
            chunk = data[at.offset - self.start: at.offset - self.start + at.size]
            if hash_bytes(chunk) != want.oid:
                failures.append(Failure(want.path, want.oid, FailureKind.REMOTE_CORRUPT,
                                        f"the remote's copy in {self.pack} is corrupt;"
                                        " it was not stored"))
                self.nbytes -= at.size  # only what was stored counts as fetched
                continue
            mover.odb.put_bytes(chunk, want.oid, pack=True,
                                chunk=isinstance(want, chunked.Part))
        mover.progress(len(self.items) - len(failures), self.nbytes)
        if failures:
            raise PartialTask(failures)


def fetch(mover: Mover, wants: Sequence[Want]) -> TransferResult:
    """Fetch into the cache, BATCH wants at a time (a million wants are made one by one
    from a folder's manifest: never all at once). It does not wait for the fetched objects
    to be durable: each is still on the remote, and every read verifies it, so one torn by
    a crash is set aside when read and fetched again (docs/formats.md, "Durability")."""
    result = TransferResult()
    fetched = False
    try:
        for start in range(0, len(wants), BATCH):
            fetched = _fetch_batch(mover, wants[start:start + BATCH], result) or fetched
        if fetched:
            mover.odb.publish()
    except (Stopped, OSError) as exc:
        cause = exc.cause if isinstance(exc, Stopped) else exc
        if not is_disk_full(cause):
            raise
        mover.odb.abort()  # the pack being written is dropped: it could not be completed
        needed = 0
        for start in range(0, len(wants), BATCH):
            batch = wants[start:start + BATCH]
            still = mover.odb.missing(w.oid for w in batch)
            needed += sum(max(w.size, 0) for w in unique_wants(batch) if w.oid in still)
        raise Stopped(cause, needed) from None
    if fetched:
        mover.odb.leave_to_disk()
    return result


BATCH = 100_000
"""Wants handled at once: their tuples, tasks and byte ranges are held until they are in."""


def _fetch_batch(mover: Mover, wants: Sequence[Want], result: TransferResult) -> bool:
    """Fetch what the cache lacks of `wants`; whether anything was to be fetched."""
    unique = unique_wants(wants)
    missing = mover.odb.missing(w.oid for w in unique)
    todo: list[Want] = [w for w in unique if w.oid in missing]
    result.already += len(unique) - len(todo)
    todo += chunked.lacking_chunks(mover.odb, [w for w in unique if w.oid not in missing])
    if not todo:
        return False
    packed = mover.packed()
    mover.run(_tasks(todo, packed), result)
    _fetch_chunked(mover, todo, packed, result)
    return True


def _tasks(todo: list[Want], packed: RemotePacks) -> list[Task]:
    tasks: list[Task] = [DownloadLoose(w) for w in todo if w.oid not in packed]
    return tasks + _spans([(w, packed[w.oid]) for w in todo if w.oid in packed])


def _fetch_chunked(mover: Mover, todo: list[Want], packed: RemotePacks,
                   result: TransferResult) -> None:
    """A second round for the large objects the remote has no loose file of: those it holds
    as a chunk list come as the chunks the cache lacks, then the list (remote/chunked.py).
    Asking only after a loose download found nothing costs no request for other objects."""
    absent = {f.oid for f in result.failed if f.kind is FailureKind.NOT_ON_REMOTE}
    retry = [w for w in todo if w.oid in absent and w.oid not in packed]
    if not retry:
        return
    tally = chunked.Tally()
    expanded, lists = chunked.split_fetch(mover.odb, mover.store, mover.map, retry, packed,
                                          tally)
    answered = set(lists.pending) | {f.oid for f in tally.failed}
    result.failed = [f for f in result.failed if f.oid not in answered]
    parts = unique_wants(w for w in expanded if isinstance(w, chunked.Part))
    mover.run(_tasks(parts, packed), result)
    mover.odb.publish()
    chunked.finish_fetch(mover.odb, lists, tally)
    result.add(tally)


def _spans(items: list[tuple[Want, PackedAt]]) -> list[Task]:
    by_pack: dict[str, list[tuple[Want, PackedAt]]] = {}
    for item in items:
        by_pack.setdefault(item[1].pack, []).append(item)
    tasks: list[Task] = []
    for pack, found in by_pack.items():
        found.sort(key=lambda item: item[1].offset)
        current: list[tuple[Want, PackedAt]] = []
        start = end = 0
        for item in found:
            at = item[1]
            if current and (at.offset - end > SPAN_GAP
                            or at.offset + at.size - start > SPAN_BYTES):
                tasks.append(ReadSpan(pack, current))
                current = []
            if not current:
                start = end = at.offset
            current.append(item)
            end = max(end, at.offset + at.size)
        if current:
            tasks.append(ReadSpan(pack, current))
    return tasks
