"""Where the local object store keeps what (objects.py builds on this): which objects are
there and in which form (loose, packed, being packed, chunked), and the listings that say
so. Spec: docs/formats.md, "The object store"."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Iterator

from mlgit.hashing import EMPTY_OID, OID_LEN
from mlgit.storage import chunks, packs, quarantine
from mlgit.storage.batch import Batch
from mlgit.storage.reading import CorruptObject
from mlgit.storage.stamp import cache_stamp


class StoreLayout:
    def __init__(self, root: str) -> None:
        self.root = root
        self.pack_dir = os.path.join(root, packs.PACK_DIR)
        self.quarantine_dir = os.path.join(root, quarantine.QUARANTINE_DIR)
        """Where corrupt copies are set aside (never read again, never deleted by mlgit)."""
        self.lists = chunks.ChunkLists(root, self.quarantine_dir)
        self.batch = Batch(root)  # the objects this process is adding
        self.set_aside_oids: set[str] = set()  # oids whose copy this process set aside
        self._packed: packs.PackTable | None = None
        self.damaged_indexes: list[str] = []  # pack indexes skipped (see packs.load_all)

    def path(self, oid: str) -> str:
        """The loose file of `oid` (which may not exist; see materialize)."""
        return os.path.join(self.root, oid[:2], oid[2:])

    def chunks_path(self, oid: str) -> str:
        """The chunk list of `oid` (which may not exist): see chunks.py."""
        return self.lists.path(oid)

    def is_chunked(self, oid: str) -> bool:
        """Whether the store holds `oid` only as chunks (no loose file, not packed): its
        content can be streamed (open) but not linked."""
        return (oid != EMPTY_OID and oid not in self.packed and not self._pending(oid)
                and not os.path.exists(self.path(oid))
                and os.path.exists(self.chunks_path(oid)))

    def chunk_list(self, oid: str) -> chunks.ChunkList:
        """The verified chunk list of `oid`. FileNotFoundError if there is none;
        CorruptObject (after setting it aside) if it is not a valid list of `oid`."""
        try:
            return self.lists.read(oid)
        except chunks.BadChunkList as exc:
            self.set_aside_chunk_list(oid)
            raise CorruptObject(oid, f"a damaged chunk list: {exc}") from None

    def set_aside_chunk_list(self, oid: str) -> None:
        """Move a bad chunk list into quarantine/ (the content then counts as missing)."""
        self.set_aside_oids.add(oid)
        self.lists.set_aside(oid)

    @property
    def packed(self) -> packs.PackTable:
        if self._packed is None:
            damaged: list[str] = []
            self._packed = packs.load_all(self.pack_dir, damaged)
            self.damaged_indexes = damaged
        return self._packed

    @property
    def damaged_files(self) -> list[str]:
        """The store's files (paths) found damaged so far, which hide the objects they hold."""
        return [os.path.join(self.root, rel) for rel in self.damaged_indexes]

    def has(self, oid: str) -> bool:
        return (oid == EMPTY_OID or oid in self.packed or os.path.exists(self.path(oid))
                or self._pending(oid) or oid in self.batch.waiting_lists
                or os.path.exists(self.chunks_path(oid)))

    def _pending(self, oid: str) -> bool:
        return self.batch.holds(oid)

    def missing(self, oids: Iterable[str]) -> set[str]:
        """The oids not in the store: stat each when few, list the store when many."""
        # (not `set(oids) - packed.keys()`: that walks every packed oid, 0.4 ms per call
        # with 20k of them, however few oids are asked about)
        asked = oids if isinstance(oids, Collection) else list(oids)
        wanted = self.packed.absent(asked) - self.batch.oids()
        wanted.discard(EMPTY_OID)  # implicit: never stored
        if len(wanted) < 2000:
            return {oid for oid in wanted if not os.path.exists(self.path(oid))
                    and not os.path.exists(self.chunks_path(oid))}
        present = set()
        for prefix, names in self._prefix_listings():  # one listing for both forms
            for name in names:
                if len(name) == OID_LEN - 2 and name[0] != ".":
                    present.add(prefix + name)
                elif chunks.could_be_list_name(name):
                    present.add(prefix + name[: -len(chunks.SUFFIX)])
        return wanted - present

    def size(self, oid: str) -> int | None:
        """The size the store holds for `oid` (a pack index's entry, or the loose file's
        size; not verified), or None if it is absent."""
        if oid == EMPTY_OID:
            return 0
        where = self.packed.get(oid)
        if where is not None:
            return where[2]
        if (pending := self.batch.size(oid)) is not None:
            return pending
        try:
            return os.stat(self.path(oid)).st_size
        except FileNotFoundError:
            pass
        try:
            return self.chunk_list(oid).size
        except (FileNotFoundError, CorruptObject):
            return None

    def iter_oids(self) -> Iterator[str]:
        yield from self.packed
        yield from self._iter_loose()
        yield from self.chunked_oids()

    def has_own_file(self, oid: str) -> bool:
        """Whether `oid` is kept as a file of its own, which can be linked, cloned or uploaded
        as is (see own_file, link_source). False for the empty object and for objects kept
        inside a bigger file: read those whole (read_verified), they are small. No system
        call: an object that is not packed counts as having its own file."""
        return oid != EMPTY_OID and oid not in self.packed and not self._pending(oid)

    def own_file(self, oid: str) -> tuple[str, int] | None:
        """(path, size) of the file of its own that holds `oid` (not verified), or None."""
        if not self.has_own_file(oid):
            return None
        path = self.path(oid)
        try:
            return path, os.stat(path).st_size
        except FileNotFoundError:
            return None

    def holds(self, path: str, oid: str) -> bool:
        """Whether `path` is the store's own file of `oid` (a hard link to it, or a symbolic
        link into the store), so that editing it in place edits the store."""
        try:
            return os.path.samefile(path, self.path(oid))
        except OSError:
            return False

    def set_aside_files(self) -> set[str]:
        """The real paths of the own files of the objects this process set aside: symbolic
        links to them now point nowhere."""
        return {os.path.realpath(self.path(oid)) for oid in self.set_aside_oids}

    def stamp(self) -> bytes | None:
        """See storage/stamp.py."""
        return cache_stamp(self.root)

    def chunked_oids(self) -> Iterator[str]:
        """The oids stored as a chunk list."""
        return self.lists.oids_in(self._prefix_listings())

    def reread(self) -> None:
        """Read the store's listings again (another process added objects)."""
        self._packed = None

    def pack_indexes(self) -> list[str]:
        """The paths of the store's pack indexes."""
        try:
            names = os.listdir(self.pack_dir)
        except FileNotFoundError:
            return []
        return [os.path.join(self.pack_dir, n) for n in sorted(names)
                if n.endswith(".idx") and not n.startswith(".")]

    def _iter_loose(self) -> Iterator[str]:
        for prefix, names in self._prefix_listings():
            for name in names:
                if len(name) == OID_LEN - 2 and name[0] != ".":
                    yield prefix + name

    def _prefix_listings(self) -> Iterator[tuple[str, list[str]]]:
        try:
            prefixes = os.listdir(self.root)
        except FileNotFoundError:
            return
        for prefix in prefixes:
            if len(prefix) != 2:
                continue
            try:
                yield prefix, os.listdir(os.path.join(self.root, prefix))
            except NotADirectoryError:
                continue
