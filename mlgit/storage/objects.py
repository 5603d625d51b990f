"""The local object store. Spec: docs/formats.md.

Objects are addressed by the xxh3-128 of their bytes. Large objects are loose files,
`<root>/<2 hex>/<30 hex>`; small ones live in pack files (packs.py) so that storing 20k small
files does not cost 20k inode creations. Everything is write-once and read-only; every read
is verified against the oid. Plain os calls only (fsspec is for remotes). The interface is
narrow — exists/missing, read, put, iterate, collect garbage, by oid — so callers never see
the layout.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable, Iterator

from mlgit import hashing
from mlgit.fileio import copy_file, fsync_path, read_all, sync_folder_fs, write_all
from mlgit.hashing import EMPTY_OID, OID_LEN
from mlgit.storage import packs

TMP_DIR = "tmp"
_TMP_SUFFIX = ".tmp"
QUARANTINE_DIR = "quarantine"
"""Where corrupt copies are set aside (never read again, never deleted by mlgit)."""


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
    def __init__(self, root: str, pack_small: bool = True) -> None:
        self.root = root
        self.pack_small = pack_small
        self.pack_dir = os.path.join(root, packs.PACK_DIR)
        self._made_dirs: set[str] = set()
        self._counter = 0
        self._counter_lock = threading.Lock()
        self._aside_lock = threading.Lock()
        self.set_aside_oids: set[str] = set()  # oids whose copy this process set aside
        self._packed: dict[str, packs.Location] | None = None
        self.damaged_indexes: list[str] = []  # pack indexes skipped (see packs.load_all)
        self._writer: packs.PackWriter | None = None
        self._reader = packs.PackReader()
        self.fetched: list[str] = []  # files adopt() and publish() wrote, for sync_fetched

    # -- where objects are ---------------------------------------------------------------

    def path(self, oid: str) -> str:
        """The loose file of `oid` (which may not exist; see materialize)."""
        return os.path.join(self.root, oid[:2], oid[2:])

    @property
    def packed(self) -> dict[str, packs.Location]:
        if self._packed is None:
            damaged: list[str] = []
            self._packed = packs.load_all(self.pack_dir, damaged)
            self.damaged_indexes = damaged
        return self._packed

    def exists(self, oid: str) -> bool:
        return (oid == EMPTY_OID or oid in self.packed or os.path.exists(self.path(oid))
                or (self._writer is not None and oid in self._writer.entries))

    def missing(self, oids: Iterable[str]) -> set[str]:
        """The oids not in the store: stat each when few, list the store when many."""
        wanted = set(oids) - self.packed.keys()
        wanted.discard(EMPTY_OID)  # implicit: never stored
        if self._writer is not None:
            wanted -= self._writer.entries.keys()
        if len(wanted) < 2000:
            return {oid for oid in wanted if not os.path.exists(self.path(oid))}
        return wanted - set(self._iter_loose())

    def size(self, oid: str) -> int | None:
        """The size the store holds for `oid` (a pack index's entry, or the loose file's
        size; not verified), or None if it is absent."""
        if oid == EMPTY_OID:
            return 0
        where = self.packed.get(oid)
        if where is not None:
            return where[2]
        try:
            return os.stat(self.path(oid)).st_size
        except FileNotFoundError:
            return None

    def iter_oids(self) -> Iterator[str]:
        yield from self.packed
        yield from self._iter_loose()

    def stamp(self) -> bytes | None:
        """A fingerprint of the store's folders: it changes whenever an object is added or
        removed (the folder's mtime moves). None if a folder changed too recently to tell."""
        import marshal
        import time

        try:
            with os.scandir(self.root) as it:
                stamps = sorted((e.name, e.stat().st_mtime_ns) for e in it
                                if len(e.name) == 2 or e.name == packs.PACK_DIR)
        except FileNotFoundError:
            return None
        newest = max((m for _, m in stamps), default=0)
        if newest >= time.time_ns() - 50_000_000:
            return None
        return marshal.dumps(stamps)

    # -- reading ---------------------------------------------------------------------------

    def read_verified(self, oid: str) -> bytes:
        """The object's bytes, checked against its oid. FileNotFoundError if absent."""
        if oid == EMPTY_OID:
            return b""
        where = self.packed.get(oid)
        stored = True
        if where is not None:
            data = self._reader.read(where)
        elif self._writer is not None and (pending := self._writer.read(oid)) is not None:
            data, stored = pending, False
        else:
            with open(self.path(oid), "rb") as f:
                data = f.read()
        actual = hashing.hash_bytes(data)
        if actual != oid:
            raise self.corrupt(oid, actual, where) if stored else CorruptObject(oid, actual)
        return data

    def read_packed(self, where: packs.Location) -> bytes:
        """The bytes at a pack location (not verified: the caller hashes them)."""
        return self._reader.read(where)

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
        folder = os.path.join(self.root, QUARANTINE_DIR)
        os.makedirs(folder, exist_ok=True)
        self.set_aside_oids.add(oid)
        if where is None:
            return _move_aside(self.path(oid), folder, oid)
        with self._aside_lock:  # threads that met the same copy keep it once
            if os.path.exists(packs.set_aside_mark(where[0], oid)):
                return folder
            try:
                data = self._reader.read(where)
            except OSError:  # a truncated pack: nothing of this copy to keep
                dest = ""
            else:
                dest = _write_aside(data, folder, oid)
            packs.mark_set_aside(where[0], oid)
        with self._counter_lock:
            if self._packed is not None and self._packed.get(oid) == where:
                self._packed = None  # read the indexes again: another pack may hold it
        return dest

    def set_aside_file(self, path: str) -> str:
        """Move a damaged file of the store (a pack index, a pack) into quarantine/ under its
        own name; returns where it went."""
        folder = os.path.join(self.root, QUARANTINE_DIR)
        os.makedirs(folder, exist_ok=True)
        self._packed = None
        return _move_aside(path, folder, os.path.basename(path))

    def loose_oids(self) -> Iterator[str]:
        """The oids stored as loose files."""
        return self._iter_loose()

    def quarantine_usage(self) -> tuple[int, int]:
        """(files, bytes) set aside in quarantine/."""
        files = size = 0
        with contextlib.suppress(FileNotFoundError), \
                os.scandir(os.path.join(self.root, QUARANTINE_DIR)) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False):
                    files += 1
                    size += entry.stat(follow_symlinks=False).st_size
        return files, size

    # -- writing ---------------------------------------------------------------------------

    def put_bytes(self, data: bytes, oid: str | None = None, pack: bool = False) -> str:
        """Store bytes under their hash; a no-op if the object is already there."""
        oid = oid or hashing.hash_bytes(data)
        if oid == EMPTY_OID:
            return oid  # implicit in every store: nothing to write
        if pack and self.pack_small and len(data) < packs.MAX_PACKED:
            # No stat for a loose copy: a duplicate is harmless, 20k stats are not.
            if oid not in self.packed:
                with self._counter_lock:
                    if self._writer is None:
                        self._writer = packs.PackWriter(self.pack_dir)
                self._writer.add(oid, data)
        elif not self.exists(oid):
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
        return self._put_large(src)

    def temp_path(self) -> str:
        """A fresh temp file name inside the store (for adopt)."""
        tmp_dir = os.path.join(self.root, TMP_DIR)
        os.makedirs(tmp_dir, exist_ok=True)
        return self._tmp_name(tmp_dir)

    def adopt(self, tmp: str, oid: str) -> None:
        """Move a downloaded file into the store as `oid` if its content hashes to it;
        otherwise delete it and raise CorruptObject."""
        try:
            actual, _ = hashing.hash_file(tmp)
            if actual != oid:
                raise CorruptObject(oid, actual)
            self._publish_temp(tmp, oid)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        with self._counter_lock:
            self.fetched.append(self.path(oid))

    def sync_fetched(self) -> None:
        """Make what adopt() and publish() wrote durable: an fsync per file (and folder) when
        there are few, so the rest of the filesystem is not flushed with them; else syncfs."""
        files, self.fetched = self.fetched, []
        if len(files) > 64:
            self.sync()
            return
        for path in [*files, *sorted({os.path.dirname(f) for f in files})]:
            fsync_path(path)

    def _publish_temp(self, tmp: str, oid: str) -> None:
        """Rename a complete temp file holding `oid` into place (read-only)."""
        os.chmod(tmp, 0o444)
        if self.exists(oid):
            os.unlink(tmp)
        else:
            self._ensure_dir(oid[:2])
            os.replace(tmp, self.path(oid))

    def publish(self) -> None:
        """Publish the pack being written (without syncing)."""
        if self._writer is not None:
            for idx in self._writer.finish():
                self.fetched += [idx, idx[: -len(".idx")] + ".pack"]
            self._writer = None
            self._packed = None

    def start_own_pack(self) -> None:
        """In a forked child: write to a new pack, leaving the parent's (inherited) one
        alone."""
        self._writer = None

    def forget_pack_index(self) -> None:
        """Re-read the pack indexes next time (another process added a pack)."""
        self._packed = None

    def finish(self) -> None:
        """Publish objects still being packed, then make the batch durable (one syncfs)."""
        if self._writer is not None:
            self._writer.finish()
            self._writer = None
            self._packed = None
        self.sync()

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.abort()
            self._writer = None

    def close(self) -> None:
        self.abort()
        self._reader.close()

    def sync(self) -> None:
        if os.path.isdir(self.root):
            sync_folder_fs(self.root)

    def _write_loose(self, oid: str, data: bytes) -> None:
        final = self.path(oid)
        self._ensure_dir(oid[:2])
        tmp = self._tmp_name(os.path.dirname(final))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        try:
            try:
                write_all(fd, data)
            finally:
                os.close(fd)
            os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def _put_large(self, src: str) -> tuple[str, int]:
        tmp_dir = os.path.join(self.root, TMP_DIR)
        os.makedirs(tmp_dir, exist_ok=True)
        tmp = self._tmp_name(tmp_dir)
        try:
            copy_file(src, tmp)
            oid, size = hashing.hash_file(tmp)
            self._publish_temp(tmp, oid)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return oid, size

    # -- deleting --------------------------------------------------------------------------

    def garbage(self, keep: set[str]) -> dict[str, int]:
        """Every object not in `keep`, with the bytes deleting it would free (an object stored
        both loose and packed counts both copies)."""
        found: dict[str, int] = {}
        for oid in self._iter_loose():
            if oid not in keep:
                with contextlib.suppress(FileNotFoundError):
                    found[oid] = found.get(oid, 0) + os.stat(self.path(oid)).st_size
        marked: dict[str, set[str]] = {}
        with contextlib.suppress(FileNotFoundError):
            marked = packs.set_aside_entries(os.listdir(self.pack_dir))
        for idx in self._pack_indexes():
            bad = marked.get(os.path.basename(idx)[: -len(".idx")], set())
            for oid, (_, _, size) in (packs.read_index(idx) or {}).items():
                if oid not in keep and oid not in bad:  # a copy set aside is in quarantine/
                    found[oid] = found.get(oid, 0) + size
        return found

    def collect(self, keep: set[str], dry_run: bool) -> tuple[int, int, int]:
        """Delete every object not in `keep`; returns (removed, freed bytes, kept).

        Packs holding unreferenced objects are rewritten with the rest (each object verified
        on the way) before the old pack is deleted, so a crash never loses a kept object.
        """
        freed = 0
        kept_oids: set[str] = set()
        removed_oids: set[str] = set()
        marked: dict[str, set[str]] = {}
        with contextlib.suppress(FileNotFoundError):
            marked = packs.set_aside_entries(os.listdir(self.pack_dir))
        for oid in list(self._iter_loose()):
            if oid in keep:
                kept_oids.add(oid)
                continue
            removed_oids.add(oid)
            with contextlib.suppress(FileNotFoundError):
                freed += os.stat(self.path(oid)).st_size
                if not dry_run:
                    os.unlink(self.path(oid))
        for idx in self._pack_indexes():
            entries = packs.read_index(idx) or {}
            # A copy set aside is neither kept nor counted: its bytes are in quarantine/.
            bad = marked.get(os.path.basename(idx)[: -len(".idx")], set())
            drop = {oid: loc for oid, loc in entries.items()
                    if oid not in keep and oid not in bad}
            kept_oids.update(oid for oid in entries if oid in keep and oid not in bad)
            removed_oids.update(drop)
            freed += sum(size for _, _, size in drop.values())
            if (drop or bad) and not dry_run:
                self._repack(idx, [oid for oid in entries if oid in keep and oid not in bad])
        if not dry_run:
            self._packed = None
            packs.remove_stale_marks(self.pack_dir)
            # collect runs only under gc's exclusive lock on the cache, so no command is
            # writing: every temp file is a leftover of a killed one, whatever its age.
            self._remove_stale_temps(max_age=0)
        # An object can be both loose and packed: count objects, not copies.
        return len(removed_oids), freed, len(kept_oids)

    def _repack(self, idx: str, survivors: list[str]) -> None:
        if survivors:
            writer = packs.PackWriter(self.pack_dir)
            for oid in survivors:
                with contextlib.suppress(CorruptObject):
                    writer.add(oid, self.read_verified(oid))
            writer.finish()
            self.sync()
        self._reader.close()
        packs.remove_pack(idx)

    def _remove_stale_temps(self, max_age: float) -> None:
        """Temp files an interrupted command left in the store: hidden names, and unfinished
        packs, unchanged for `max_age` seconds."""
        import time

        cutoff = time.time() - max_age
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return  # no cache folder at all: nothing was left
        folders = [os.path.join(self.root, p) for p in names if len(p) == 2]
        for folder in [*folders, self.pack_dir, os.path.join(self.root, TMP_DIR)]:
            try:
                entries = list(os.scandir(folder))
            except (FileNotFoundError, NotADirectoryError):
                continue
            for entry in entries:
                hidden = entry.name.startswith(".") or folder.endswith(TMP_DIR)
                if hidden and entry.is_file(follow_symlinks=False) \
                        and entry.stat().st_mtime < cutoff:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
                elif entry.name.endswith(".pack") and entry.stat().st_mtime < cutoff \
                        and not os.path.exists(entry.path[: -len(".pack")] + ".idx"):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)  # a pack whose index was never written

    def _pack_indexes(self) -> list[str]:
        try:
            names = os.listdir(self.pack_dir)
        except FileNotFoundError:
            return []
        return [os.path.join(self.pack_dir, n) for n in sorted(names)
                if n.endswith(".idx") and not n.startswith(".")]

    def _iter_loose(self) -> Iterator[str]:
        try:
            prefixes = os.listdir(self.root)
        except FileNotFoundError:
            return
        for prefix in prefixes:
            if len(prefix) != 2:
                continue
            try:
                names = os.listdir(os.path.join(self.root, prefix))
            except NotADirectoryError:
                continue
            for name in names:
                if len(name) == OID_LEN - 2 and name[0] != ".":
                    yield prefix + name

    def _ensure_dir(self, name: str) -> None:
        if name in self._made_dirs:
            return
        os.makedirs(os.path.join(self.root, name), exist_ok=True)
        self._made_dirs.add(name)

    def _tmp_name(self, folder: str) -> str:
        with self._counter_lock:
            self._counter += 1
            n = self._counter
        return os.path.join(folder, f".{os.getpid()}-{n}{_TMP_SUFFIX}")


def _aside_names(folder: str, oid: str) -> Iterator[str]:
    """Quarantine file names for `oid` (or a file name): as is, then .1, .2, ... when taken."""
    yield os.path.join(folder, oid)
    n = 1
    while True:
        yield os.path.join(folder, f"{oid}.{n}")
        n += 1


def _move_aside(src: str, folder: str, oid: str) -> str:
    """Move a loose object file into quarantine under a free name (never over another)."""
    for dest in _aside_names(folder, oid):
        try:
            os.link(src, dest)
        except FileExistsError:
            continue
        except FileNotFoundError:
            return folder  # already moved (by another thread or command)
        except OSError:  # no hard links on this filesystem
            if os.path.lexists(dest):
                continue
            os.rename(src, dest)
            return dest
        with contextlib.suppress(FileNotFoundError):
            os.unlink(src)
        return dest
    raise AssertionError("unreachable")


def _write_aside(data: bytes, folder: str, oid: str) -> str:
    for dest in _aside_names(folder, oid):
        try:
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        except FileExistsError:
            continue
        try:
            write_all(fd, data)
        finally:
            os.close(fd)
        return dest
    raise AssertionError("unreachable")
