"""Artifacts found unchanged, remembered by their fingerprint (listing.py), so that a status
of an artifact nobody touched is one `lstat` per file and nothing else.

An entry says: the artifact at REL, whose pointer names OID, was found to match it in full
(every file's content, every object in the cache, the sizes) while the cache's stamp was
STAMP and the artifact's fingerprint was DIGEST, with every file's mtime and ctime safely older
than the moment the fingerprint was taken. While the pointer, the stamp and the fingerprint stay
the same, so does the answer: a write to any file moves its mtime (or its inode, when it is
replaced), and the racy margin makes sure a write in the same clock tick cannot hide, as in
the state DB. The memo lives in .mlgit/tmp/ and is only ever a shortcut: a missing, stale or
unreadable memo means the full comparison runs.

A folder's entry also keeps the digest of each part of it (listing.py). When the
fingerprint no longer matches but the pointer and the stamp still do, the parts whose digest
is the same hold what they held when the folder was found to match its pointer in full: a
status after a few changes compares only the other parts (see workspace/status.py), the same
reasoning applied part by part. A part whose files were not all settled when its
fingerprint was taken is remembered with an empty digest (it matches nothing), and then so
is the whole folder's; the other parts still count.

`mlgit add` of a folder keeps an entry too (workspace/folder_update.py): the parts whose
digest is the one remembered for the folder's recorded pointer hold what that version's
manifest says they hold, so only the other parts are read again.
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

Entry = tuple[str, bytes, bytes, dict[str, bytes]]
"""(pointer oid, cache stamp, fingerprint digest, digest of each part)."""


class Proof:
    """What the memo is asked about one artifact, taken before it is compared in full."""

    __slots__ = ("digest", "oid", "parts", "rel", "stamp", "trusted", "unsettled")

    def __init__(self, rel: str, oid: str, stamp: bytes, listing: Listing) -> None:
        self.rel, self.oid, self.stamp, self.digest = rel, oid, stamp, listing.digest
        self.parts = listing.parts
        self.trusted = listing.settled
        self.unsettled = listing.unsettled


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
        settled_before = seen_ns - RACY_NS
        listing = folder_listing(abs_path, ptr.files or 0, settled_before) if ptr.is_dir \
            else file_listing(abs_path, settled_before)
        return None if listing is None else Proof(rel, ptr.oid, stamp, listing)

    def folder_proof(self, abs_path: str, files: int, rel: str) -> Proof | None:
        """The fingerprint of the folder at `rel` as it is now, for an add (which sets the
        proof's oid and stamp once it is done), whatever the cache's stamp; None when it
        cannot be had (a symlink or special file inside, an unreadable folder)."""
        listing = folder_listing(abs_path, files, time.time_ns() - RACY_NS)
        return None if listing is None else Proof(rel, "", b"", listing)

    def vouches(self, proof: Proof) -> bool:
        entry = self._entries.get(proof.rel)
        return entry is not None and entry[:3] == (proof.oid, proof.stamp, proof.digest)

    def changed_parts(self, proof: Proof) -> list[str] | None:
        """The parts of a folder (subfolders, listing.py) to compare in full, when the
        others are known to match the pointer still: their digest is the one remembered
        when the folder was last found to match this same pointer in full, with the cache
        as it is now. None when the whole folder is to be compared: nothing of the kind is
        remembered, the part "" (the files and folders above the parts) changed, or too many
        parts did for a comparison part by part to be worth it."""
        entry = self._entries.get(proof.rel)
        if entry is None or entry[1] != proof.stamp:
            return None
        return self.parts_to_read(proof, proof.oid)

    def parts_to_read(self, proof: Proof, oid: str) -> list[str] | None:
        """changed_parts, whatever the cache's stamp: the parts of the folder that may
        no longer hold what the manifest `oid` says (changed, new or gone), the others
        being known to; None when the whole folder is to be read. Whether the cache still
        holds the objects is for the caller to find out (see remembered_stamp)."""
        entry = self._entries.get(proof.rel)
        if entry is None or entry[0] != oid:
            return None
        remembered = entry[3]
        if not remembered.get("") or remembered[""] != proof.parts.get(""):
            return None
        changed = sorted({name for name, digest in proof.parts.items()
                          if remembered.get(name) != digest}
                         | (remembered.keys() - proof.parts.keys()))
        return changed if len(changed) * 2 <= len(proof.parts) else None

    def remembered_stamp(self, rel: str) -> bytes | None:
        """The cache's stamp at which every object of the artifact's remembered version
        was in the cache."""
        entry = self._entries.get(rel)
        return None if entry is None or not entry[1] else entry[1]

    def remember(self, proof: Proof) -> None:
        """Record that the artifact was found to match its pointer in full, as `proof`
        describes it (taken before the comparison began). Of a folder whose files were not
        all settled, only the settled parts are remembered (if the part "" is one)."""
        if not proof.trusted and (not proof.parts or "" in proof.unsettled):
            return
        parts = {name: b"" if name in proof.unsettled else digest
                 for name, digest in proof.parts.items()}
        entry = (proof.oid, proof.stamp, proof.digest if proof.trusted else b"", parts)
        if self._entries.get(proof.rel) != entry:
            self._entries[proof.rel] = entry
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
    if not isinstance(entries, dict):
        return {}
    return {rel: entry for rel, entry in entries.items()
            if isinstance(entry, tuple) and len(entry) == 4 and isinstance(entry[3], dict)}
