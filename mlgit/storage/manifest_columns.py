"""The columns of a directory manifest read from the store, held compactly: a million paths
as one string and an array of offsets, a million oids as 16 MB of raw bytes, sizes as an
array of integers. A path or an oid becomes a Python string only when it is asked for, so a
command that reads a million-entry manifest holds ~45 MB instead of ~220 MB of strings.

Each column is a read-only sequence (index, iterate, len, compare with a list), so code
that reads a manifest does not need to know. Built by manifests.loads after the values are
validated, and from a repository's memo of a manifest (`to_memo` / `from_memo`).
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    _IntArray = array[int]
else:
    _IntArray = array

SLAB = 4096
"""Entries turned into strings at once when a column is iterated (one split or one hex
conversion per slab instead of one slice per entry)."""
_SEP = "\0"  # never in a path (manifests.loads refuses it)


class Paths(Sequence[str]):
    """Paths as one string, separated by NUL; `_starts[i]` is where path i starts (and
    `_starts[len]` is one past the end of the last, plus one)."""

    __slots__ = ("_starts", "_text")

    def __init__(self, text: str, starts: array[int]) -> None:
        self._text, self._starts = text, starts

    @classmethod
    def of(cls, paths: Sequence[str]) -> Paths:
        if isinstance(paths, Paths):
            return paths
        lengths = map((1).__add__, map(len, paths))
        return cls(_SEP.join(paths), array("Q", itertools.accumulate(lengths, initial=0)))

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            a, b, step = i.indices(len(self))
            if step != 1:
                return [self[j] for j in range(a, b, step)]
            return self._text[self._starts[a]:self._starts[b] - 1].split(_SEP) if a < b else []
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("manifest path index out of range")
        return self._text[self._starts[i]:self._starts[i + 1] - 1]

    def __iter__(self) -> Iterator[str]:
        starts, text, n = self._starts, self._text, len(self)
        for a in range(0, n, SLAB):
            b = min(a + SLAB, n)
            yield from text[starts[a]:starts[b] - 1].split(_SEP)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Paths):
            return self._text == other._text and len(self) == len(other)
        return _equal(self, other)

    __hash__ = None  # type: ignore[assignment]

    def memo(self) -> tuple[str, bytes]:
        return self._text, self._starts.tobytes()


class Oids(Sequence[str]):
    """Oids as their raw 16 bytes each, back to back; a hex string on demand."""

    __slots__ = ("_raw",)

    def __init__(self, raw: bytes) -> None:
        if len(raw) % 16:
            raise ValueError("oid column is not whole 16-byte oids")
        self._raw = raw

    @classmethod
    def of(cls, oids: Sequence[str]) -> Oids:
        """From validated oids (32 lowercase hex digits each)."""
        if isinstance(oids, Oids):
            return oids
        return cls(bytes.fromhex("".join(oids)))

    def __len__(self) -> int:
        return len(self._raw) // 16

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            a, b, step = i.indices(len(self))
            if step != 1:
                return [self[j] for j in range(a, b, step)]
            text = self._raw[a * 16:max(a, b) * 16].hex()
            return [text[j:j + 32] for j in range(0, len(text), 32)]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("manifest oid index out of range")
        return self._raw[i * 16:i * 16 + 16].hex()

    def __iter__(self) -> Iterator[str]:
        raw, n = self._raw, len(self)
        for a in range(0, n, SLAB):
            text = raw[a * 16:min(a + SLAB, n) * 16].hex()
            yield from [text[j:j + 32] for j in range(0, len(text), 32)]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Oids):
            return self._raw == other._raw
        return _equal(self, other)

    __hash__ = None  # type: ignore[assignment]

    @property
    def raw(self) -> bytes:
        return self._raw


class Sizes(_IntArray):
    """Sizes as unsigned 64-bit integers; equal to a list holding the same numbers."""

    def __new__(cls, values: Iterable[int] | bytes = ()) -> Sizes:
        sizes = super().__new__(cls, "Q", b"" if isinstance(values, bytes) else values)
        if isinstance(values, bytes):
            sizes.frombytes(values)
        return sizes  # type: ignore[return-value]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, array):
            return array.__eq__(self, other)
        return _equal(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None


def _equal(column: Sequence[Any], other: object) -> bool:
    if not isinstance(other, Sequence) or isinstance(other, str | bytes):
        return NotImplemented  # type: ignore[no-any-return]
    return len(column) == len(other) and all(map(lambda a, b: a == b, column, other))


Memo = tuple[str, str, bytes, bytes, bytes, bytes]


def to_memo(paths: Paths, oids: Oids, sizes: Sizes, execs: Sequence[bool]) -> Memo:
    """The columns as plain strings and bytes, for marshal."""
    text, starts = paths.memo()
    return (MEMO_TAG, text, starts, oids.raw, sizes.tobytes(),
            bytes(map(bool, execs)))


def from_memo(memo: object) -> tuple[Paths, Oids, Sizes, list[bool]] | None:
    """The columns of a memo written by to_memo; None if it is not one (another format)."""
    if not isinstance(memo, tuple) or len(memo) != 6 or memo[0] != MEMO_TAG:
        return None
    _, text, starts_raw, oids_raw, sizes_raw, execs_raw = memo
    starts = array("Q")
    starts.frombytes(starts_raw)
    paths = Paths(text, starts)
    oids, sizes = Oids(oids_raw), Sizes(sizes_raw)
    execs = list(map(bool, execs_raw))
    if not len(paths) == len(oids) == len(sizes) == len(execs):
        return None
    return paths, oids, sizes, execs


MEMO_TAG = "mlgit-manifest-columns-1"
