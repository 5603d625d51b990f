"""The objects one process is adding to the local store (objects.py): the packs being written
(one of small objects, one of chunks), the files written since the last durability step, and
that one step. Spec: docs/formats.md, "The object store"."""

from __future__ import annotations

import contextlib
import os
import threading

from mlgit.fileio import make_durable, sync_folder_fs
from mlgit.storage import packs


class Batch:
    def __init__(self, root: str) -> None:
        self.root = root
        self.pack_dir = os.path.join(root, packs.PACK_DIR)
        self._lock = threading.Lock()
        self._small: packs.PackWriter | None = None
        self._chunks: packs.PackWriter | None = None  # a pack of chunks
        self.written: list[str] = []  # files written since make_durable
        self.waiting_lists: dict[str, bytes] = {}  # chunk lists written once packs are published
        self._unfinished: set[str] = set()  # temp files being written (temp_started)
        self._closed = False

    def _writers(self) -> list[packs.PackWriter]:
        return [w for w in (self._small, self._chunks) if w is not None]

    def writing(self) -> bool:
        """Whether a pack is being written (objects in it are not yet visible in the store)."""
        return bool(self._writers())

    def holds(self, oid: str) -> bool:
        """Whether `oid` is in a pack being written."""
        return any(oid in w.entries for w in self._writers())

    def oids(self) -> set[str]:
        return {oid for w in self._writers() for oid in w.entries}

    def read(self, oid: str) -> bytes | None:
        """The bytes of `oid` if it is in a pack being written (not verified)."""
        for writer in self._writers():
            if (data := writer.read(oid)) is not None:
                return data
        return None

    def size(self, oid: str) -> int | None:
        for writer in self._writers():
            if (entry := writer.entries.get(oid)) is not None:
                return entry[1]
        return None

    def pack(self, oid: str, data: bytes | memoryview, chunk: bool = False) -> None:
        """Add an object to the pack of small objects, or a chunk to the pack of chunks."""
        with self._lock:
            if self._closed:
                raise packs.Closed(self.root)
            if chunk and self._chunks is None:
                self._chunks = packs.PackWriter(self.pack_dir, chunks=True)
            elif not chunk and self._small is None:
                self._small = packs.PackWriter(self.pack_dir)
            writer = self._chunks if chunk else self._small
        assert writer is not None
        writer.add(oid, data)

    def publish(self) -> bool:
        """Publish the packs being written; whether there were any."""
        writers = self._writers()
        for writer in writers:
            for idx in writer.finish():
                self.written += [idx, idx[: -len(".idx")] + ".pack"]
        self._small = self._chunks = None
        return bool(writers)

    def make_durable(self, whole_store: bool = False) -> None:
        """Make the files written since the last call durable: an fsync per file when there
        are few, else one syncfs; with `whole_store`, always one syncfs."""
        files, self.written = self.written, []
        if not os.path.isdir(self.root):
            return
        if whole_store:
            sync_folder_fs(self.root)
        elif files:
            make_durable(files, self.root)

    def forget(self) -> None:
        """Start afresh, leaving the packs being written alone (in a forked child)."""
        self._small = self._chunks = None
        self.written = []
        self.waiting_lists = {}
        self._unfinished = set()  # the parent's temp files are the parent's to delete

    def abort(self) -> None:
        self.waiting_lists = {}
        for writer in self._writers():
            writer.abort()
        self._small = self._chunks = None

    def temp_started(self, path: str) -> None:
        """Note a temp file about to be written in the store, so that close deletes it if
        it is still there then (written by a thread that Ctrl-C did not wait for)."""
        with self._lock:
            if self._closed:
                raise packs.Closed(path)
            self._unfinished.add(path)

    def temp_ended(self, path: str) -> None:
        with self._lock:
            self._unfinished.discard(path)

    def close(self) -> None:
        """The command ends (on Ctrl-C with threads still writing): drop the packs and temp
        files not finished, and refuse any later write, which would leave a new one."""
        with self._lock:
            self._closed = True
            unfinished, self._unfinished = self._unfinished, set()
        self.abort()
        for path in unfinished:
            with contextlib.suppress(OSError):
                os.unlink(path)
