"""Remote housekeeping, last step (mlgit gc -r): carrying out a plan (gc_plan.py) in a
crash-safe order. Spec: docs/formats.md, "Remote layout after gc".

Order of writes and deletes, so that a crash at any point loses nothing kept and leaves a
remote that reads correctly (a rerun finishes the job):
1. live objects of mostly-garbage packs are copied into new packs (pack, then index);
2. run-cache records, then chunk lists (before the chunks they name), then loose objects;
3. old packs: the index first, then the pack (a pack without an index is invisible);
4. packs without an index and temp files, old enough to be leftovers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from mlgit.hashing import hash_bytes
from mlgit.remote.gc_plan import Plan
from mlgit.remote.gc_survey import Mapper, PackInfo, Survey
from mlgit.remote.store import PACK_DIR, RUNS_DIR, RemoteStore, loose_rel
from mlgit.storage import chunks

NEW_PACK_BYTES = 16 << 20
"""New packs are cut at about this size, like push's."""


@dataclass
class Done:
    deleted: list[str] = field(default_factory=list)  # remote-relative paths
    new_packs: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)  # "OID in packs/NAME.pack"; pack left


def execute(store: RemoteStore, found: Survey, todo: Plan, mapper: Mapper,
            on_step: Callable[[str], None] = lambda _: None) -> Done:
    """Carry out `todo` in the crash-safe order (module docstring)."""
    done = Done()
    spared = _repack(store, found, todo, mapper, done)
    steps = [[f"{RUNS_DIR}/{k[:2]}/{k[2:]}" for k in todo.runs],
             [loose_rel(o) + chunks.SUFFIX for o in sorted(todo.lists)],
             [loose_rel(o) for o in sorted(todo.loose)],
             [f"{PACK_DIR}/{n}.idx" for n in _old_packs(todo, spared)],
             [f"{PACK_DIR}/{n}.pack" for n in _old_packs(todo, spared)],
             # a pack left without its index by a killed gc is written again whole (same
             # objects, same name) by the repack above: that one stays
             [f"{PACK_DIR}/{n}.pack" for n in todo.orphan_packs if n not in done.new_packs]
             + todo.temps]
    for rels in steps:
        _remove_all(store, rels, mapper, on_step)
        done.deleted += rels
    store.backend.finish()
    return done


def _old_packs(todo: Plan, spared: set[str]) -> list[str]:
    return sorted(n for n in {*todo.drop_packs, *todo.repack} if n not in spared)


def _remove_all(store: RemoteStore, rels: list[str], mapper: Mapper,
                on_step: Callable[[str], None]) -> None:
    def remove(rel: str) -> None:
        on_step(rel)
        with contextlib.suppress(FileNotFoundError):
            store.backend.remove(rel)

    mapper(remove, rels)


def _repack(store: RemoteStore, found: Survey, todo: Plan, mapper: Mapper,
            done: Done) -> set[str]:
    """Copy the live objects of the packs to repack into new packs (each object verified);
    returns the packs that must stay because one of their live objects is corrupt. An object
    some kept pack or loose file also holds is not copied again (after a crash, the new pack
    of the first run holds it)."""
    elsewhere: set[str] = set(found.loose)
    going = {*todo.drop_packs, *todo.repack}
    for name, info in found.packs.items():
        if name not in going:
            elsewhere.update(oid for oid, _, _ in info.records)
    spared: set[str] = set()
    builder = _NewPacks(store, done)
    names = sorted(todo.repack)
    for start in range(0, len(names), 4):
        group = names[start:start + 4]
        spans = mapper(lambda n: _read_live(store, found.packs[n], todo.repack[n]), group)
        for name, objects in zip(group, spans, strict=True):
            if isinstance(objects, str):
                done.corrupt.append(f"{objects} in {PACK_DIR}/{name}.pack")
                spared.add(name)
                continue
            for oid, data in objects:  # type: ignore[attr-defined]
                if oid not in elsewhere:
                    builder.add(oid, data)
                    elsewhere.add(oid)
    builder.flush()
    return spared


def _read_live(store: RemoteStore, info: PackInfo, live: list[tuple[str, int, int]]
               ) -> list[tuple[str, bytes]] | str:
    """The live objects of a pack, read in one ranged request and verified; the oid of the
    first corrupt one instead when there is one."""
    start = min(offset for _, offset, _ in live)
    end = max(offset + size for _, offset, size in live)
    try:
        data = store.read_span(info.rel, start, end)
    except (EOFError, FileNotFoundError) as exc:  # truncated, or deleted meanwhile
        return f"{live[0][0]} ({exc})"
    objects = []
    for oid, offset, size in sorted(live, key=lambda r: r[1]):
        part = data[offset - start: offset - start + size]
        if hash_bytes(part) != oid:
            return oid
        objects.append((oid, part))
    return objects


class _NewPacks:
    def __init__(self, store: RemoteStore, done: Done) -> None:
        self.store = store
        self.done = done
        self.data = bytearray()
        self.entries: dict[str, tuple[int, int]] = {}

    def add(self, oid: str, data: bytes) -> None:
        self.entries[oid] = (len(self.data), len(data))
        self.data += data
        if len(self.data) >= NEW_PACK_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.entries:
            self.done.new_packs.append(self.store.upload_pack(bytes(self.data), self.entries))
        self.data = bytearray()
        self.entries = {}
