"""The objects of a store's packs as one sorted table (about 48 bytes per object instead of a
dict's ~250), read from the pack indexes' record bytes: lookups by binary search. Built by
packs.load_all."""

from __future__ import annotations

import heapq
import itertools
import operator
import struct
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping

REC = struct.Struct("<16sQQ")
"""An index record: 16-byte oid, offset, size (packs.py writes them)."""

Location = tuple[str, int, int]
"""(pack path, offset, size)"""


_PREFIX = struct.Struct(">Q")
_SIZE = struct.Struct("<24xQ")
_PLACE = struct.Struct("<QQ")

# A binary search costs a few microseconds in Python: a command that looks up many objects of
# a table that is not huge (a checkout of 20k files asks about each one twice) gets a dict
# after a while, ~100 bytes an object; past _DICT_MAX objects the table stays compact.
_DICT_MAX = 300_000
_DICT_AFTER_MIN = 1024
# Up to this many packs, a lookup searches each one in turn; more are merged into one order.
_SEARCH_APART_MAX = 8
_MERGE_FROM = 250_000
"""Tables of fewer records are put in order by a sort, bigger ones by a merge (less memory)."""


class PackTable(Mapping[str, Location]):
    """Where each object of many packs is, compactly: arrays instead of a dict of a million
    strings and tuples (about 48 bytes an object instead of about 250). Each pack's records
    are sorted by oid already: with few packs a lookup is a binary search on the oid's first
    8 bytes in each pack, in order (nothing to sort up front: a command that asks about a
    hundred objects does not pay for a million); with many, the packs are merged into one
    sorted order once. An object in several packs is found in the first pack given.
    Subclasses may return their own location type (`_location`)."""

    def __init__(self, indexes: Iterable[tuple[str, memoryview, set[str]]],
                 max_size: int | None = None) -> None:
        """`indexes`: (pack path, its index's records, oids to leave out) per pack, in order
        of preference; entries of `max_size` bytes or more are left out too."""
        self._packs: list[str] = []
        self._heads = array("Q")  # each record's first 8 oid bytes, as a sortable number
        self._records = bytearray()
        self._pack_of = array("I")
        self._starts = [0]  # where each pack's records begin, then the end
        for pack, raw, skip in indexes:
            if max_size is not None and any(s >= max_size for (s,) in _SIZE.iter_unpack(raw)):
                raw = _without(raw, lambda r: _SIZE.unpack(r)[0] >= max_size)
            if skip:
                raw = _without(raw, lambda r: bytes(r[:16]).hex() in skip)  # noqa: B023
            count = len(raw) // REC.size
            self._heads.extend(_heads(raw))
            self._records += raw
            self._pack_of.extend(array("I", [len(self._packs)]) * count)
            self._packs.append(pack)
            self._starts.append(self._starts[-1] + count)
        # record numbers in oid order (merged), or None while each pack is searched apart
        self._order: array[int] | None = None
        self._runs_sorted = all(_ascending(self._heads[a:b])
                                for a, b in itertools.pairwise(self._starts))
        if len(self._packs) > _SEARCH_APART_MAX or not self._runs_sorted:
            self._merge()  # an index whose records are not in order cannot be searched apart
        self._len = -1
        count = len(self._heads)
        self._by_oid: dict[str, int] | None = None
        self._lookups = 0
        self._dict_after = max(_DICT_AFTER_MIN, count // 8) if count <= _DICT_MAX else -1

    def _merge(self) -> array[int]:
        """Record numbers in oid order. The sort is stable, by the first 8 bytes (a key in C,
        no Python call per record): copies of an object in several packs keep the order they
        were given in; lookups and iteration look at every record of an equal prefix."""
        if self._order is None:
            heads, starts = self._heads, self._starts
            runs = [(a, b) for a, b in itertools.pairwise(starts) if b > a]
            if len(runs) <= 1 and self._runs_sorted:
                self._order = array("I", range(len(heads)))
            elif len(heads) < _MERGE_FROM or not self._runs_sorted:
                self._order = array("I", sorted(range(len(heads)), key=heads.__getitem__))
            else:  # a sort would hold a key per record (a million: ~100 MB); a merge, one
                keyed = [((heads[i], i) for i in range(a, b)) for a, b in runs]
                self._order = array("I", (i for _, i in heapq.merge(*keyed)))
        return self._order

    def _oid_of(self, r: int) -> bytes:
        return bytes(self._records[r * 32:r * 32 + 16])

    def _find(self, oid: str) -> int:
        """The record number of `oid` (its first copy), or -1."""
        by_oid = self._by_oid
        if by_oid is not None:
            return by_oid.get(oid, -1)
        if self._dict_after >= 0:
            self._lookups += 1
            if self._lookups > self._dict_after:
                self._by_oid = self._oid_dict()
                return self._by_oid.get(oid, -1)
        try:
            prefix = int(oid[:16], 16)
            key = bytes.fromhex(oid)
        except (ValueError, TypeError):
            return -1
        if len(key) != 16:
            return -1
        heads, records, order = self._heads, self._records, self._order
        if order is None:
            starts = self._starts
            for k in range(len(starts) - 1):
                end = starts[k + 1]
                r = bisect_left(heads, prefix, starts[k], end)
                while r < end and heads[r] == prefix:
                    if records[r * 32:r * 32 + 16] == key:
                        return r
                    r += 1
            return -1
        sorted_heads = self._sorted_heads()
        i = bisect_left(sorted_heads, prefix)
        while i < len(sorted_heads) and sorted_heads[i] == prefix:
            r = order[i]
            if records[r * 32:r * 32 + 16] == key:
                return r
            i += 1
        return -1

    def _sorted_heads(self) -> array[int]:
        if self._sorted is None:
            self._sorted = array("Q", map(self._heads.__getitem__, self._merge()))
        return self._sorted

    _sorted: array[int] | None = None

    def absent(self, oids: Collection[str]) -> set[str]:
        """The `oids` this table does not hold (many asked at once: one dict lookup each)."""
        if self._by_oid is None and 0 <= self._dict_after < len(oids):
            self._by_oid = self._oid_dict()
        by_oid = self._by_oid
        if by_oid is not None:
            return {oid for oid in oids if oid not in by_oid}
        return {oid for oid in oids if self._find(oid) < 0}

    def _oid_dict(self) -> dict[str, int]:
        # every record in hex at once, then one slice per oid: no Python call per record
        hexed = self._records.hex()
        step = REC.size * 2
        oids = [hexed[i:i + 32] for i in range(len(hexed) - step, -1, -step)]
        # built from the last record back, so that the first pack's copy wins
        return dict(zip(oids, range(len(oids) - 1, -1, -1), strict=True))

    def _location(self, pack: str, offset: int, size: int) -> Location:
        return (pack, offset, size)

    def _at(self, r: int) -> Location:
        offset, size = _PLACE.unpack_from(self._records, r * REC.size + 16)
        return self._location(self._packs[self._pack_of[r]], offset, size)

    def __contains__(self, oid: object) -> bool:
        return isinstance(oid, str) and self._find(oid) >= 0

    def get(self, oid: str, default: Location | None = None) -> Location | None:  # type: ignore[override]
        # (a checkout asks this once per file: the dict's answer without further calls)
        by_oid = self._by_oid
        r = by_oid.get(oid, -1) if by_oid is not None else self._find(oid)
        if r < 0:
            return default
        offset, size = _PLACE.unpack_from(self._records, r * 32 + 16)
        return self._location(self._packs[self._pack_of[r]], offset, size)

    def __getitem__(self, oid: str) -> Location:
        r = self._find(oid)
        if r < 0:
            raise KeyError(oid)
        return self._at(r)

    def __len__(self) -> int:
        if self._len < 0:
            self._len = sum(1 for _ in self)
        return self._len

    def __iter__(self) -> Iterator[str]:
        """Each oid once, in order."""
        heads, order = self._heads, self._merge()
        last_head = -1
        seen: set[bytes] = set()  # the oids of the current prefix: each object once
        for r in order:
            if heads[r] != last_head:
                last_head = heads[r]
                seen.clear()
            oid = self._oid_of(r)
            if oid not in seen:
                seen.add(oid)
                yield oid.hex()


def _heads(raw: memoryview) -> array[int]:
    """Each record's first 8 oid bytes as a number that sorts alike (big-endian), in C: the
    records as 64-bit words, every fourth one, byte-swapped on little-endian machines."""
    words = array("Q")
    words.frombytes(raw)
    heads = words[::REC.size // 8]
    if sys.byteorder == "little":
        heads.byteswap()
    return heads


def _ascending(values: array[int]) -> bool:
    return all(map(operator.le, values, itertools.islice(values, 1, None)))


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
