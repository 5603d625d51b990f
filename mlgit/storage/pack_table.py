"""The objects of a store's packs as one sorted table (about 48 bytes per object instead of a
dict's ~250), read from the pack indexes' record bytes: lookups by binary search. Built by
packs.load_all."""

from __future__ import annotations

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
        for pack, raw, skip in indexes:
            if max_size is not None and any(s >= max_size for (s,) in _SIZE.iter_unpack(raw)):
                raw = _without(raw, lambda r: _SIZE.unpack(r)[0] >= max_size)
            if skip:
                raw = _without(raw, lambda r: bytes(r[:16]).hex() in skip)  # noqa: B023
            count = len(raw) // REC.size
            prefixes.extend(_heads(raw))
            self._records += raw
            self._pack_of.extend(array("I", [len(self._packs)]) * count)
            self._packs.append(pack)
        # Each pack's records are sorted already: the sort merges runs. Stable, by the first
        # 8 bytes (a key in C, no Python call per record): the copies of an object in several
        # packs keep the order they were given in; _find and __iter__ look at every record of
        # an equal prefix.
        self._order = array("I", range(len(prefixes)) if len(self._packs) <= 1 else
                            sorted(range(len(prefixes)), key=prefixes.__getitem__))
        self._prefixes = (prefixes if len(self._packs) <= 1 else
                          array("Q", map(prefixes.__getitem__, self._order)))
        self._len = -1
        self._by_oid: dict[str, int] | None = None
        self._lookups = 0
        self._dict_after = (max(_DICT_AFTER_MIN, len(self._order) // 8)
                            if len(self._order) <= _DICT_MAX else -1)

    def _oid_at(self, i: int) -> bytes:
        r = self._order[i] * REC.size
        return bytes(self._records[r:r + 16])

    def _find(self, oid: str) -> int:
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
        prefixes, order, records = self._prefixes, self._order, self._records
        i = bisect_left(prefixes, prefix)
        while i < len(prefixes) and prefixes[i] == prefix:
            r = order[i] * 32
            if records[r:r + 16] == key:
                return i
            i += 1
        return -1

    def absent(self, oids: Collection[str]) -> set[str]:
        """The `oids` this table does not hold (many asked at once: one dict lookup each)."""
        if self._by_oid is None and 0 <= self._dict_after < len(oids):
            self._by_oid = self._oid_dict()
        by_oid = self._by_oid
        if by_oid is not None:
            return {oid for oid in oids if oid not in by_oid}
        return {oid for oid in oids if self._find(oid) < 0}

    def _oid_dict(self) -> dict[str, int]:
        by_oid: dict[str, int] = {}
        for i in range(len(self._order) - 1, -1, -1):  # the first copy of an object wins
            by_oid[self._oid_at(i).hex()] = i
        return by_oid

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
        prefixes = self._prefixes
        last_prefix = -1
        seen: set[bytes] = set()  # the oids of the current prefix: each object once
        for i in range(len(prefixes)):
            if prefixes[i] != last_prefix:
                last_prefix = prefixes[i]
                seen.clear()
            oid = self._oid_at(i)
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
