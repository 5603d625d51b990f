"""Artifacts found unchanged, remembered by their fingerprint (listing.py), so that a status
of an artifact nobody touched is one `lstat` per file and nothing else.

An entry says: the artifact at REL, whose pointer names OID, was found to match it in full
(every file's content, every object in the cache, the sizes) while the cache's stamp was
STAMP and the artifact's fingerprint was DIGEST, with every file's mtime safely older than
the moment the fingerprint was taken. While the pointer, the stamp and the fingerprint stay
the same, so does the answer: a write to any file moves its mtime (or its inode, when it is
replaced), and the racy margin makes sure a write in the same clock tick cannot hide, as in
the state DB. The memo lives in .mlgit/tmp/ and is only ever a shortcut: a missing, stale or
unreadable memo means the full comparison runs.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import time

from mlgit.fileio import write_atomic
from mlgit.storage.stamp import cache_stamp
from mlgit.workspace.listing import Listing, file_listing, folder_listing

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mlgit.pointer import Pointer

MEMO_FILE = "unchanged"
RACY_NS = 50_000_000
"""A fingerprint vouches only for files whose mtime is older than this before it was taken
(the filesystem's timestamp granularity, with a wide margin; the state DB uses the same)."""

Entry = tuple[str, bytes, bytes]
"""(pointer oid, cache stamp, fingerprint digest)."""


class Proof:
    """What the memo is asked about one artifact, taken before it is compared in full."""

    __slots__ = ("digest", "oid", "rel", "stamp", "trusted")

    def __init__(self, rel: str, oid: str, stamp: bytes, listing: Listing, seen_ns: int
                 ) -> None:
        self.rel, self.oid, self.stamp, self.digest = rel, oid, stamp, listing.digest
        self.trusted = listing.newest < seen_ns - RACY_NS


class UnchangedMemo:
    def __init__(self, tmp_dir: str) -> None:
        self.path = os.path.join(tmp_dir, MEMO_FILE)
        self._entries = _read(self.path)
        self._changed = False

    def proof(self, cache_dir: str, abs_path: str, ptr: Pointer, rel: str) -> Proof | None:
        """The fingerprint of the artifact as it is now, or None when it cannot be had (the
        cache changed a moment ago, a symlink or special file, an unreadable folder)."""
        seen_ns = time.time_ns()
        stamp = cache_stamp(cache_dir)
        if stamp is None:
            return None
        listing = folder_listing(abs_path, ptr.files or 0) if ptr.is_dir \
            else file_listing(abs_path)
        return None if listing is None else Proof(rel, ptr.oid, stamp, listing, seen_ns)

    def vouches(self, proof: Proof) -> bool:
        return self._entries.get(proof.rel) == (proof.oid, proof.stamp, proof.digest)

    def remember(self, proof: Proof) -> None:
        """Record that the artifact was found to match its pointer in full, as `proof`
        describes it (taken before the comparison began)."""
        if proof.trusted and not self.vouches(proof):
            self._entries[proof.rel] = (proof.oid, proof.stamp, proof.digest)
            self._changed = True

    def save(self) -> None:
        if not self._changed:
            return
        with contextlib.suppress(OSError):  # a shortcut only: the next status compares
            write_atomic(self.path, marshal.dumps(self._entries))
        self._changed = False


def _read(path: str) -> dict[str, Entry]:
    try:
        with open(path, "rb") as f:
            entries = marshal.loads(f.read())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return entries if isinstance(entries, dict) else {}
