"""Pack files: many small objects in one file, so adding or checking out 20k small files does
not cost 20k inode creations in the cache. Spec: docs/formats.md.

`packs/<name>.pack` holds object bytes back to back; `packs/<name>.idx` lists, sorted by oid,
each object's raw 16-byte oid, offset and size, followed by an xxh3-128 checksum of all that.
A pack is visible only once its index exists, and the index is written (temp + rename) only
after the pack itself is complete. Readers verify every object's hash as usual.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import re
import threading
from collections.abc import Iterator

from mlgit import hashing
from mlgit.fileio import start_writeback, temp_beside, write_all, write_atomic
from mlgit.storage.pack_table import REC
from mlgit.storage.pack_table import Location as Location
from mlgit.storage.pack_table import PackTable as PackTable
from mlgit.storage.stamp import PACK_DIR as PACK_DIR  # the name everyone uses lives there

MAX_PACKED = 1 << 20
"""Objects smaller than this go into packs; bigger ones are loose files."""
MAX_PACK_BYTES = 1 << 30
_FLUSH_BYTES = 8 << 20
_DIRECT_BYTES = 256 << 10
"""An object this big is written straight from the caller's buffer, not copied into ours."""
_WRITEBACK_BYTES = 32 << 20
"""The disk is asked to start writing a pack every this many bytes, so that the batch's final
sync has little left to wait for."""
_MAGIC = b"MLGIT-PACK-INDEX 1\n"
CHUNK_MAGIC = b"MLGIT-CHUNK-INDEX 1\n"
"""The index of a pack of chunks (storage/chunks.py): same records, another magic, so that a
version of mlgit that does not know chunked files sees the pack as unreadable and leaves it
alone (its gc never rewrites or deletes a pack whose index it cannot read)."""


def read_index(idx_path: str) -> dict[str, Location] | None:
    """The objects a pack index lists, or None if the index is damaged."""
    try:
        with open(idx_path, "rb") as f:
            raw = f.read()
    except OSError:
        return None
    records = index_records(raw)
    if records is None:
        return None
    pack = idx_path[: -len(".idx")] + ".pack"
    return {oid.hex(): (pack, off, size) for oid, off, size in REC.iter_unpack(records)}


def parse_index(raw: bytes) -> list[tuple[str, int, int]] | None:
    """(oid, offset, size) records of an index file's bytes; None if it is damaged."""
    records = index_records(raw)
    if records is None:
        return None
    return [(oid.hex(), off, size) for oid, off, size in REC.iter_unpack(records)]


def index_records(raw: bytes) -> memoryview | None:
    """The record bytes of an index file (16-byte oid, offset, size each, sorted by oid);
    None if it is damaged."""
    body, checksum = raw[:-16], raw[-16:]
    magic = _MAGIC if body.startswith(_MAGIC) else CHUNK_MAGIC
    if not body.startswith(magic) or _digest(body) != checksum \
            or (len(body) - len(magic)) % REC.size:
        return None
    return memoryview(body)[len(magic):]


def holds_chunks(raw: bytes) -> bool:
    """Whether an index's bytes are those of a pack of chunks."""
    return raw.startswith(CHUNK_MAGIC)


def index_name(raw: bytes) -> str:
    """The name of a pack and its index: the hash of the index body (checksum excluded)."""
    return _digest(raw[:-16]).hex()


def build_index(entries: dict[str, tuple[int, int]], chunks: bool = False
                ) -> tuple[str, bytes]:
    """(name, index file bytes) for a pack holding {oid: (offset, size)} (chunks: a pack of
    chunks)."""
    body = (CHUNK_MAGIC if chunks else _MAGIC) + b"".join(REC.pack(bytes.fromhex(oid), off, size)
                             for oid, (off, size) in sorted(entries.items()))
    checksum = _digest(body)
    return checksum.hex(), body + checksum


def _digest(data: bytes) -> bytes:
    h = hashing.new_hasher()
    h.update(data)
    return bytes(h.digest())


def load_all(pack_dir: str, damaged: list[str] | None = None) -> PackTable:
    """Every object of the packs in `pack_dir`. Indexes that are damaged, or whose pack is
    missing, are skipped; their names (`packs/NAME.idx`) are added to `damaged`."""
    try:
        names = os.listdir(pack_dir)
    except FileNotFoundError:
        return PackTable([])
    set_aside = set_aside_entries(names)
    present = set(names)

    def indexes() -> Iterator[tuple[str, memoryview, set[str]]]:
        for name in sorted(names):
            if name.endswith(".idx") and not name.startswith("."):
                path = os.path.join(pack_dir, name)
                records = (_read_records(path) if name[: -len(".idx")] + ".pack" in present
                           else None)
                if records is None:
                    if damaged is not None and os.path.exists(path):  # not removed meanwhile
                        damaged.append(f"{PACK_DIR}/{name}")
                    continue
                skip = set_aside.get(name[: -len(".idx")], set())
                yield path[: -len(".idx")] + ".pack", records, skip

    return PackTable(indexes())


def _read_records(idx_path: str) -> memoryview | None:
    try:
        with open(idx_path, "rb") as f:
            return index_records(f.read())
    except OSError:
        return None


SET_ASIDE_SUFFIX = ".quarantined"
_SET_ASIDE = re.compile(r"^([0-9a-f]{32})\.([0-9a-f]{32})" + re.escape(SET_ASIDE_SUFFIX) + "$")


def set_aside_entries(names: list[str]) -> dict[str, set[str]]:
    """{pack name: oids set aside in it} from a listing of the packs folder."""
    found: dict[str, set[str]] = {}
    for name in names:
        if (m := _SET_ASIDE.match(name)) is not None:
            found.setdefault(m.group(1), set()).add(m.group(2))
    return found


def set_aside_mark(pack_path: str, oid: str) -> str:
    """The marker file saying that the copy of `oid` in this pack is set aside."""
    return f"{pack_path[: -len('.pack')]}.{oid}{SET_ASIDE_SUFFIX}"


def mark_set_aside(pack_path: str, oid: str) -> None:
    """Record that the copy of `oid` in this pack must never be read again."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(set_aside_mark(pack_path, oid),
                         os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444))


def clear_marks(pack_dir: str, pack: str) -> None:
    """Delete the set-aside marks of a pack that was just written again with good bytes (a
    pack's name is the hash of its index, so a fetch can bring back the very same pack)."""
    try:
        names = os.listdir(pack_dir)
    except FileNotFoundError:
        return
    for name in names:
        if name.startswith(f"{pack}.") and name.endswith(SET_ASIDE_SUFFIX):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(pack_dir, name))


def remove_stale_marks(pack_dir: str) -> None:
    """Delete the marks of packs that no longer exist (gc rewrote or removed them)."""
    try:
        names = os.listdir(pack_dir)
    except FileNotFoundError:
        return
    present = set(names)
    for pack, oids in set_aside_entries(names).items():
        if f"{pack}.idx" not in present:
            for oid in oids:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(pack_dir, f"{pack}.{oid}{SET_ASIDE_SUFFIX}"))


class Closed(Exception):
    """A write into the store after it was closed: a thread that Ctrl-C left running."""


class PackWriter:
    """Appends objects to a new pack; `finish` publishes it. Thread-safe. With `chunks`, the
    pack is a pack of chunks (CHUNK_MAGIC)."""

    def __init__(self, pack_dir: str, chunks: bool = False) -> None:
        self.pack_dir = pack_dir
        self.chunks = chunks
        self._lock = threading.Lock()
        self._fd = -1
        self._tmp = ""
        self._offset = 0
        self._buf = bytearray()
        self._flushed = 0
        self._synced = 0  # bytes whose write-back was started
        self.entries: dict[str, tuple[int, int]] = {}
        self.published: list[str] = []
        self._aborted = False

    def add(self, oid: str, data: bytes | memoryview) -> None:
        if not data:
            return  # the empty object is implicit (hashing.EMPTY_OID): never packed
        with self._lock:
            if self._aborted:
                raise Closed(self.pack_dir)  # else it would start a new pack file
            if oid in self.entries:
                return
            if self._fd < 0:
                self._open()
            self.entries[oid] = (self._offset, len(data))
            self._offset += len(data)
            if len(data) >= _DIRECT_BYTES:
                self._flush()
                write_all(self._fd, data)
                self._flushed += len(data)
                self._start_writeback()
            else:
                self._buf += data
                if len(self._buf) >= _FLUSH_BYTES:
                    self._flush()
            if self._offset >= MAX_PACK_BYTES:
                self._publish()

    def read(self, oid: str) -> bytes | None:
        """An object added to the pack being written (not yet published)."""
        with self._lock:
            where = self.entries.get(oid)
            if where is None or self._fd < 0:
                return None
            offset, size = where
            if offset >= self._flushed:
                start = offset - self._flushed
                return bytes(self._buf[start:start + size])
            return os.pread(self._fd, size, offset)

    def _flush(self) -> None:
        if not self._buf:
            return
        write_all(self._fd, self._buf)
        self._flushed += len(self._buf)
        self._buf = bytearray()
        self._start_writeback()

    def _start_writeback(self) -> None:
        if self._flushed - self._synced >= _WRITEBACK_BYTES:
            start_writeback(self._fd, self._synced, self._flushed - self._synced)
            self._synced = self._flushed

    def finish(self) -> list[str]:
        """Publish the pack being written; returns the index paths published so far."""
        with self._lock:
            if self._fd >= 0:
                self._publish()
        return self.published

    def abort(self) -> None:
        with self._lock:
            self._aborted = True
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self._tmp)
            self.entries.clear()

    def _open(self) -> None:
        os.makedirs(self.pack_dir, exist_ok=True)
        self._tmp = temp_beside(os.path.join(self.pack_dir, "new.pack"))
        self._fd = os.open(self._tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o444)
        self._offset = self._flushed = self._synced = 0
        self._buf = bytearray()

    def _publish(self) -> None:
        self._flush()
        name, index = build_index(self.entries, self.chunks)
        os.close(self._fd)
        self._fd = -1
        pack = os.path.join(self.pack_dir, name + ".pack")
        os.replace(self._tmp, pack)
        clear_marks(self.pack_dir, name)  # a pack of that name was set aside: this one is good
        idx = os.path.join(self.pack_dir, name + ".idx")
        try:
            write_atomic(idx, index, 0o444)
        except BaseException:  # e.g. the disk is full: leave no pack without its index
            if not os.path.exists(idx):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(pack)
            raise
        self.published.append(idx)
        self.entries = {}


MAPPED_RESIDENT_BYTES = 64 << 20
"""A PackReader lets go of the pages it has read once it has read this many bytes."""


class PackReader:
    """Reads objects from published packs through a read-only memory map per pack: a slice
    per object instead of a system call (20k small files: 20k preads saved).

    Every page read through a map stays in the process's resident set until it is unmapped,
    so reading a million small objects from 4.5 GB of packs would show as 4.5 GB of memory
    (and count against memory limits). After every MAPPED_RESIDENT_BYTES read, the maps are
    told their pages are not needed: the pages stay in the page cache, and a later read of
    them faults them back in."""

    def __init__(self) -> None:
        self._maps: dict[str, mmap.mmap] = {}
        self._lock = threading.Lock()
        self._read_since_release = 0

    def read(self, where: Location) -> bytes:
        pack, offset, size = where
        if size == 0:
            return b""  # an empty pack cannot be mapped; older versions wrote such packs
        mapped = self._maps.get(pack)
        if mapped is None:
            mapped = self._map(pack)
        if offset + size > len(mapped):
            raise OSError(f"pack {pack} is truncated")
        data = mapped[offset:offset + size]
        self._read_since_release += size  # a lost update under threads only delays a release
        if self._read_since_release >= MAPPED_RESIDENT_BYTES:
            self.release_pages()
        return data

    def release_pages(self) -> None:
        """Drop the pages read so far from the resident set (not from the page cache)."""
        with self._lock:
            self._read_since_release = 0
            for mapped in self._maps.values():
                _release(mapped)

    def _map(self, pack: str) -> mmap.mmap:
        with self._lock:
            mapped = self._maps.get(pack)
            if mapped is None:
                fd = os.open(pack, os.O_RDONLY)
                try:
                    if os.fstat(fd).st_size == 0:
                        raise OSError(f"pack {pack} is empty")
                    mapped = self._maps[pack] = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
                finally:
                    os.close(fd)
            return mapped

    def close(self) -> None:
        with self._lock:
            for mapped in self._maps.values():
                mapped.close()
            self._maps.clear()


def _release(mapped: mmap.mmap) -> None:
    # A read-only shared file mapping: MADV_DONTNEED only unmaps the pages; the next access
    # reads them again from the page cache (or the file), so concurrent readers are safe.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        mapped.madvise(mmap.MADV_DONTNEED)


def remove_pack(idx_path: str) -> None:
    """Delete a pack: the index first, so the pack is never listed without its data."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(idx_path)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(idx_path[: -len(".idx")] + ".pack")

