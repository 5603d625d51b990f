"""The local object store. Spec: docs/formats.md.

Objects are addressed by the xxh3-128 of their bytes. Large objects are loose files,
`<root>/<2 hex>/<30 hex>`; small ones live in pack files (packs.py) so that storing 20k small
files does not cost 20k inode creations. Everything is write-once and read-only; every read
is verified against the oid. Plain os calls only (fsspec is for remotes).

The interface is narrow, so that callers never see the layout: has / missing / size /
iter_oids; read_verified, read_small and open (bytes or a stream, verified), link_source (a
file to link or clone) and own_file (one to upload), holds (is this path our file); put_bytes
/ put_file / adopt; publish and make_durable (finish does both) for a batch of new objects;
garbage / collect. Whether an object is loose, packed or chunked is known here and in the
other modules of storage/ only: layout.py (which objects are there, in which form), batch.py
(the objects being added and their one durability step), reading.py (streams), packs.py,
chunks.py, check.py and garbage.py. Content of `chunk_threshold` bytes or more is stored as
chunks (in packs of chunks) plus a chunk list (chunks.py): it has no file of its own, `open`
streams it, and callers that link (`is_chunked`) copy it instead.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

from mlgit import hashing
from mlgit.fileio import (
    copy_file,
    read_all,
    temp_beside,
    write_atomic,
)
from mlgit.hashing import EMPTY_OID
from mlgit.storage import chunks, packs, quarantine
from mlgit.storage.layout import StoreLayout
from mlgit.storage.reading import CorruptObject as CorruptObject
from mlgit.storage.reading import ObjectReader

TMP_DIR = "tmp"


class LocalODB(StoreLayout):
    def __init__(self, root: str, pack_small: bool = True,
                 chunk_threshold: int = chunks.DEFAULT_THRESHOLD) -> None:
        super().__init__(root)
        self.pack_small = pack_small
        self.chunk_threshold = chunk_threshold
        self._made_dirs: set[str] = set()
        self._lock = threading.Lock()
        self._aside_lock = threading.Lock()
        self._reader = packs.PackReader()
        self._verified_files: set[str] = set()  # oids whose loose file was hashed

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
        elif (pending := self.batch.read(oid)) is not None:
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
            self._presence = None  # its set-aside marks are read again
            if self._packed is not None and self._packed.get(oid) == where:
                self._packed = None  # read the indexes again: another pack may hold it
        return dest

    def set_aside_file(self, path: str) -> str:
        """Move a damaged file of the store (a pack index, a pack) into quarantine/ under its
        own name; returns where it went."""
        os.makedirs(self.quarantine_dir, exist_ok=True)
        self.reread()
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
            if not self.packs_hold(oid):
                self.batch.pack(oid, data)
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
        tmp = temp_beside(os.path.join(tmp_dir, "object"))
        self.batch.temp_started(tmp)  # close deletes it if it is still there
        return tmp

    def temp_ended(self, tmp: str) -> None:
        """A temp_path file that is gone (published or deleted)."""
        self.batch.temp_ended(tmp)

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
        finally:
            self.temp_ended(tmp)

    def _publish_temp(self, tmp: str, oid: str) -> None:
        """Rename a complete temp file holding `oid` into place (read-only)."""
        os.chmod(tmp, 0o444)
        if self.has(oid):
            os.unlink(tmp)
            return
        self._ensure_dir(oid[:2])
        os.replace(tmp, self.path(oid))
        self.batch.written.append(self.path(oid))

    def _write_loose(self, oid: str, data: bytes) -> None:
        self._ensure_dir(oid[:2])
        write_atomic(self.path(oid), data, 0o444)
        self.batch.written.append(self.path(oid))

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
        finally:
            self.temp_ended(tmp)
        return oid, size

    def _put_chunked(self, src: str) -> tuple[str, int]:
        """Store a large file as chunks (each hashed from the very bytes stored, new ones
        into a pack of chunks) and its chunk list, written after them."""
        with open(src, "rb", buffering=0) as f:
            chunk_list = chunks.store(f.fileno(), self._put_chunk)
        oid = chunk_list.oid
        if oid != EMPTY_OID and not self.has(oid):
            data = chunks.encode(chunk_list)
            if self.batch.writing():  # its chunks may wait in a pack being written
                self.batch.waiting_lists[oid] = data
            else:
                self.batch.written.append(self.lists.write(oid, data))
        return oid, chunk_list.size

    def _put_chunk(self, oid: str, data: bytes | memoryview) -> None:
        """Store a chunk unless the store has it (packed, being packed, or loose)."""
        if self.packs_hold(oid) or self._pending(oid) or os.path.exists(self.path(oid)):
            return
        self.batch.pack(oid, data, chunk=True)

    def put_chunk_list(self, data: bytes, oid: str) -> None:
        """Store a chunk list fetched from elsewhere (its chunks must be stored already);
        CorruptObject if it is not a valid list of `oid`."""
        try:
            chunks.decode(data, oid)
        except chunks.BadChunkList as exc:
            raise CorruptObject(oid, f"a damaged chunk list: {exc}") from None
        if not self.has(oid):
            self.batch.written.append(self.lists.write(oid, data))

    # -- a batch of new objects --------------------------------------------------------------

    def publish(self) -> None:
        """Make the objects being packed visible to readers (not yet durable), then write the
        chunk lists that waited for them: a list is written only once every chunk it names
        is in the store, so a command killed in between leaves no list naming chunks that
        were never stored."""
        if self.batch.publish():
            self.reread()
        waiting, self.batch.waiting_lists = self.batch.waiting_lists, {}
        for oid, data in waiting.items():
            self.batch.written.append(self.lists.write(oid, data))

    def make_durable(self, whole_store: bool = False) -> None:
        """Make the objects this process wrote since the last call durable, before anything
        that names them (a pointer, a lock file) is written (batch.py). With `whole_store`,
        one syncfs: that also covers objects other processes wrote (forked workers, or a
        killed command whose objects this batch found already there)."""
        self.batch.make_durable(whole_store)

    def leave_to_disk(self) -> None:
        """Do not wait for the objects written since the last make_durable: the disk writes
        them back in its own time (fetched objects: docs/formats.md, "Durability")."""
        self.batch.written.clear()

    def finish(self) -> None:
        """Publish the objects still being packed, then make the whole store durable."""
        self.publish()
        self.make_durable(whole_store=True)

    def after_fork(self) -> None:
        """In a forked child: write to a batch of its own, leaving the parent's (inherited)
        one alone; the child publishes it, the parent's finish makes it durable."""
        self.batch.forget()

    def abort(self) -> None:
        self.batch.abort()

    def close(self) -> None:
        self.batch.close()
        self.close_packs()

    def close_packs(self) -> None:
        """Close the pack files held open for reading (before one is deleted)."""
        self._reader.close()

    def _ensure_dir(self, name: str) -> None:
        if name in self._made_dirs:
            return
        os.makedirs(os.path.join(self.root, name), exist_ok=True)
        self._made_dirs.add(name)
