"""Content-defined chunking of large files, and the chunk list format. Spec: docs/formats.md,
"Chunked files".

A file of `cache.chunk_threshold` bytes or more is cut with FastCDC into chunks that are
stored as ordinary objects; its chunk list (stored beside where its loose object would be,
named by the whole content's oid) says which chunks, in which order, make up the content.
Only the object store (objects.py) and its checks use this module.
"""

from __future__ import annotations

import contextlib
import os
import queue
import struct
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO, NamedTuple

import xxhash

from mlgit import hashing
from mlgit.fileio import write_atomic
from mlgit.storage import quarantine

AVG_SIZE = 512 * 1024
MIN_SIZE = 128 * 1024
MAX_SIZE = 2 * 1024 * 1024
DEFAULT_THRESHOLD = 64 * 1024 * 1024

SUFFIX = ".chunks"
MAGIC = b"MLGIT-CHUNKS 1\n"
_HEAD = struct.Struct("<16sQQ")  # whole oid, content size, number of chunks
_ENTRY = struct.Struct("<16sQ")  # chunk oid, chunk size
_SUM = 16
FIXED_LEN = len(MAGIC) + _HEAD.size + _SUM  # 63: a list of N chunks has FIXED_LEN + 24 N bytes


class BadChunkList(ValueError):
    """Bytes that are not a valid chunk list for the oid they were read for."""


class ChunkList(NamedTuple):
    oid: str  # the whole content's oid
    size: int  # the whole content's size
    chunks: list[tuple[str, int]]  # (chunk oid, chunk size), in content order


def cut(stream: BinaryIO) -> Iterator[bytes]:
    """The content of `stream` cut into chunks, each a bytes object of its own (copied out of
    the chunker's buffer, so the bytes hashed are the bytes stored even if the file changes)."""
    from pyfastcdc import FastCDC

    cdc = FastCDC(AVG_SIZE, min_size=MIN_SIZE, max_size=MAX_SIZE)
    for chunk in cdc.cut_stream(stream):
        yield bytes(chunk.data)


BLOCK = 16 << 20
"""store() reads and cuts the content this many bytes at a time."""
_BUFFERS = 3  # one being filled, one waiting, one being stored


class Block(NamedTuple):
    """Whole chunks, back to back (`data`), and the size of each in order."""

    data: memoryview
    sizes: list[int]
    buffer: bytearray  # the memory `data` is in, reused once the next block is asked for


def blocks(fd: int, block_size: int = BLOCK) -> Iterator[Block]:
    """The content of `fd` (from where it is to its end), cut into chunks a block at a time.
    The reading and cutting run on a thread of their own (both release the GIL) while the
    caller stores the previous block. A block's memory is reused once the next one is asked
    for, and it is a private copy: the chunks hashed are the chunks stored even if the file
    changes meanwhile. The cut points are those of cutting the whole content in one go."""
    free: queue.SimpleQueue[bytearray | None] = queue.SimpleQueue()
    for _ in range(_BUFFERS):
        free.put(bytearray(block_size + MAX_SIZE))
    ready: queue.SimpleQueue[Block | BaseException | None] = queue.SimpleQueue()
    reader = threading.Thread(target=_read_blocks, args=(fd, free, ready), daemon=True,
                              name="mlgit-chunker")
    reader.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
            free.put(item.buffer)
    finally:
        free.put(None)  # tells a reader waiting for a buffer to stop
        reader.join()


def _read_blocks(fd: int, free: queue.SimpleQueue[bytearray | None],
                 ready: queue.SimpleQueue[Block | BaseException | None]) -> None:
    from pyfastcdc import FastCDC

    try:
        with contextlib.suppress(OSError, AttributeError):  # advice only
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
        cdc = FastCDC(AVG_SIZE, min_size=MIN_SIZE, max_size=MAX_SIZE)
        buffer, filled = free.get(), 0
        while buffer is not None:
            view = memoryview(buffer)
            filled, eof = _fill(fd, view, filled)
            sizes, done = _cut(cdc, view[:filled], eof)
            following = None if eof else free.get()
            if following is not None:  # the tail that is not a whole chunk yet moves on
                memoryview(following)[:filled - done] = view[done:filled]
            ready.put(Block(view[:done], sizes, buffer))
            if eof:
                break
            buffer, filled = following, filled - done
        ready.put(None)
    except BaseException as exc:  # handed to the caller, raised there
        ready.put(exc)


def _fill(fd: int, view: memoryview, filled: int) -> tuple[int, bool]:
    """Read into `view` after its first `filled` bytes until it is full; (bytes in it now,
    whether the end of the content was reached)."""
    while filled < len(view):
        n = os.readv(fd, [view[filled:]])
        if n == 0:
            return filled, True
        filled += n
    return filled, False


def _cut(cdc: object, data: memoryview, eof: bool) -> tuple[list[int], int]:
    """The sizes of the chunks at the start of `data` that are final, and their total. A cut
    is final when at least MAX_SIZE bytes follow its start (FastCDC looks no further) or the
    content ends there: so block by block gives the cuts of the whole content in one go."""
    sizes: list[int] = []
    done = 0
    for chunk in cdc.cut_buf(data):  # type: ignore[attr-defined]
        if not eof and len(data) - done < MAX_SIZE:
            break
        sizes.append(chunk.length)
        done += chunk.length
    return sizes, done


def store(fd: int, put: Callable[[str, memoryview], None]) -> ChunkList:
    """Cut the content of `fd` into chunks, hand each new chunk to `put(oid, bytes)` in
    order (the bytes are only valid during the call), and return the content's chunk list."""
    whole = hashing.new_hasher()
    parts: list[tuple[str, int]] = []
    size = 0
    for block in blocks(fd):
        whole.update(block.data)
        at = 0
        for n in block.sizes:
            piece = block.data[at:at + n]
            oid = hashing.hash_bytes(piece)  # type: ignore[arg-type]
            put(oid, piece)
            parts.append((oid, n))
            at += n
        size += at
    return ChunkList(whole.hexdigest(), size, parts)


def encode(chunk_list: ChunkList) -> bytes:
    body = bytearray(MAGIC)
    body += _HEAD.pack(bytes.fromhex(chunk_list.oid), chunk_list.size, len(chunk_list.chunks))
    for oid, size in chunk_list.chunks:
        body += _ENTRY.pack(bytes.fromhex(oid), size)
    body += xxhash.xxh3_128_digest(bytes(body))
    return bytes(body)


def decode(data: bytes, oid: str) -> ChunkList:
    """The chunk list in `data`, which must be the valid list of content `oid`; else
    BadChunkList saying what is wrong."""
    if len(data) < FIXED_LEN or not data.startswith(MAGIC):
        raise BadChunkList("not a chunk list (no 'MLGIT-CHUNKS 1' header)")
    if xxhash.xxh3_128_digest(data[:-_SUM]) != data[-_SUM:]:
        raise BadChunkList("its checksum is wrong")
    raw_oid, size, count = _HEAD.unpack_from(data, len(MAGIC))
    if len(data) != FIXED_LEN + count * _ENTRY.size:
        raise BadChunkList(f"its length does not fit {count} chunks")
    if raw_oid.hex() != oid:
        raise BadChunkList(f"it describes {raw_oid.hex()}, not {oid}")
    start = len(MAGIC) + _HEAD.size
    chunks = [(raw.hex(), n) for raw, n in _ENTRY.iter_unpack(data[start:-_SUM])]
    if any(n < 1 for _, n in chunks) or sum(n for _, n in chunks) != size:
        raise BadChunkList("its chunk sizes do not add up to the content's size")
    return ChunkList(oid, size, chunks)


def could_be_list_name(name: str) -> bool:
    """Whether a file name in a store's prefix folder is a chunk list's (30 hex + suffix)."""
    return len(name) == hashing.OID_LEN - 2 + len(SUFFIX) and name.endswith(SUFFIX) \
        and name[0] != "."


class ChunkLists:
    """The chunk lists of a store: files `<2 hex>/<30 hex>.chunks` beside where the loose
    objects are, read (verified, then remembered), written, listed and set aside."""

    def __init__(self, root: str, quarantine_dir: str) -> None:
        self.root = root
        self.quarantine_dir = quarantine_dir
        self._read: dict[str, ChunkList] = {}

    def path(self, oid: str) -> str:
        return os.path.join(self.root, oid[:2], oid[2:] + SUFFIX)

    def read(self, oid: str) -> ChunkList:
        """The valid chunk list of `oid`: FileNotFoundError if there is none, BadChunkList
        if it is not valid."""
        found = self._read.get(oid)
        if found is None:
            with open(self.path(oid), "rb") as f:
                found = self._read[oid] = decode(f.read(), oid)
        return found

    def write(self, oid: str, data: bytes) -> str:
        """Write the list of `oid` (atomically, read-only); returns its path."""
        path = self.path(oid)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_atomic(path, data, 0o444)
        return path

    def set_aside(self, oid: str) -> None:
        """Move a bad list into quarantine/ (the content then counts as missing)."""
        self._read.pop(oid, None)
        os.makedirs(self.quarantine_dir, exist_ok=True)
        with contextlib.suppress(OSError):
            quarantine.move_aside(self.path(oid), self.quarantine_dir, oid + SUFFIX)

    @staticmethod
    def oids_in(listings: Iterable[tuple[str, list[str]]]) -> Iterator[str]:
        """The oids whose list the (prefix, names) listings of a store show."""
        for prefix, names in listings:
            for name in names:
                if could_be_list_name(name):
                    yield prefix + name[: -len(SUFFIX)]
