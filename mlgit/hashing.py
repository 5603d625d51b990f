"""Streaming xxh3-128: the content hash of every object."""

from __future__ import annotations

import os
from collections.abc import Callable

import xxhash

HASH_NAME = "xxh3-128"
OID_LEN = 32
CHUNK = 1 << 20

Hasher = Callable[[bytes], str]

EMPTY_OID = "99aa06d3014798d86001c324468d497f"
"""The oid of empty content. Every store (the cache and each remote) has it implicitly: it is
never written to a pack, uploaded or downloaded (docs/formats.md)."""


def hash_bytes(data: bytes) -> str:
    return xxhash.xxh3_128_hexdigest(data)


def new_hasher() -> xxhash.xxh3_128:
    return xxhash.xxh3_128()


def hash_file(path: str | os.PathLike[str]) -> tuple[str, int]:
    """Return (oid, size) of a file, reading it in chunks."""
    h = xxhash.xxh3_128()
    size = 0
    with open(path, "rb", buffering=0) as f:
        buf = bytearray(CHUNK)
        view = memoryview(buf)
        while n := f.readinto(buf):
            h.update(view[:n])
            size += n
    return h.hexdigest(), size


HEX_DIGITS = "0123456789abcdef"


def is_oid(text: object) -> bool:
    """32 lowercase hex digits (string methods rather than a regex: `re` costs every status
    ~3 ms to import)."""
    return isinstance(text, str) and len(text) == OID_LEN and not text.strip(HEX_DIGITS)
