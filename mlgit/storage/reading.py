"""Reading an object too big to read whole: a stream checked against its oid (LocalODB.open),
and the error every verified read raises on a mismatch."""

from __future__ import annotations

import errno
from types import TracebackType
from typing import BinaryIO, Protocol

from mlgit import hashing
from mlgit.storage import chunks, packs


class CorruptObject(Exception):
    def __init__(self, oid: str, actual: str, set_aside: str = "") -> None:
        text = f"object {oid} is corrupt (its content hashes to {actual})"
        if set_aside:
            text += "; it was set aside in the cache's quarantine folder"
        super().__init__(text)
        self.oid = oid
        self.actual = actual
        self.set_aside = set_aside  # the quarantine file the bad copy went to, if any



class Store(Protocol):
    """What a stream needs of the store it reads from (objects.LocalODB)."""

    quarantine_dir: str

    def read_verified(self, oid: str) -> bytes: ...

    def corrupt(self, oid: str, actual: str, where: packs.Location | None
                ) -> CorruptObject: ...

    def set_aside_chunk_list(self, oid: str) -> None: ...


class ObjectReader:
    """A stream of one object's bytes (LocalODB.open), checked against its oid: the read
    that reaches the end raises CorruptObject if they do not hash to it. A chunked object
    (`parts`) is read chunk by chunk, each chunk verified against its own oid as it is read,
    and the whole against the object's oid at the end."""

    def __init__(self, odb: Store, oid: str, data: bytes = b"",
                 file: BinaryIO | None = None, parts: chunks.ChunkList | None = None) -> None:
        self._odb = odb
        self._oid = oid
        self._data = data
        self._at = 0
        self._file = file
        self._hasher = hashing.new_hasher()
        self._parts = iter(parts.chunks) if parts is not None else None

    def read(self, size: int = hashing.CHUNK) -> bytes:
        if self._parts is not None:
            return self._read_part()
        if self._file is None:  # verified already
            chunk = self._data[self._at:self._at + size]
            self._at += len(chunk)
            return chunk
        chunk = self._file.read(size)
        if chunk:
            self._hasher.update(chunk)
            return chunk
        actual = self._hasher.hexdigest()
        if actual != self._oid:
            self.close()
            raise self._odb.corrupt(self._oid, actual, None)
        return b""

    def _read_part(self) -> bytes:
        """The next chunk (whatever size was asked: chunks are at most a few MiB)."""
        assert self._parts is not None
        for chunk_oid, _ in self._parts:
            try:
                data = self._odb.read_verified(chunk_oid)  # at most chunks.MAX_SIZE
            except FileNotFoundError:
                raise FileNotFoundError(errno.ENOENT, f"its chunk {chunk_oid} is not in the"
                                        " cache ('mlgit fetch' restores it)") from None
            self._hasher.update(data)
            return data
        actual = self._hasher.hexdigest()
        if actual != self._oid:  # every chunk was right: the list is wrong
            self._odb.set_aside_chunk_list(self._oid)
            raise CorruptObject(self._oid, actual, self._odb.quarantine_dir)
        return b""

    def close(self) -> None:
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
