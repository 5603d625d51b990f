"""Move objects between the local cache and a remote: only what is missing, in parallel,
with retries, verifying every object's hash on the way (push: before upload; fetch: before
it enters the cache). One object failing does not stop the others; they are reported with
their workspace path. If the remote stops answering altogether, the transfer stops early.

Small objects travel in packs (remote/store.py): a push of 20k small files is a few uploads,
and a fetch reads the byte ranges it needs from the remote's packs (remote/download.py).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from typing import Generic, NamedTuple, TypeVar

from mlgit.errors import describe_error
from mlgit.fileio import is_disk_full
from mlgit.hashing import EMPTY_OID
from mlgit.parallel import run_all
from mlgit.progress import ProgressCallback, noop_progress
from mlgit.remote import chunked, pack_runs
from mlgit.remote.chunked import Want
from mlgit.remote.failures import Failure, FailureKind, ObjectFailed
from mlgit.remote.retry import RemoteDown
from mlgit.remote.store import RemotePacks, RemoteStore
from mlgit.storage import packs
from mlgit.storage.objects import CorruptObject, LocalODB

PUSH_PACK_BYTES = 16 << 20
"""Small objects are uploaded in packs of about this size: few requests, and an interrupted
push re-sends at most one pack per worker."""
RUN_BYTES = 1 << 20
"""Objects back to back in a local pack, this many bytes or more, are sent as those bytes
(pack_runs.py); shorter runs join the packs built in memory."""
LOCAL_RUN_BYTES = 256 << 20
"""At most this many bytes of a local pack go as one pack to a local folder (a kernel copy,
nothing in memory); an object store gets at most PUSH_PACK_BYTES a pack (read into memory)."""
BUFFERED_BYTES = 128 << 20
"""At most this many bytes of packs being built (push) or pack ranges being read (fetch) are
held in memory at once, however many workers there are (16 for a bucket)."""


class TransferResult:
    def __init__(self) -> None:
        self.transferred = 0
        self.bytes = 0
        self.already = 0
        self.failed: list[Failure] = []
        self.stopped = ""  # why the transfer stopped early, if it did
        self.runs: int | None = None  # run-cache entries written, when they were asked for
        # (path, why): unreadable pointer or lock files in a commit, which names no object
        # this transfer could move and can never be fixed there: a warning, not a failure
        self.skipped: list[tuple[str, str]] = []

    def add(self, tally: chunked.Tally) -> None:
        """Count what the chunk lists of chunked objects added (remote/chunked.py)."""
        self.already += tally.already
        self.transferred += tally.transferred
        self.bytes += tally.bytes
        self.failed.extend(tally.failed)

    def merge(self, other: TransferResult) -> None:
        self.transferred += other.transferred
        self.bytes += other.bytes
        self.already += other.already
        self.failed.extend(other.failed)
        self.skipped.extend(other.skipped)
        self.stopped = self.stopped or other.stopped


C = TypeVar("C")


class Outcome(NamedTuple, Generic[C]):
    """A transfer's result, and (for pull) how each artifact's checkout went."""

    remote: str
    url: str  # safe to show
    result: TransferResult
    checkouts: list[C]


def bad_index_failures(store: RemoteStore) -> list[Failure]:
    """The remote's damaged pack indexes its listings found (their objects were ignored)."""
    return [Failure(path, "", FailureKind.BAD_REMOTE_INDEX) for path in store.bad_indexes]


class Stopped(Exception):
    """A failure that stops the whole transfer (see Mover.stops): no task starts after it."""

    def __init__(self, cause: BaseException, needed: int) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.needed = needed  # bytes of the objects not transferred


class _NotTried(Exception):
    pass


class Mover:
    """Shared by push and fetch: the remote (whose backend retries each call), the cache,
    threads, progress.

    `stops` says which errors stop the whole transfer rather than one object: a full disk
    (where the objects are written), and for push a remote that refuses writes."""

    def __init__(self, odb: LocalODB, store: RemoteStore, jobs: int,
                 progress: ProgressCallback = noop_progress,
                 stops: Callable[[BaseException], bool] = is_disk_full) -> None:
        self.odb = odb
        self.store = store
        self.jobs = jobs
        self.progress = progress
        self.stops = stops
        self.stopped_by: BaseException | None = None
        self.buffers = threading.BoundedSemaphore(max(1, BUFFERED_BYTES // PUSH_PACK_BYTES))
        """Held by a task while it holds a pack's or a range's bytes in memory."""

    def map(self, fn: Callable[[str], object], items: list[str]) -> list[object]:
        """fn over items in parallel; the first error is raised."""
        results: dict[str, object] = {}
        for item, value, exc in run_all(fn, items, self.jobs):
            if exc is not None:
                raise exc
            results[item] = value
        return [results[i] for i in items]

    def packed(self) -> RemotePacks:
        return self.store.packed(self.map)

    def _run_one(self, task: Task) -> None:
        if self.stopped_by is not None:
            raise _NotTried
        try:
            task.run(self)
        except Exception as exc:
            if self.stops(exc) and self.stopped_by is None:
                self.stopped_by = exc
            raise

    def run(self, tasks: list[Task], result: TransferResult) -> None:
        """Run tasks in parallel; each reports its own objects' outcomes. Raises Stopped
        after an error that stops the whole transfer (tasks not started are not run)."""
        untried = 0
        try:
            outcomes = list(run_all(self._run_one, tasks, self.jobs))
        except KeyboardInterrupt:
            self.store.backend.abort()  # the tasks still running are not waited for
            raise
        for task, _, exc in outcomes:
            if isinstance(exc, _NotTried) or (exc is not None and self.stops(exc)):
                untried += sum(max(w.size, 0) for w in task.wants)
                continue
            if exc is None:
                result.transferred += len(task.wants)
                result.bytes += task.nbytes
                continue
            if isinstance(exc, RemoteDown):
                result.stopped = str(exc)
            if isinstance(exc, PartialTask):
                result.transferred += len(task.wants) - len(exc.failures)
                result.bytes += task.nbytes
                result.failed.extend(exc.failures)
            else:
                kind, detail = _failure_of(exc)
                result.failed.extend(Failure(w.path, w.oid, kind, detail) for w in task.wants)
        if self.stopped_by is not None:
            raise Stopped(self.stopped_by, untried)


def _failure_of(exc: BaseException) -> tuple[FailureKind, str]:
    """(kind, detail) of a task's failure."""
    if isinstance(exc, RemoteDown):
        return FailureKind.NOT_SENT, ""
    if isinstance(exc, ObjectFailed):
        return exc.kind, exc.message
    return FailureKind.ERROR, describe_error(exc)


class PartialTask(Exception):
    def __init__(self, failures: list[Failure]) -> None:
        super().__init__(f"{len(failures)} objects failed")
        self.failures = failures


class Task:
    wants: list[Want]
    nbytes: int

    def run(self, mover: Mover) -> None:
        raise NotImplementedError


# -- push --------------------------------------------------------------------------------------


class UploadLoose(Task):
    def __init__(self, want: Want, local_path: str, size: int) -> None:
        self.wants = [want]
        self.local_path = local_path
        self.nbytes = size

    def run(self, mover: Mover) -> None:
        oid = self.wants[0].oid
        try:
            mover.store.upload_loose(self.local_path, oid)
        except CorruptObject:
            try:
                mover.odb.verify_own_file(oid)
            except CorruptObject as exc:
                raise _in_the_cache(exc) from None
            raise
        mover.progress(1, self.nbytes)


class UploadPack(Task):
    def __init__(self, wants: list[Want]) -> None:
        self.wants = wants
        self.nbytes = 0

    def run(self, mover: Mover) -> None:
        with mover.buffers:
            failures = self._build_and_upload(mover)
        if failures:
            raise PartialTask(failures)

    def _build_and_upload(self, mover: Mover) -> list[Failure]:
        pack = bytearray()
        entries: dict[str, tuple[int, int]] = {}
        failures: list[Failure] = []
        for want in self.wants:
            try:
                data = mover.odb.read_verified(want.oid)
            except (OSError, CorruptObject) as exc:
                failed = _in_the_cache(exc)
                failures.append(Failure(want.path, want.oid, failed.kind, failed.message))
                continue
            entries[want.oid] = (len(pack), len(data))
            pack += data
        self.nbytes = len(pack)
        if entries:
            mover.store.upload_pack(pack, entries)
            mover.progress(len(entries), self.nbytes)
        return failures


class UploadRun(Task):
    """Objects back to back in a local pack, sent as those bytes (pack_runs.py)."""

    def __init__(self, run: pack_runs.Run) -> None:
        self.pack_run = run
        self.wants = run.wants
        self.nbytes = 0

    def run(self, mover: Mover) -> None:
        try:
            if mover.store.backend.scheme == "local":  # a kernel copy: nothing in memory
                self._upload(mover)
            else:
                with mover.buffers:
                    self._upload(mover)
        except CorruptObject:
            # The bytes or their copy are not what the index says: send the objects the
            # ordinary way, which reads each one, sets a corrupt one aside and reports it.
            self._upload_one_by_one(mover)

    def _upload(self, mover: Mover) -> None:
        run = self.pack_run
        mover.store.upload_pack_range(run.pack, run.offset, run.length, run.index_entries(),
                                      pack_runs.check_entries(run.entries))
        self.nbytes = run.length
        mover.progress(len(run.entries), run.length)

    def _upload_one_by_one(self, mover: Mover) -> None:
        failures: list[Failure] = []
        for batch in _batches(self.wants, PUSH_PACK_BYTES):
            task = UploadPack(batch)
            with mover.buffers:
                failures += task._build_and_upload(mover)
            self.nbytes += task.nbytes
        if failures:
            raise PartialTask(failures)


def _in_the_cache(exc: OSError | CorruptObject) -> ObjectFailed:
    """The failure of an object whose copy in the cache cannot be read or is corrupt."""
    if isinstance(exc, CorruptObject):
        kind = FailureKind.SET_ASIDE if exc.set_aside else FailureKind.CACHE_DAMAGED
        return ObjectFailed(kind, f"in the cache: {exc}")
    return ObjectFailed(FailureKind.CACHE_DAMAGED, f"in the cache: {describe_error(exc)}")


def unique_wants(wants: Iterable[Want]) -> list[Want]:
    """One want per oid, without the empty object: it is implicit in every store, so it is
    neither transferred nor counted as already there."""
    return [w for w in {w.oid: w for w in wants}.values() if w.oid != EMPTY_OID]


def push(mover: Mover, wants: Iterable[Want]) -> TransferResult:
    result = TransferResult()
    odb = mover.odb
    tally = chunked.Tally()
    unique, lists = chunked.split_push(odb, mover.store, mover.map, unique_wants(wants),
                                       mover.packed(), tally)
    unique = unique_wants(unique)
    not_cached = odb.missing(w.oid for w in unique)
    # An object the cache lacks but the remote has (a teammate's data, taken as a pointer
    # only) is already there: nothing to upload, nothing failed.
    on_remote_only = _on_remote(mover, not_cached) if not_cached else set()
    result.failed.extend(Failure(w.path, w.oid, FailureKind.NOT_IN_CACHE) for w in unique
                         if w.oid in not_cached and w.oid not in on_remote_only)
    candidates = [w for w in unique if w.oid not in not_cached]
    small, large = _split_by_local_size(odb, candidates)
    packed = mover.packed()
    small = [w for w in small if w.oid not in packed and w.oid != EMPTY_OID]  # implicit
    large = [(w, size) for w, size in large if w.oid not in packed]
    on_remote = mover.store.loose_present([w.oid for w, _ in large], mover.map)
    large = [(w, size) for w, size in large if w.oid not in on_remote]
    result.already = len(candidates) - len(small) - len(large) + len(on_remote_only)
    runs, small = pack_runs.find_runs(odb, small, RUN_BYTES, _run_limit(mover.store))
    tasks: list[Task] = [UploadRun(run) for run in runs]
    tasks += [UploadLoose(w, path, size) for w, (path, size) in large]
    tasks += [UploadPack(batch) for batch in _batches(small, PUSH_PACK_BYTES)]
    try:
        mover.run(tasks, result)
        if lists.pending and result.transferred:
            # The chunks durable before a list names them, also across a power cut.
            mover.store.backend.finish()
        chunked.finish_push(mover.store, lists, {f.oid for f in result.failed}, tally)
        result.add(tally)
    except Stopped:
        if result.transferred:  # make what did arrive durable
            with contextlib.suppress(Exception):
                mover.store.backend.finish()
        raise
    if result.transferred and not mover.store.backend.down:
        mover.store.backend.finish()
    _remove_stale_temps(mover)
    return result


def _run_limit(store: RemoteStore) -> int:
    return LOCAL_RUN_BYTES if store.backend.scheme == "local" else PUSH_PACK_BYTES


def _on_remote(mover: Mover, oids: set[str]) -> set[str]:
    """Which of `oids` the remote has, in a pack or loose."""
    there = oids & mover.packed().keys()
    return there | mover.store.loose_present(sorted(oids - there), mover.map)


STALE_TEMP_AGE = 24 * 3600
"""Push deletes temp files of interrupted pushes older than this (seconds) in passing."""


def _remove_stale_temps(mover: Mover) -> None:
    """Temp files of interrupted pushes over a day old that the listings this push made
    happened to show: deleted in passing, with no listing of their own. Failing to delete
    them is not this push's failure."""
    if mover.store.backend.down or not mover.store.temps_seen:
        return
    with contextlib.suppress(Exception):
        mover.store.remove_temps(mover.store.temps_seen, STALE_TEMP_AGE, mover.map)


def _split_by_local_size(odb: LocalODB, wants: list[Want]
                         ) -> tuple[list[Want], list[tuple[Want, tuple[str, int]]]]:
    """(objects to pack, [(large object, (its own file in the cache, its size))])."""
    small: list[Want] = []
    large: list[tuple[Want, tuple[str, int]]] = []
    for w in wants:
        # Without a file of its own (packed, or being packed right now by this process):
        # read it whole and send it in a pack.
        own = None if 0 <= w.size < packs.MAX_PACKED else odb.own_file(w.oid)
        if own is None or own[1] < packs.MAX_PACKED:
            small.append(w)
        else:
            large.append((w, own))
    return small, large


def _batches(wants: list[Want], limit: int) -> list[list[Want]]:
    batches: list[list[Want]] = []
    current: list[Want] = []
    total = 0
    for w in wants:
        size = max(w.size, 0)
        if current and total + size > limit:
            batches.append(current)
            current, total = [], 0
        current.append(w)
        total += size
    if current:
        batches.append(current)
    return batches
