"""The objects of a store's packs as one sorted table (about 48 bytes per object instead of a
dict's ~250), read from the pack indexes' record bytes: lookups by binary search. Built by
packs.load_all."""

from __future__ import annotations

import heapq
import itertools
import operator
import struct
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping

REC = struct.Struct("<16sQQ")
"""An index record: 16-byte oid, offset, size (packs.py writes them)."""

Location = tuple[str, int, int]
"""(pack path, offset, size)"""


_PREFIX = struct.Struct(">Q")
_HEAD = struct.Struct(">Q24x")  # a record's first 8 oid bytes, as a number that sorts alike
_SIZE = struct.Struct("<24xQ")
_PLACE = struct.Struct("<QQ")


class PackTable(Mapping[str, Location]):
    """Where each object of many packs is, compactly: sorted arrays instead of a dict of a
    million strings and tuples (about 48 bytes an object instead of about 250). A lookup
    is a binary search on the oid's first 8 bytes. An object in several packs is found in
    the first pack given. Subclasses may return their own location type (`_location`)."""

    def __init__(self, indexes: Iterable[tuple[str, memoryview, set[str]]],
                 max_size: int | None = None) -> None:
        """`indexes`: (pack path, its index's records, oids to leave out) per pack, in order
        of preference; entries of `max_size` bytes or more are left out too."""
        self._packs: list[str] = []
        prefixes = array("Q")
        self._records = bytearray()
        self._pack_of = array("I")
        runs: list[tuple[int, int]] = []  # the records of each pack, sorted by oid
        for pack, raw, skip in indexes:
            if max_size is not None and any(s >= max_size for (s,) in _SIZE.iter_unpack(raw)):
                raw = _without(raw, lambda r: _SIZE.unpack(r)[0] >= max_size)
            if skip:
                raw = _without(raw, lambda r: bytes(r[:16]).hex() in skip)  # noqa: B023
            count = len(raw) // REC.size
            runs.append((len(self._pack_of), len(self._pack_of) + count))
            prefixes.extend(p for (p,) in _HEAD.iter_unpack(raw))
            self._records += raw
            self._pack_of.extend(array("I", [len(self._packs)]) * count)
            self._packs.append(pack)
        self._order = _merged_order(self._records, runs)
        self._prefixes = array("Q", map(prefixes.__getitem__, self._order))
        if not _ascending(self._prefixes):  # an index whose records are not sorted
            self._order = _sorted_order(self._records)
            self._prefixes = array("Q", map(prefixes.__getitem__, self._order))
        self._len = -1

    def _oid_at(self, i: int) -> bytes:
        r = self._order[i] * REC.size
        return bytes(self._records[r:r + 16])

    def _find(self, oid: str) -> int:
        try:
            prefix = int(oid[:16], 16)
            key = bytes.fromhex(oid)
        except (ValueError, TypeError):
            return -1
        if len(key) != 16:
            return -1
        prefixes, order, records = self._prefixes, self._order, self._records
        i = bisect_left(prefixes, prefix)
        while i < len(prefixes) and prefixes[i] == prefix:
            r = order[i] * 32
            if records[r:r + 16] == key:
                return i
            i += 1
        return -1

    def _location(self, pack: str, offset: int, size: int) -> Location:
        return (pack, offset, size)

    def _at(self, i: int) -> Location:
        r = self._order[i]
        offset, size = _PLACE.unpack_from(self._records, r * REC.size + 16)
        return self._location(self._packs[self._pack_of[r]], offset, size)

    def __contains__(self, oid: object) -> bool:
        return isinstance(oid, str) and self._find(oid) >= 0

    def get(self, oid: str, default: Location | None = None) -> Location | None:  # type: ignore[override]
        i = self._find(oid)
        return default if i < 0 else self._at(i)

    def __getitem__(self, oid: str) -> Location:
        i = self._find(oid)
        if i < 0:
            raise KeyError(oid)
        return self._at(i)

    def __len__(self) -> int:
        if self._len < 0:
            self._len = sum(1 for _ in self)
        return self._len

    def __iter__(self) -> Iterator[str]:
        last = b""
        for i in range(len(self._prefixes)):
            oid = self._oid_at(i)
            if oid != last:  # an object in several packs once
                yield oid.hex()
            last = oid


def _merged_order(records: bytearray, runs: list[tuple[int, int]]) -> array[int]:
    """Record numbers in the order of their oids, by merging the packs' runs of records
    (each index is sorted by oid): one record at a time, where a sort would hold a key per
    record (a million: ~100 MB). Stable: the copies of an object in several packs are
    neighbours, the first given first."""
    runs = [(a, b) for a, b in runs if b > a]
    if len(runs) <= 1:
        return array("I", range(len(records) // REC.size))
    if len(records) < _MERGE_FROM * REC.size:
        return _sorted_order(records)  # twice as fast, and the keys are few
    keyed = [((bytes(records[i * 32:i * 32 + 16]), i) for i in range(a, b)) for a, b in runs]
    return array("I", (i for _, i in heapq.merge(*keyed)))


_MERGE_FROM = 250_000
"""Tables of fewer records are ordered by a sort, bigger ones by a merge."""


def _sorted_order(records: bytearray) -> array[int]:
    """Record numbers in the order of their oids, stable, whatever order the packs' records
    are in."""
    return array("I", sorted(range(len(records) // REC.size),
                             key=lambda i: bytes(records[i * 32:i * 32 + 16])))


def _ascending(prefixes: array[int]) -> bool:
    return all(map(operator.le, prefixes, itertools.islice(prefixes, 1, None)))


def _without(raw: memoryview, drop: Callable[[memoryview], bool]) -> memoryview:
    """The records of `raw` that `drop` does not pick."""
    kept = bytearray()
    for i in range(0, len(raw), REC.size):
        record = raw[i:i + REC.size]
        if not drop(record):
            kept += record
    return memoryview(kept)


# -- set-aside entries -------------------------------------------------------------------------
# A pack cannot be changed, so a corrupt object inside one is set aside by an empty marker
# file beside it, `<pack name>.<oid>.quarantined`: readers then skip that entry of that pack
# (another pack may hold a good copy). One file per entry, created atomically, so concurrent
# commands never lose each other's marks; it lives in packs/ so the cache stamp changes.
