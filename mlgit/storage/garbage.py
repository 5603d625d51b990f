"""Garbage collection of the local object store (mlgit gc): which objects nothing keeps,
and deleting them, rewriting the packs that hold some (every kept object verified on the
way) before the old pack goes, so a crash never loses a kept object."""

from __future__ import annotations

import contextlib
import os

from mlgit.storage import packs
from mlgit.storage.objects import TMP_DIR, CorruptObject, LocalODB


def with_chunks(odb: LocalODB, keep: set[str]) -> set[str]:
    """`keep` and the chunks that the chunk lists of the kept objects name. A list that
    cannot be read keeps nothing more (fsck reports it)."""
    kept = set(keep)
    for oid in odb.chunked_oids():
        if oid in keep:
            with contextlib.suppress(OSError, CorruptObject):
                kept.update(part for part, _ in odb.chunk_list(oid).chunks)
    return kept


def _unkept_lists(odb: LocalODB, keep: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for oid in odb.chunked_oids():
        if oid not in keep:
            with contextlib.suppress(FileNotFoundError):
                found[oid] = os.stat(odb.chunks_path(oid)).st_size
    return found


def unreferenced(odb: LocalODB, keep: set[str]) -> dict[str, int]:
    """Every object not in `keep` (nor a chunk of a kept object), with the bytes deleting it
    would free (an object stored both loose and packed counts both copies)."""
    keep = with_chunks(odb, keep)
    found: dict[str, int] = _unkept_lists(odb, keep)
    for oid in odb.loose_oids():
        if oid not in keep:
            with contextlib.suppress(FileNotFoundError):
                found[oid] = found.get(oid, 0) + os.stat(odb.path(oid)).st_size
    marked: dict[str, set[str]] = {}
    with contextlib.suppress(FileNotFoundError):
        marked = packs.set_aside_entries(os.listdir(odb.pack_dir))
    for idx in odb.pack_indexes():
        bad = marked.get(os.path.basename(idx)[: -len(".idx")], set())
        for oid, (_, _, size) in (packs.read_index(idx) or {}).items():
            if oid not in keep and oid not in bad:  # a copy set aside is in quarantine/
                found[oid] = found.get(oid, 0) + size
    return found

def delete_unreferenced(odb: LocalODB, keep: set[str], dry_run: bool) -> tuple[int, int, int]:
    """Delete every object not in `keep`; returns (removed, freed bytes, kept).

    Packs holding unreferenced objects are rewritten with the rest (each object verified
    on the way) before the old pack is deleted, so a crash never loses a kept object.
    """
    keep = with_chunks(odb, keep)
    lists = _unkept_lists(odb, keep)
    freed = sum(lists.values())
    kept_oids: set[str] = {oid for oid in odb.chunked_oids() if oid in keep}
    removed_oids: set[str] = set(lists)
    if not dry_run:
        for oid in lists:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(odb.chunks_path(oid))
    marked: dict[str, set[str]] = {}
    with contextlib.suppress(FileNotFoundError):
        marked = packs.set_aside_entries(os.listdir(odb.pack_dir))
    for oid in list(odb.loose_oids()):
        if oid in keep:
            kept_oids.add(oid)
            continue
        removed_oids.add(oid)
        with contextlib.suppress(FileNotFoundError):
            freed += os.stat(odb.path(oid)).st_size
            if not dry_run:
                os.unlink(odb.path(oid))
    for idx in odb.pack_indexes():
        entries = packs.read_index(idx) or {}
        # A copy set aside is neither kept nor counted: its bytes are in quarantine/.
        bad = marked.get(os.path.basename(idx)[: -len(".idx")], set())
        drop = {oid: loc for oid, loc in entries.items()
                if oid not in keep and oid not in bad}
        kept_oids.update(oid for oid in entries if oid in keep and oid not in bad)
        removed_oids.update(drop)
        freed += sum(size for _, _, size in drop.values())
        if (drop or bad) and not dry_run:
            _repack(odb, idx, [oid for oid in entries if oid in keep and oid not in bad])
    if not dry_run:
        odb.reread()
        packs.remove_stale_marks(odb.pack_dir)
        # collect runs only under gc's exclusive lock on the cache, so no command is
        # writing: every temp file is a leftover of a killed one, whatever its age.
        _remove_stale_temps(odb, max_age=0)
    # An object can be both loose and packed: count objects, not copies.
    return len(removed_oids), freed, len(kept_oids)

def _repack(odb: LocalODB, idx: str, survivors: list[str]) -> None:
    if survivors:
        with open(idx, "rb") as f:  # a pack of chunks stays one (see packs.CHUNK_MAGIC)
            of_chunks = packs.holds_chunks(f.read(64))
        writer = packs.PackWriter(odb.pack_dir, chunks=of_chunks)
        for oid in survivors:
            with contextlib.suppress(CorruptObject):
                writer.add(oid, odb.read_verified(oid))
        writer.finish()
        odb.make_durable(whole_store=True)
    odb.close_packs()
    packs.remove_pack(idx)

def _remove_stale_temps(odb: LocalODB, max_age: float) -> None:
    """Temp files an interrupted command left in the store: hidden names, and unfinished
    packs, unchanged for `max_age` seconds."""
    import time

    cutoff = time.time() - max_age
    try:
        names = os.listdir(odb.root)
    except FileNotFoundError:
        return  # no cache folder at all: nothing was left
    folders = [os.path.join(odb.root, p) for p in names if len(p) == 2]
    for folder in [*folders, odb.pack_dir, os.path.join(odb.root, TMP_DIR)]:
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
