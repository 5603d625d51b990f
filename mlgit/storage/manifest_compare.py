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
    if start < 0 or new[:start + len(_OIDS)] != old[:start + len(_OIDS)]:
        return None  # other paths (or no entry at all)
    start += len(_OIDS)
    end, old_end = new.find(_SIZES, start), old.find(_SIZES, start)
    if end < 0 or end != old_end or (end - start + 3) % SLOT:
        return None
    # Each oid ends with '","' in both (old's separators checked: every one of its
    # entries then sits where new's does); the last one is followed by '"],'.
    a = new[start:end] + b'","'
    b = old[start:end] + b'","'
    count = len(a) // SLOT
    if not _separated(b, count):
        return None
    found: set[str] = set()
    differing = 0
    for first in range(0, count, _BLOCK):
        lo, hi = first * SLOT, min(count, first + _BLOCK) * SLOT
        if a[lo:hi] == b[lo:hi]:
            continue
        differing += 1
        if differing > MAX_BLOCKS:
            return None
        found.update(a[at:at + 32].decode("ascii") for at in range(lo, hi, SLOT)
                     if a[at:at + 32] != b[at:at + 32])
    return found


def _separated(column: bytes, count: int) -> bool:
    """Whether every SLOT-byte entry of `column` ends with '","'."""
    return (column[32::SLOT] == b'"' * count and column[33::SLOT] == b"," * count
            and column[34::SLOT] == b'"' * count)
