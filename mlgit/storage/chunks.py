"""Content-defined chunking of large files, and the chunk list format. Spec: docs/formats.md,
"Chunked files".

A file of `cache.chunk_threshold` bytes or more is cut with FastCDC into chunks that are
stored as ordinary objects; its chunk list (stored beside where its loose object would be,
named by the whole content's oid) says which chunks, in which order, make up the content.
Only the object store (objects.py) and its checks use this module.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

import xxhash

from mlgit import hashing

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
