"""Which entries of a freshly written directory manifest name another object than the
manifest it replaces, found by comparing the two documents' bytes, not their entries.

An add of a large folder after a few changes writes a manifest that differs from the old one
in a few entries. When both list the same paths (the usual case: files changed, none added
or removed), the oid column of the canonical form (manifests.dumps) puts entry k's oid at a
fixed offset, 35 bytes apart (`"<32 hex>",`), so the entries whose oid changed are found by
comparing blocks of bytes, at memcmp speed, and only those are looked at one by one."""

from __future__ import annotations

_OIDS = b'],"oids":["'
_SIZES = b'"],"sizes":['
SLOT = 35  # len('"' + 32 hex + '",')
_BLOCK = 2048  # entries compared at once before looking inside a block that differs
MAX_BLOCKS = 64
"""Blocks that differ, beyond which looking at every entry costs less."""


def changed_oids(new: bytes, old: bytes) -> set[str] | None:
    """The oids of `new` (a manifest as manifests.dumps writes it) at the entries where
    `old` names another oid. None when this cannot be told from the bytes (the two do not
    list the same paths in the same canonical layout) or too many entries differ: then
    every entry must be looked at."""
    start = new.find(_OIDS)
    if start < 0 or not _same(new, old, 0, start + len(_OIDS)):
        return None  # other paths (or no entry at all)
    start += len(_OIDS)
    end = new.find(_SIZES, start)
    if end < 0 or old.find(_SIZES, start) != end or (end - start + 3) % SLOT:
        return None
    count = (end - start + 3) // SLOT
    # Each oid but the last is followed by '","' in both (old's separators checked: every
    # one of its entries then sits where new's does).
    if not _separated(old, start, count - 1):
        return None
    found: set[str] = set()
    differing = 0
    for first in range(0, count, _BLOCK):
        lo, hi = start + first * SLOT, start + min(count, first + _BLOCK) * SLOT - 3
        if new[lo:hi] == old[lo:hi]:
            continue
        differing += 1
        if differing > MAX_BLOCKS:
            return None
        found.update(new[at:at + 32].decode("ascii") for at in range(lo, hi, SLOT)
                     if new[at:at + 32] != old[at:at + 32])
    return found


def _same(a: bytes, b: bytes, lo: int, hi: int) -> bool:
    """a[lo:hi] == b[lo:hi], a megabyte at a time (no copy of a whole column)."""
    return all(a[i:min(hi, i + _MB)] == b[i:min(hi, i + _MB)] for i in range(lo, hi, _MB))


_MB = 1 << 20


def _separated(data: bytes, start: int, count: int) -> bool:
    """Whether the `count` SLOT-byte entries from `start` each end with '","'."""
    end = start + count * SLOT
    return (data[start + 32:end:SLOT] == b'"' * count
            and data[start + 33:end:SLOT] == b"," * count
            and data[start + 34:end:SLOT] == b'"' * count)
