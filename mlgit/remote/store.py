"""A remote object store: the same layout as the local cache, on a Backend.

    <root>/<2 hex>/<30 hex>          objects of packs.MAX_PACKED bytes or more, one each
    <root>/packs/<name>.pack         smaller objects, back to back
    <root>/packs/<name>.idx          the pack's index (format: packs.py); uploaded after the
                                     pack, so an index always names a complete pack
    <root>/<2 hex>/<30 hex>.chunks   the chunk list of a chunked object (storage/chunks.py),
                                     uploaded after its chunks
    <root>/runs/<2 hex>/<30 hex>     the run-cache's entries (`push --run-cache`)

Every call to the backend is retried on transient errors (retry.RetryingBackend).
Everything read from a remote is untrusted: indexes are checked against their checksum and
name, listings are filtered to well-formed names, and objects are verified by the caller
(transfer.py) before they enter the cache. Pack indexes are immutable (their name is their
hash), so each is downloaded once and kept under .mlgit/tmp/remote-index/.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterable
from typing import NamedTuple

from mlgit.fileio import write_atomic
from mlgit.hashing import EMPTY_OID
from mlgit.remote.backends import RangeCheck, temp_written_at
from mlgit.remote.retry import RetryingBackend
from mlgit.storage import chunks, packs

PACK_DIR = packs.PACK_DIR
RUNS_DIR = "runs"
_PACK_NAME = re.compile(r"^([0-9a-f]{32})\.idx$")
_LOOSE_NAME = re.compile(r"^[0-9a-f]{30}$")
_CHUNK_LIST_NAME = re.compile(r"^([0-9a-f]{30})\.chunks$")
_PREFIX_NAME = re.compile(r"^[0-9a-f]{2}$")
MAX_CHUNK_LIST_BYTES = 64 << 20
"""A chunk list this big describes ~350 TB with the smallest chunks: a bigger file is refused."""
FEW_LOOSE = 32
"""Up to this many objects are looked up one by one; more are found by listing folders."""

Mapper = Callable[[Callable[[str], object], list[str]], list[object]]


class PackedAt(NamedTuple):
    pack: str  # remote-relative path of the .pack file
    offset: int
    size: int


class RemotePacks(packs.PackTable):
    """Where each object in the remote's packs is (see packs.PackTable)."""

    def _location(self, pack: str, offset: int, size: int) -> PackedAt:
        return PackedAt(pack, offset, size)

    def get(self, oid: str, default: PackedAt | None = None) -> PackedAt | None:  # type: ignore[override]
        return super().get(oid, default)  # type: ignore[return-value]

    def __getitem__(self, oid: str) -> PackedAt:
        return super().__getitem__(oid)  # type: ignore[return-value]


def loose_rel(oid: str) -> str:
    return f"{oid[:2]}/{oid[2:]}"


class RemoteStore:
    def __init__(self, backend: RetryingBackend, index_cache: str) -> None:
        self.backend = backend
        self.index_cache = index_cache
        self._packed: RemotePacks | None = None
        self.bad_indexes: list[str] = []
        self.temps_seen: list[tuple[str, int]] = []  # (rel, started at) in listings made
        self.sent: set[str] = set()
        """Objects this store published (packed() lists the remote once, before them)."""

    # -- what the remote has ---------------------------------------------------------------

    def packed(self, mapper: Mapper) -> RemotePacks:
        """Every object in the remote's packs: one listing, plus a download of each index
        not seen before. Compact (packs.PackTable): a million objects take ~50 MB."""
        if self._packed is None:
            listing = self.backend.list_dir(PACK_DIR)
            self._note_temps(PACK_DIR, listing)
            listed = set(listing)
            # An index whose pack is gone (deleted by hand) lists objects that cannot be read:
            # they count as absent, so a push uploads them again.
            names = sorted(m.group(1) for n in listing
                           if (m := _PACK_NAME.match(n)) and f"{m.group(1)}.pack" in listed)
            new = [n for n in names if not os.path.exists(self._cached_index(n))]
            mapper(self._fetch_index, new)
            self._packed = RemotePacks(
                ((f"{PACK_DIR}/{name}.pack", records, set()) for name in names
                 if (records := self._load_index(name)) is not None),
                max_size=packs.MAX_PACK_BYTES)
        return self._packed

    def _cached_index(self, name: str) -> str:
        return os.path.join(self.index_cache, name + ".idx")

    def _fetch_index(self, name: str) -> None:
        raw = self.backend.read(f"{PACK_DIR}/{name}.idx")
        if packs.index_records(raw) is None or packs.index_name(raw) != name:
            self.bad_indexes.append(f"{PACK_DIR}/{name}.idx")
            return
        os.makedirs(self.index_cache, exist_ok=True)
        write_atomic(self._cached_index(name), raw)  # e.g. a full disk leaves no partial copy

    def _load_index(self, name: str) -> memoryview | None:
        try:
            with open(self._cached_index(name), "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            return None  # damaged on the remote: reported in bad_indexes
        records = packs.index_records(raw)
        if records is None:  # damaged in our own copy: fetch it again next time
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._cached_index(name))
        return records

    def loose_present(self, oids: Iterable[str], mapper: Mapper) -> set[str]:
        """Which of `oids` exist as loose objects or as chunk lists: a lookup or two each
        when few, else one listing per two-hex folder involved. The empty object is always
        present (it is implicit)."""
        wanted = set(oids)
        implicit = wanted & {EMPTY_OID}
        return implicit | self._loose_present(wanted - implicit, mapper)

    def _loose_present(self, oids: set[str], mapper: Mapper) -> set[str]:
        wanted = sorted(oids)
        if len(wanted) <= FEW_LOOSE:
            hits = mapper(self._stored_whole_or_chunked, wanted)
            return {oid for oid, hit in zip(wanted, hits, strict=True) if hit}
        prefixes = sorted({oid[:2] for oid in wanted})
        listings = mapper(self._list_prefix, prefixes)
        present: set[str] = set()
        for found in listings:
            present.update(found)  # type: ignore[arg-type]
        return present.intersection(wanted)

    def _stored_whole_or_chunked(self, oid: str) -> bool:
        return (self.backend.exists(loose_rel(oid))
                or self.backend.exists(loose_rel(oid) + chunks.SUFFIX))

    def _list_prefix(self, prefix: str) -> set[str]:
        listing = self.backend.list_dir(prefix)
        self._note_temps(prefix, listing)
        found = {prefix + n for n in listing if _LOOSE_NAME.match(n)}
        found.update(prefix + m.group(1) for n in listing if (m := _CHUNK_LIST_NAME.match(n)))
        return found

    # -- temp files that interrupted pushes left ---------------------------------------------

    def _note_temps(self, folder: str, names: list[str]) -> None:
        for name in names:
            at = temp_written_at(name)
            if at is not None:
                self.temps_seen.append((f"{folder}/{name}", at))

    def list_temps(self, mapper: Mapper) -> list[tuple[str, int]]:
        """Every temp file in the remote's object folders, with when its upload started (one
        listing per folder)."""
        folders = [n for n in self.backend.list_dir("") if _PREFIX_NAME.match(n)] + [PACK_DIR]
        self.temps_seen = []
        for folder, names in zip(folders, mapper(self.backend.list_dir, folders), strict=True):
            self._note_temps(folder, names)  # type: ignore[arg-type]
        return sorted(self.temps_seen)

    def remove_temps(self, temps: list[tuple[str, int]], max_age: float,
                     mapper: Mapper) -> list[str]:
        """Delete the temp files among `temps` started more than `max_age` seconds ago;
        returns those deleted (one already gone counts as deleted)."""
        cutoff = time.time() - max_age
        old = sorted({rel for rel, at in temps if at < cutoff})

        def remove(rel: str) -> None:
            with contextlib.suppress(FileNotFoundError):
                self.backend.remove(rel)

        mapper(remove, old)
        return old

    # -- moving bytes ------------------------------------------------------------------------

    def upload_loose(self, local_path: str, oid: str) -> None:
        self.backend.upload(local_path, loose_rel(oid), oid)
        self.sent.add(oid)

    def upload_pack(self, data: bytes | bytearray, entries: dict[str, tuple[int, int]]) -> str:
        """Publish one pack: the pack first, then its index. Returns the pack's name."""
        name, index = packs.build_index(entries)
        self.backend.write_bytes(f"{PACK_DIR}/{name}.pack", data)
        self.backend.write_bytes(f"{PACK_DIR}/{name}.idx", index)
        self.sent.update(entries)
        return name

    def upload_pack_range(self, local_pack: str, offset: int, length: int,
                          entries: dict[str, tuple[int, int]], check: RangeCheck) -> str:
        """Publish bytes of a local pack as they are, as one pack holding `entries` ({oid:
        (offset, size)} within those bytes): the pack first, then its index. `check` sees
        the bytes to publish and raises (CorruptObject) to publish nothing. Returns the
        pack's name."""
        name, index = packs.build_index(entries)
        self.backend.write_range(f"{PACK_DIR}/{name}.pack", local_pack, offset, length, check)
        self.backend.write_bytes(f"{PACK_DIR}/{name}.idx", index)
        self.sent.update(entries)
        return name

    def download_loose(self, oid: str, local_path: str) -> None:
        self.backend.download(loose_rel(oid), local_path)

    def read_chunk_list(self, oid: str) -> bytes:
        """The bytes of the remote's chunk list of `oid` (not verified: see chunks.decode);
        FileNotFoundError when it has none. A file too big for a list is read only far
        enough to be refused."""
        return self.backend.read(loose_rel(oid) + chunks.SUFFIX, 0, MAX_CHUNK_LIST_BYTES + 1)

    def write_chunk_list(self, oid: str, data: bytes) -> None:
        self.backend.write_bytes(loose_rel(oid) + chunks.SUFFIX, data)

    def read_span(self, pack: str, start: int, end: int) -> bytes:
        data = self.backend.read(pack, start, end)
        if len(data) != end - start:
            raise EOFError(f"{pack} is shorter than its index says")
        return data


    # -- the run-cache: runs/<2 hex>/<30 hex>, a small entry each (pipeline/runcache.py) ----

    def run_keys(self, mapper: Mapper) -> set[str]:
        """The keys of the runs the remote remembers: a listing of runs/, then one per
        two-hex folder in it (unfinished uploads and stray names are left out)."""
        prefixes = sorted(p for p in self.backend.list_dir(RUNS_DIR) if _PREFIX_NAME.match(p))
        listings = mapper(lambda p: self.backend.list_dir(f"{RUNS_DIR}/{p}"), prefixes)
        return {prefix + name for prefix, names in zip(prefixes, listings, strict=True)
                for name in names if _LOOSE_NAME.match(name)}  # type: ignore[attr-defined]

    def read_run(self, key: str, limit: int) -> bytes:
        """A run's entry; a file bigger than `limit` bytes is read only that far (enough to
        reject it)."""
        return self.backend.read(_run_rel(key), 0, limit + 1)

    def write_run(self, key: str, data: bytes) -> None:
        self.backend.write_bytes(_run_rel(key), data)


def _run_rel(key: str) -> str:
    return f"{RUNS_DIR}/{key[:2]}/{key[2:]}"
