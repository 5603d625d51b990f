"""The local object store. Spec: docs/formats.md.

Objects are addressed by the xxh3-128 of their bytes. Large objects are loose files,
`<root>/<2 hex>/<30 hex>`; small ones live in pack files (packs.py) so that storing 20k small
files does not cost 20k inode creations. Everything is write-once and read-only; every read
is verified against the oid. Plain os calls only (fsspec is for remotes).

The interface is narrow, so that callers never see the layout: has / missing / size /
iter_oids; read_verified, read_small and open (bytes or a stream, verified), link_source (a
file to link or clone) and own_file (one to upload), holds (is this path our file); put_bytes
/ put_file / adopt; publish and make_durable (finish does both) for a batch of new objects;
garbage / collect. Whether an object is loose, packed or chunked is known here, in
packs.py, chunks.py, check.py and garbage.py only. Content of `chunk_threshold` bytes or more
is stored as chunks plus a chunk list (chunks.py): it has no file of its own, `open` streams
it, and callers that link (`is_chunked`) copy it instead.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import BinaryIO

from mlgit import hashing
from mlgit.fileio import (
    copy_file,
    make_durable,
    read_all,
    sync_folder_fs,
    temp_beside,
    write_atomic,
)
from mlgit.hashing import EMPTY_OID, OID_LEN
from mlgit.storage import chunks, packs, quarantine
from mlgit.storage.stamp import cache_stamp

TMP_DIR = "tmp"


class CorruptObject(Exception):
    def __init__(self, oid: str, actual: str, set_aside: str = "") -> None:
        text = f"object {oid} is corrupt (its content hashes to {actual})"
        if set_aside:
            text += "; it was set aside in the cache's quarantine folder"
        super().__init__(text)
        self.oid = oid
        self.actual = actual
        self.set_aside = set_aside  # the quarantine file the bad copy went to, if any


class LocalODB:
    def __init__(self, root: str, pack_small: bool = True,
                 chunk_threshold: int = chunks.DEFAULT_THRESHOLD) -> None:
        self.root = root
        self.pack_small = pack_small
        self.chunk_threshold = chunk_threshold
        self._chunk_lists: dict[str, chunks.ChunkList] = {}  # read and verified
        self.pack_dir = os.path.join(root, packs.PACK_DIR)
        self.quarantine_dir = os.path.join(root, quarantine.QUARANTINE_DIR)
        """Where corrupt copies are set aside (never read again, never deleted by mlgit)."""
        self._made_dirs: set[str] = set()
        self._lock = threading.Lock()
        self._aside_lock = threading.Lock()
        self.set_aside_oids: set[str] = set()  # oids whose copy this process set aside
        self._packed: dict[str, packs.Location] | None = None
        self.damaged_indexes: list[str] = []  # pack indexes skipped (see packs.load_all)
        self._writer: packs.PackWriter | None = None  # small objects
        self._chunk_writer: packs.PackWriter | None = None  # chunks (a pack of chunks)
        self._reader = packs.PackReader()
        self._verified_files: set[str] = set()  # oids whose loose file was hashed
        self._written: list[str] = []  # files written since make_durable, for make_durable

    # -- what is there ---------------------------------------------------------------------

    def path(self, oid: str) -> str:
        """The loose file of `oid` (which may not exist; see materialize)."""
        return os.path.join(self.root, oid[:2], oid[2:])

    def chunks_path(self, oid: str) -> str:
        """The chunk list of `oid` (which may not exist): see chunks.py."""
        return os.path.join(self.root, oid[:2], oid[2:] + chunks.SUFFIX)

    def is_chunked(self, oid: str) -> bool:
        """Whether the store holds `oid` only as chunks (no loose file, not packed): its
        content can be streamed (open) but not linked."""
        return (oid != EMPTY_OID and oid not in self.packed and not self._pending(oid)
                and not os.path.exists(self.path(oid))
                and os.path.exists(self.chunks_path(oid)))

    def chunk_list(self, oid: str) -> chunks.ChunkList:
        """The verified chunk list of `oid`. FileNotFoundError if there is none;
        CorruptObject (after setting it aside) if it is not a valid list of `oid`."""
        found = self._chunk_lists.get(oid)
        if found is None:
            path = self.chunks_path(oid)
            with open(path, "rb") as f:
                data = f.read()
            try:
                found = chunks.decode(data, oid)
            except chunks.BadChunkList as exc:
                self.set_aside_chunk_list(oid)
                raise CorruptObject(oid, f"a damaged chunk list: {exc}") from None
            self._chunk_lists[oid] = found
        return found

    def set_aside_chunk_list(self, oid: str) -> None:
        """Move a bad chunk list into quarantine/ (the content then counts as missing)."""
        os.makedirs(self.quarantine_dir, exist_ok=True)
        self.set_aside_oids.add(oid)
        self._chunk_lists.pop(oid, None)
        with contextlib.suppress(OSError):
            quarantine.move_aside(self.chunks_path(oid), self.quarantine_dir,
                                  oid + chunks.SUFFIX)

    @property
    def packed(self) -> dict[str, packs.Location]:
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
                or self._pending(oid) or os.path.exists(self.chunks_path(oid)))

    def _pending(self, oid: str) -> bool:
        return any(oid in w.entries for w in self._writers())

    def _writers(self) -> list[packs.PackWriter]:
        return [w for w in (self._writer, self._chunk_writer) if w is not None]

    def missing(self, oids: Iterable[str]) -> set[str]:
        """The oids not in the store: stat each when few, list the store when many."""
        wanted = set(oids) - self.packed.keys()
        wanted.discard(EMPTY_OID)  # implicit: never stored
        for writer in self._writers():
            wanted -= writer.entries.keys()
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
        for writer in self._writers():
            if (entry := writer.entries.get(oid)) is not None:
                return entry[1]
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

    # -- reading ---------------------------------------------------------------------------

    def read_verified(self, oid: str) -> bytes:
        """The object's bytes, checked against its oid. FileNotFoundError if absent;
        CorruptObject (after setting the copy aside) if they do not hash to it."""
        if oid == EMPTY_OID:
            return b""
        where = self.packed.get(oid)
        stored = True
        if where is not None:
            data = self._reader.read(where)
        elif (pending := self._read_pending(oid)) is not None:
            data, stored = pending, False
        else:
            with open(self.path(oid), "rb") as f:
                data = f.read()
        actual = hashing.hash_bytes(data)
        if actual != oid:
            raise self.corrupt(oid, actual, where) if stored else CorruptObject(oid, actual)
        return data

    def read_small(self, oid: str) -> bytes | None:
        """The verified bytes of an object kept inside a bigger file (or of the empty object):
        small, so read whole. None when it has a file of its own (see has_own_file): stream
        that with open, or link it with link_source. CorruptObject as read_verified."""
        if oid == EMPTY_OID:
            return b""
        where = self.packed.get(oid)
        if where is None:
            return self.read_verified(oid) if self._pending(oid) else None
        data = self._reader.read(where)
        actual = hashing.hash_bytes(data)
        if actual != oid:
            raise self.corrupt(oid, actual, where)
        return data

    def _read_pending(self, oid: str) -> bytes | None:
        for writer in self._writers():
            if (data := writer.read(oid)) is not None:
                return data
        return None

    def read_packed(self, where: packs.Location) -> bytes:
        """The bytes at a pack location, not verified (for the store's own checks)."""
        return self._reader.read(where)

    def open(self, oid: str) -> ObjectReader:
        """A stream of the object's bytes, for objects too big to read whole: reading it to
        the end raises CorruptObject (after setting the copy aside) if they do not hash to
        `oid`. FileNotFoundError if absent."""
        if not self.has_own_file(oid):
            return ObjectReader(self, oid, data=self.read_verified(oid))
        try:
            return ObjectReader(self, oid, file=open(self.path(oid), "rb", buffering=0))
        except FileNotFoundError:
            if not os.path.exists(self.chunks_path(oid)):
                raise
        return ObjectReader(self, oid, parts=self.chunk_list(oid))

    def intact(self, oid: str) -> bool:
        """Whether the stored object hashes to its oid (False also when it cannot be read)."""
        try:
            if not self.has_own_file(oid):
                self.read_verified(oid)
                return True
            if self.is_chunked(oid):
                with self.open(oid) as stream:
                    while stream.read():
                        pass
                return True
            return hashing.hash_file(self.path(oid))[0] == oid
        except (OSError, CorruptObject):
            return False

    def link_source(self, oid: str) -> str:
        """A file of its own holding exactly `oid`'s verified bytes (unpacked if needed), to
        link or clone into a workspace; it must never be written to. FileNotFoundError if
        absent, CorruptObject (after setting it aside) if it does not hash to `oid`."""
        path = self.materialize(oid)
        if oid not in self._verified_files:
            actual, _ = hashing.hash_file(path)
            if actual != oid:
                raise self.corrupt(oid, actual, None)
            self._verified_files.add(oid)
        return path

    def verify_own_file(self, oid: str) -> None:
        """Hash the own file of `oid` again; CorruptObject (after setting it aside) if it
        does not hash to `oid`."""
        actual, _ = hashing.hash_file(self.path(oid))
        if actual != oid:
            raise self.corrupt(oid, actual, None)

    def materialize(self, oid: str) -> str:
        """A loose file holding `oid` (unpacking it if needed), for links into the cache."""
        path = self.path(oid)
        if not os.path.exists(path):
            self._write_loose(oid, self.read_verified(oid))
        return path

    # -- setting corrupt copies aside -------------------------------------------------------

    def corrupt(self, oid: str, actual: str, where: packs.Location | None) -> CorruptObject:
        """The error for a copy of `oid` (in a pack at `where`, else the loose file) whose
        bytes hash to `actual`, after setting that copy aside."""
        try:
            dest = self.set_aside(oid, where)
        except OSError:
            dest = ""  # it stays where it is; the next read finds it corrupt again
        return CorruptObject(oid, actual, dest)

    def set_aside(self, oid: str, where: packs.Location | None) -> str:
        """Take a corrupt copy of `oid` out of the store, so that it is never read again and
        the object counts as missing (a fetch then restores it). A loose file is moved into
        quarantine/; a packed copy is copied there and its pack entry marked as set aside
        (packs are never modified). Returns the quarantine file ("" if there was none)."""
        folder = self.quarantine_dir
        os.makedirs(folder, exist_ok=True)
        self.set_aside_oids.add(oid)
        self._verified_files.discard(oid)
        if where is None:
            return quarantine.move_aside(self.path(oid), folder, oid)
        with self._aside_lock:  # threads that met the same copy keep it once
            if os.path.exists(packs.set_aside_mark(where[0], oid)):
                return folder
            try:
                data = self._reader.read(where)
            except OSError:  # a truncated pack: nothing of this copy to keep
                dest = ""
            else:
                dest = quarantine.write_aside(data, folder, oid)
            packs.mark_set_aside(where[0], oid)
        with self._lock:
            if self._packed is not None and self._packed.get(oid) == where:
                self._packed = None  # read the indexes again: another pack may hold it
        return dest

    def set_aside_file(self, path: str) -> str:
        """Move a damaged file of the store (a pack index, a pack) into quarantine/ under its
        own name; returns where it went."""
        os.makedirs(self.quarantine_dir, exist_ok=True)
        self._packed = None
        return quarantine.move_aside(path, self.quarantine_dir, os.path.basename(path))

    def loose_oids(self) -> Iterator[str]:
        """The oids stored as loose files."""
        return self._iter_loose()

    def quarantine_usage(self) -> tuple[int, int]:
        """(files, bytes) set aside in quarantine/."""
        return quarantine.usage(self.quarantine_dir)

    # -- writing ---------------------------------------------------------------------------

    def put_bytes(self, data: bytes, oid: str | None = None, pack: bool = False,
                  chunk: bool = False) -> str:
        """Store bytes under their hash; a no-op if the object is already there. `chunk`:
        they are a chunk of a chunked object (they go into a pack of chunks)."""
        oid = oid or hashing.hash_bytes(data)
        if oid == EMPTY_OID:
            return oid  # implicit in every store: nothing to write
        if chunk:
            self._put_chunk(oid, data)
        elif pack and self.pack_small and len(data) < packs.MAX_PACKED:
            # No stat for a loose copy: a duplicate is harmless, 20k stats are not.
            if oid not in self.packed:
                with self._lock:
                    if self._writer is None:
                        self._writer = packs.PackWriter(self.pack_dir)
                self._writer.add(oid, data)
        elif not self.has(oid):
            self._write_loose(oid, data)
        return oid

    def put_file(self, src: str, size: int) -> tuple[str, int]:
        """Store a file's content; returns (oid, size).

        Small files are read once into memory, hashed and stored. Large files are copied
        to a temp file by the kernel and the copy is hashed, so the stored bytes are exactly
        the ones hashed even if the source changes meanwhile.
        """
        if size < packs.MAX_PACKED:
            fd = os.open(src, os.O_RDONLY)
            try:
                data = read_all(fd, size)
            finally:
                os.close(fd)
            return self.put_bytes(data, pack=True), len(data)
        if size >= self.chunk_threshold:
            return self._put_chunked(src)
        return self._put_large(src)

    def temp_path(self) -> str:
        """A fresh temp file name inside the store, on its filesystem (for adopt)."""
        tmp_dir = os.path.join(self.root, TMP_DIR)
        os.makedirs(tmp_dir, exist_ok=True)
        return temp_beside(os.path.join(tmp_dir, "object"))

    def adopt(self, tmp: str, oid: str, chunk: bool = False) -> None:
        """Move a downloaded file into the store as `oid` if its content hashes to it;
        otherwise delete it and raise CorruptObject. `chunk`: it is a chunk of a chunked
        object (its bytes go into a pack of chunks)."""
        try:
            if chunk and os.stat(tmp).st_size <= chunks.MAX_SIZE:
                with open(tmp, "rb") as f:
                    data = f.read()
                if (actual := hashing.hash_bytes(data)) != oid:
                    raise CorruptObject(oid, actual)
                self._put_chunk(oid, data)
                os.unlink(tmp)
                return
            actual, _ = hashing.hash_file(tmp)
            if actual != oid:
                raise CorruptObject(oid, actual)
            self._publish_temp(tmp, oid)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def _publish_temp(self, tmp: str, oid: str) -> None:
        """Rename a complete temp file holding `oid` into place (read-only)."""
        os.chmod(tmp, 0o444)
        if self.has(oid):
            os.unlink(tmp)
            return
        self._ensure_dir(oid[:2])
        os.replace(tmp, self.path(oid))
        self._written.append(self.path(oid))

    def _write_loose(self, oid: str, data: bytes) -> None:
        self._ensure_dir(oid[:2])
        write_atomic(self.path(oid), data, 0o444)
        self._written.append(self.path(oid))

    def _put_large(self, src: str) -> tuple[str, int]:
        tmp = self.temp_path()
        try:
            copy_file(src, tmp)
            oid, size = hashing.hash_file(tmp)
            self._publish_temp(tmp, oid)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return oid, size

    def _put_chunked(self, src: str) -> tuple[str, int]:
        """Store a large file as chunks (each hashed from the very bytes stored, new ones
        into a pack of chunks) and its chunk list, written after them."""
        with open(src, "rb", buffering=0) as f:
            chunk_list = chunks.store(f.fileno(), self._put_chunk)
        oid = chunk_list.oid
        if oid != EMPTY_OID and not self.has(oid):
            self._ensure_dir(oid[:2])
            write_atomic(self.chunks_path(oid), chunks.encode(chunk_list), 0o444)
            self._written.append(self.chunks_path(oid))
        return oid, chunk_list.size

    def _put_chunk(self, oid: str, data: bytes | memoryview) -> None:
        """Store a chunk unless the store has it (packed, being packed, or loose)."""
        if oid in self.packed or self._pending(oid) or os.path.exists(self.path(oid)):
            return
        with self._lock:
            if self._chunk_writer is None:
                self._chunk_writer = packs.PackWriter(self.pack_dir, chunks=True)
        self._chunk_writer.add(oid, data)

    def put_chunk_list(self, data: bytes, oid: str) -> None:
        """Store a chunk list fetched from elsewhere (its chunks must be stored already);
        CorruptObject if it is not a valid list of `oid`."""
        try:
            chunks.decode(data, oid)
        except chunks.BadChunkList as exc:
            raise CorruptObject(oid, f"a damaged chunk list: {exc}") from None
        if not self.has(oid):
            self._ensure_dir(oid[:2])
            write_atomic(self.chunks_path(oid), data, 0o444)
            self._written.append(self.chunks_path(oid))

    def chunked_oids(self) -> Iterator[str]:
        """The oids stored as a chunk list."""
        for prefix, names in self._prefix_listings():
            for name in names:
                if chunks.could_be_list_name(name):
                    yield prefix + name[: -len(chunks.SUFFIX)]

    # -- a batch of new objects --------------------------------------------------------------

    def publish(self) -> None:
        """Make the objects being packed visible to readers (not yet durable)."""
        writers = self._writers()
        for writer in writers:
            for idx in writer.finish():
                self._written += [idx, idx[: -len(".idx")] + ".pack"]
        if writers:
            self._writer = self._chunk_writer = None
            self._packed = None

    def make_durable(self, whole_store: bool = False) -> None:
        """Make the objects this process wrote since the last call durable, before anything
        that names them (a pointer, a lock file) is written: an fsync per file when there are
        few, else one syncfs. With `whole_store`, always one syncfs: that also covers objects
        other processes wrote (forked workers, or a killed command whose objects this batch
        found already there)."""
        files, self._written = self._written, []
        if not os.path.isdir(self.root):
            return
        if whole_store:
            sync_folder_fs(self.root)
        elif files:
            make_durable(files, self.root)

    def finish(self) -> None:
        """Publish the objects still being packed, then make the whole store durable."""
        self.publish()
        self.make_durable(whole_store=True)

    def after_fork(self) -> None:
        """In a forked child: write to a batch of its own, leaving the parent's (inherited)
        one alone; the child publishes it, the parent's finish makes it durable."""
        self._writer = self._chunk_writer = None
        self._written = []

    def reread(self) -> None:
        """Read the store's listings again (another process added objects)."""
        self._packed = None

    def abort(self) -> None:
        for writer in self._writers():
            writer.abort()
        self._writer = self._chunk_writer = None

    def close(self) -> None:
        self.abort()
        self.close_packs()

    def close_packs(self) -> None:
        """Close the pack files held open for reading (before one is deleted)."""
        self._reader.close()

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

    def _ensure_dir(self, name: str) -> None:
        if name in self._made_dirs:
            return
        os.makedirs(os.path.join(self.root, name), exist_ok=True)
        self._made_dirs.add(name)


class ObjectReader:
    """A stream of one object's bytes (LocalODB.open), checked against its oid: the read
    that reaches the end raises CorruptObject if they do not hash to it. A chunked object
    (`parts`) is read chunk by chunk, each chunk verified against its own oid as it is read,
    and the whole against the object's oid at the end."""

    def __init__(self, odb: LocalODB, oid: str, data: bytes = b"",
                 file: BinaryIO | None = None, parts: chunks.ChunkList | None = None) -> None:
        self._odb = odb
        self._oid = oid
        self._data = data
        self._at = 0
        self._file = file
        self._hasher = hashing.new_hasher()
        self._parts = iter(parts.chunks) if parts is not None else None

    def read(self, size: int = hashing.CHUNK) -> bytes:
        if self._parts is not None:
            return self._read_part()
        if self._file is None:  # verified already
            chunk = self._data[self._at:self._at + size]
            self._at += len(chunk)
            return chunk
        chunk = self._file.read(size)
        if chunk:
            self._hasher.update(chunk)
            return chunk
        actual = self._hasher.hexdigest()
        if actual != self._oid:
            self.close()
            raise self._odb.corrupt(self._oid, actual, None)
        return b""

    def _read_part(self) -> bytes:
        """The next chunk (whatever size was asked: chunks are at most a few MiB)."""
        assert self._parts is not None
        for chunk_oid, _ in self._parts:
            try:
                data = self._odb.read_verified(chunk_oid)  # at most chunks.MAX_SIZE
            except FileNotFoundError:
                raise FileNotFoundError(errno.ENOENT, f"its chunk {chunk_oid} is not in the"
                                        " cache ('mlgit fetch' restores it)") from None
            self._hasher.update(data)
            return data
        actual = self._hasher.hexdigest()
        if actual != self._oid:  # every chunk was right: the list is wrong
            self._odb.set_aside_chunk_list(self._oid)
            raise CorruptObject(self._oid, actual, self._odb.quarantine_dir)
        return b""

    def close(self) -> None:
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
