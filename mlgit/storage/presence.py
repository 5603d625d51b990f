"""Which objects the store's packs hold, answered straight from the pack indexes' sorted
record bytes, without building the store's pack table (pack_table.py), whose merged sort of
every record costs about a second per million objects.

Two questions are asked, and each has its own cheap answer:

- is this one oid packed? (a few new files of an add): a binary search in each index, on an
  array of the records' first 8 oid bytes made by bulk array operations;
- which of these many oids are not packed? (every file of a large folder): each index's
  records stream once through a set difference, at C speed, with no object kept per record.

The rules are those of packs.load_all: hidden and damaged indexes, and indexes whose pack is
missing, hold nothing (the damaged ones are reported), and a copy set aside in a pack (see
packs.set_aside_mark) does not count."""

from __future__ import annotations

import os
import struct
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from operator import itemgetter

from mlgit.storage import packs
from mlgit.storage.pack_table import REC

_OID = struct.Struct("<16s16x")  # a record's oid bytes (the offset and size skipped)
_PER_RECORD = REC.size // 8  # 8-byte words per record


class PackIndex:
    """One pack index's records, searchable by oid."""

    __slots__ = ("heads", "records", "skip")

    def __init__(self, records: memoryview, skip: set[str]) -> None:
        self.records = records
        self.skip = skip  # oids whose copy in this pack is set aside
        words = array("Q")  # 8 bytes each
        words.frombytes(records)
        if sys.byteorder == "little":
            words.byteswap()  # big-endian words sort as the bytes do
        self.heads = words[::_PER_RECORD]  # each record's first 8 oid bytes, ascending

    def __len__(self) -> int:
        return len(self.heads)

    def holds(self, oid: str, key: bytes, head: int) -> bool:
        heads, records = self.heads, self.records
        i = bisect_left(heads, head)
        while i < len(heads) and heads[i] == head:
            start = i * REC.size
            if records[start:start + 16] == key:
                return oid not in self.skip
            i += 1
        return False

    def remove_from(self, wanted: set[str]) -> None:
        """Take the oids this pack holds out of `wanted`."""
        kept = wanted & self.skip
        wanted.difference_update(map(bytes.hex, map(itemgetter(0),
                                                    _OID.iter_unpack(self.records))))
        wanted |= kept


class PackPresence:
    """The store's pack indexes, read once (see the module's docstring)."""

    def __init__(self, pack_dir: str, damaged: list[str] | None = None) -> None:
        """Indexes found damaged (or whose pack is missing) are named in `damaged`, as
        `packs/NAME.idx`, as packs.load_all does."""
        self.indexes: list[PackIndex] = []
        try:
            names = os.listdir(pack_dir)
        except FileNotFoundError:
            return
        present = set(names)
        set_aside = packs.set_aside_entries(names)
        for name in sorted(names):
            if not name.endswith(".idx") or name.startswith("."):
                continue
            path = os.path.join(pack_dir, name)
            records = _records(path) if name[: -len(".idx")] + ".pack" in present else None
            if records is None:
                if damaged is not None and os.path.exists(path):  # not removed meanwhile
                    damaged.append(f"{packs.PACK_DIR}/{name}")
                continue
            self.indexes.append(PackIndex(records, set_aside.get(name[: -len(".idx")], set())))

    def __contains__(self, oid: object) -> bool:
        if not isinstance(oid, str) or len(oid) != 32:
            return False
        try:
            key = bytes.fromhex(oid)
        except ValueError:
            return False
        head = int.from_bytes(key[:8], "big")
        return any(index.holds(oid, key, head) for index in self.indexes)

    def records(self) -> int:
        return sum(map(len, self.indexes))

    def not_packed(self, oids: Iterable[str]) -> set[str]:
        """The oids of `oids` that no pack holds."""
        wanted = set(oids)
        # Streaming every record costs about a tenth of a lookup per record: look up when
        # the packs hold many times more objects than are asked about.
        if self.records() > 8 * len(wanted):
            return {oid for oid in wanted if oid not in self}
        for index in self.indexes:
            if not wanted:
                break
            index.remove_from(wanted)
        return wanted


def _records(idx_path: str) -> memoryview | None:
    try:
        with open(idx_path, "rb") as f:
            return packs.index_records(f.read())
    except OSError:
        return None
