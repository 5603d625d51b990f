"""Chunked objects in a transfer (docs/formats.md, "Chunked files"): a chunked file moves as
the chunks the other side lacks, then its chunk list, so that a list in a store always names
chunks that are already there. Push and fetch hand their wants through here first; the
chunks then travel like any object (small ones in packs)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple, Protocol, TypeVar

from mlgit.errors import describe_error
from mlgit.remote.failures import Failure, FailureKind
from mlgit.remote.store import Mapper, RemotePacks, RemoteStore
from mlgit.storage import chunks, packs
from mlgit.storage.objects import CorruptObject, LocalODB


class Want(Protocol):
    """An object to transfer (workspace.wants.Wanted is one); transfer.py and pack_runs.py
    take it from here."""

    @property
    def oid(self) -> str: ...

    @property
    def size(self) -> int:
        """-1 when unknown (a manifest not read yet)."""

    @property
    def path(self) -> str:
        """The workspace path it is for, for messages."""


W = TypeVar("W", bound=Want)


class Tally:
    """What the chunk lists added to a transfer's result."""

    def __init__(self) -> None:
        self.already = 0
        self.transferred = 0
        self.bytes = 0
        self.failed: list[Failure] = []


class Part(NamedTuple):
    """A chunk to transfer, for the workspace path of the file it is part of."""

    oid: str
    size: int
    path: str


class Lists(NamedTuple):
    """The chunk lists to store once their chunks have arrived: oid -> (list bytes, the
    workspace path, the chunk oids)."""

    pending: dict[str, tuple[bytes, str, set[str]]]


def _maybe_large(want: Want) -> bool:
    # Content under packs.MAX_PACKED is never chunked (LocalODB.put_file).
    return want.size < 0 or want.size >= packs.MAX_PACKED


def split_push(odb: LocalODB, store: RemoteStore, mapper: Mapper, wants: Sequence[W],
               packed: RemotePacks, tally: Tally) -> tuple[list[W | Part], Lists]:
    """The wants with each chunked object replaced by its chunks (unless the remote has its
    list already and every chunk it names), and the lists to upload after them."""
    chunked = [w for w in wants if _maybe_large(w) and odb.is_chunked(w.oid)]
    if not chunked:
        return list(wants), Lists({})
    names = sorted({w.oid for w in chunked})
    on_remote = store.loose_present(names, mapper)  # whole or as chunks: either will do
    gaps = lacking_on_remote(odb, store, mapper, packed, on_remote)
    tally.already += len(on_remote) - len(gaps)
    out: list[W | Part] = [w for w in wants if w.oid not in set(names)]
    lists = Lists({})
    for w in chunked:
        if w.oid in gaps:  # its list is there: send the chunks it lost, not the list
            out += [Part(oid, size, w.path) for oid, size in gaps.pop(w.oid)]
            continue
        if w.oid in on_remote:
            continue
        try:
            chunk_list = odb.chunk_list(w.oid)
        except (OSError, CorruptObject) as exc:
            tally.failed.append(Failure(w.path, w.oid, FailureKind.CACHE_DAMAGED,
                                        f"in the cache: {describe_error(exc)}"))
            continue
        out += [Part(oid, size, w.path) for oid, size in _unique(chunk_list.chunks)]
        lists.pending[w.oid] = (chunks.encode(chunk_list), w.path,
                                {oid for oid, _ in chunk_list.chunks})
    return out, lists


def lacking_on_remote(odb: LocalODB, store: RemoteStore, mapper: Mapper,
                      packed: RemotePacks, oids: Iterable[str]) -> dict[str, list[tuple[str, int]]]:
    """Of `oids` (present on the remote), those chunked in the cache whose chunks the remote
    lacks in part (a pack of chunks deleted there, as fsck -r advises for a damaged one): oid
    -> the chunks missing. The cache's list says which chunks; one lookup of the loose
    chunks (from caches of before packs of chunks) only when some are in no remote pack."""
    parts: dict[str, list[tuple[str, int]]] = {}
    for oid in oids:
        if not odb.is_chunked(oid):
            continue
        try:
            unpacked = [c for c in _unique(odb.chunk_list(oid).chunks)
                        if c[0] not in packed and c[0] not in store.sent]
        except (OSError, CorruptObject):
            continue  # set aside: the object counts as missing from the cache instead
        if unpacked:
            parts[oid] = unpacked
    loose = store.loose_present({c for cs in parts.values() for c, _ in cs}, mapper)
    gaps = {oid: [c for c in cs if c[0] not in loose] for oid, cs in parts.items()}
    return {oid: cs for oid, cs in gaps.items() if cs}


def finish_push(store: RemoteStore, lists: Lists, failed: set[str], tally: Tally) -> None:
    """Upload the chunk lists none of whose chunks failed (`failed`: oids)."""
    for oid, (data, path, parts) in lists.pending.items():
        if parts & failed:
            continue
        try:
            store.write_chunk_list(oid, data)
        except Exception as exc:
            tally.failed.append(Failure(path, oid, FailureKind.ERROR, describe_error(exc)))
            continue
        tally.transferred += 1
        tally.bytes += len(data)


def split_fetch(odb: LocalODB, store: RemoteStore, mapper: Mapper, wants: Sequence[W],
                packed: RemotePacks, tally: Tally) -> tuple[list[W | Part], Lists]:
    """The wants with each object that the remote holds as a chunk list replaced by the
    chunks the cache lacks, and the lists to store after them. One request per large
    object that is not in a pack: its list, if there is one."""
    asked = sorted({w.oid for w in wants if _maybe_large(w) and w.oid not in packed})
    if not asked:
        return list(wants), Lists({})
    found = dict(zip(asked, mapper(_reader(store), asked), strict=True))
    out: list[W | Part] = []
    lists = Lists({})
    for w in wants:
        data = found.get(w.oid)
        if not isinstance(data, bytes):
            out.append(w)
            continue
        try:
            chunk_list = chunks.decode(data, w.oid)
        except chunks.BadChunkList as exc:
            tally.failed.append(Failure(w.path, w.oid, FailureKind.REMOTE_CORRUPT,
                                        f"the remote's chunk list is damaged ({exc});"
                                        " it was not stored"))
            continue
        lacking = odb.missing(oid for oid, _ in chunk_list.chunks)
        out += [Part(oid, size, w.path) for oid, size in _unique(chunk_list.chunks)
                if oid in lacking]
        lists.pending[w.oid] = (data, w.path, {oid for oid, _ in chunk_list.chunks})
    return out, lists


def lacking_chunks(odb: LocalODB, wants: Sequence[W]) -> list[Part]:
    """The chunks missing from the chunked objects among `wants` that the cache holds (a
    chunk set aside as corrupt): fetching them repairs the object."""
    out: list[Part] = []
    for w in wants:
        if _maybe_large(w) and odb.is_chunked(w.oid):
            try:
                parts = odb.chunk_list(w.oid).chunks
            except (OSError, CorruptObject):
                continue  # set aside: the object counts as missing next time
            lacking = odb.missing(oid for oid, _ in parts)
            out += [Part(oid, size, w.path) for oid, size in _unique(parts) if oid in lacking]
    return out


def _unique(parts: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    return list(dict(parts).items())


def _reader(store: RemoteStore) -> Callable[[str], bytes | None]:
    def read(oid: str) -> bytes | None:
        try:
            return store.read_chunk_list(oid)
        except FileNotFoundError:
            return None
    return read


def finish_fetch(odb: LocalODB, lists: Lists, tally: Tally) -> None:
    """Store the chunk lists whose chunks are all in the cache now."""
    if not lists.pending:
        return
    odb.reread()
    for oid, (data, path, parts) in lists.pending.items():
        if odb.missing(parts):
            continue  # a chunk failed: it is reported already
        try:
            odb.put_chunk_list(data, oid)
        except (OSError, CorruptObject) as exc:
            tally.failed.append(Failure(path, oid, FailureKind.ERROR, describe_error(exc)))
            continue
        tally.transferred += 1
        tally.bytes += len(data)
