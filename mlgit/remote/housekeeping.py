"""Remote housekeeping (mlgit gc -r): what a remote holds, with when each file was written;
which of it no kept revision needs; and deleting that in a crash-safe order. Spec:
docs/formats.md, "Remote layout after gc".

The caller (commands/remote_gc.py) says which oids are kept; this module adds what the remote
itself says must stay: everything written less than the grace period ago (a push may be about
to name it), and the chunks of every kept chunk list.

Order of writes and deletes, so that a crash at any point loses nothing kept and leaves a
remote that reads correctly (a rerun finishes the job):
1. live objects of mostly-garbage packs are copied into new packs (pack, then index);
2. run-cache records, then chunk lists (before the chunks they name), then loose objects;
3. old packs: the index first, then the pack (a pack without an index is invisible);
4. packs without an index and temp files, old enough to be leftovers.
"""

from __future__ import annotations

import contextlib
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from mlgit.hashing import EMPTY_OID, hash_bytes
from mlgit.remote.backends import Stat, temp_name, temp_written_at
from mlgit.remote.store import PACK_DIR, RUNS_DIR, RemoteStore, loose_rel
from mlgit.storage import chunks, packs

Mapper = Callable[[Callable[[str], object], list[str]], list[object]]

GRACE_HOURS = 24.0
"""Default: files written less than this long ago are kept, whatever references them."""
REPACK_GARBAGE = 0.5
"""A pack is rewritten when at least this share of its bytes is garbage; below, its garbage
stays (a pack wholly garbage is deleted)."""
NEW_PACK_BYTES = 16 << 20
"""New packs are cut at about this size, like push's."""
TEMP_AGE = 3600
"""Temp files of uploads started longer ago than this are leftovers (as gc --tmp)."""

_HEX2 = re.compile(r"^[0-9a-f]{2}$")
_HEX30 = re.compile(r"^[0-9a-f]{30}$")
_LIST = re.compile(r"^([0-9a-f]{30})\.chunks$")
_PACK_FILE = re.compile(r"^([0-9a-f]{32})\.(idx|pack)$")
_CLOCK = "clock"


class RemoteDoubt(Exception):
    """The remote holds something gc cannot account for: it deletes nothing."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"{what}: {why}")
        self.what = what
        self.why = why


@dataclass
class PackInfo:
    name: str
    records: list[tuple[str, int, int]]  # (oid, offset, size)
    time: float | None  # the later of the pack's and the index's
    size: int  # of the .pack file

    @property
    def rel(self) -> str:
        return f"{PACK_DIR}/{self.name}.pack"


@dataclass
class Survey:
    """Everything in a remote's layout, from listings (plus each pack index)."""

    now: float  # the clock ages are judged by: the earlier of ours and the remote's
    packs: dict[str, PackInfo] = field(default_factory=dict)
    orphan_packs: dict[str, Stat] = field(default_factory=dict)  # pack without its index
    lone_indexes: list[str] = field(default_factory=list)  # index without its pack
    loose: dict[str, Stat] = field(default_factory=dict)
    lists: dict[str, Stat] = field(default_factory=dict)
    runs: dict[str, Stat] = field(default_factory=dict)
    temps: list[tuple[str, int]] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    requests: int = 0  # listings and index reads made
    _located: dict[str, tuple[str, int, int]] | None = field(default=None, repr=False)

    def located(self) -> dict[str, tuple[str, int, int]]:
        """oid -> (pack rel, offset, size) of one packed copy of each packed object; built
        on first use (only a folder manifest the cache lacks needs it)."""
        if self._located is None:
            self._located = {}
            for info in self.packs.values():
                for oid, offset, size in info.records:
                    self._located.setdefault(oid, (info.rel, offset, size))
        return self._located


def survey(store: RemoteStore, mapper: Mapper, probe_clock: bool) -> Survey:
    """List the whole remote with times (one listing per folder) and read every pack index
    not seen before. With `probe_clock`, first write a tiny temp file in packs/ (deleted
    again at once): its time in the listing is the remote's clock now."""
    backend = store.backend
    probe = ""
    if probe_clock:
        probe = temp_name(f"{PACK_DIR}/{_CLOCK}")
        backend.write_bytes(probe, b"")
        backend.finish()  # so that a later finish does not look for it
    try:
        found = Survey(now=time.time())
        top = backend.list_times("")
        folders = [n for n, st in top.items() if _HEX2.match(n) and st.size < 0]
        runs = backend.list_times(RUNS_DIR) if RUNS_DIR in top else {}
        run_folders = [n for n, st in runs.items() if _HEX2.match(n) and st.size < 0]
        found.foreign += [f"{RUNS_DIR}/{n}" for n in runs if n not in run_folders
                          and temp_written_at(n) is None]
        listings = mapper(backend.list_times,
                          [PACK_DIR] + folders + [f"{RUNS_DIR}/{n}" for n in run_folders])
        found.requests = 2 + len(listings)
        pack_listing: dict[str, Stat] = listings[0]  # type: ignore[assignment]
        for name in top:
            if name not in folders and name not in (PACK_DIR, RUNS_DIR) \
                    and temp_written_at(name) is None:
                found.foreign.append(name)
        for folder, listing in zip(folders, listings[1:1 + len(folders)], strict=True):
            _objects(found, folder, listing)  # type: ignore[arg-type]
        for folder, listing in zip(run_folders, listings[1 + len(folders):], strict=True):
            _runs(found, folder, listing)  # type: ignore[arg-type]
        probe_time = pack_listing.get(probe.rpartition("/")[2]) if probe else None
        if probe_time is not None and probe_time.time is not None:
            found.now = min(found.now, probe_time.time)
        _packs(found, store, pack_listing, {probe.rpartition("/")[2]}, mapper)
    finally:
        if probe:
            with contextlib.suppress(FileNotFoundError):
                backend.remove(probe)
    return found


def _objects(found: Survey, folder: str, listing: dict[str, Stat]) -> None:
    for name, st in listing.items():
        if _HEX30.match(name) and st.size >= 0:
            found.loose[folder + name] = st
        elif (m := _LIST.match(name)) and st.size >= 0:
            found.lists[folder + m.group(1)] = st
        elif (at := temp_written_at(name)) is not None:
            found.temps.append((f"{folder}/{name}", at))
        else:
            found.foreign.append(f"{folder}/{name}")


def _runs(found: Survey, folder: str, listing: dict[str, Stat]) -> None:
    for name, st in listing.items():
        if _HEX30.match(name) and st.size >= 0:
            found.runs[folder + name] = st
        elif (at := temp_written_at(name)) is not None:
            found.temps.append((f"{RUNS_DIR}/{folder}/{name}", at))
        else:
            found.foreign.append(f"{RUNS_DIR}/{folder}/{name}")


def _packs(found: Survey, store: RemoteStore, listing: dict[str, Stat], skip: set[str],
           mapper: Mapper) -> None:
    names: dict[str, dict[str, Stat]] = {}
    for name, st in listing.items():
        if name in skip:
            continue
        if (m := _PACK_FILE.match(name)) and st.size >= 0:
            names.setdefault(m.group(1), {})[m.group(2)] = st
        elif (at := temp_written_at(name)) is not None:
            found.temps.append((f"{PACK_DIR}/{name}", at))
        else:
            found.foreign.append(f"{PACK_DIR}/{name}")
    whole = sorted(n for n, parts in names.items() if "idx" in parts and "pack" in parts)
    found.lone_indexes = sorted(f"{PACK_DIR}/{n}.idx" for n, parts in names.items()
                                if "pack" not in parts)
    found.orphan_packs = {n: parts["pack"] for n, parts in names.items() if "idx" not in parts}
    indexes = mapper(lambda n: read_index(store, n), whole)
    found.requests += len(whole)
    for name, records in zip(whole, indexes, strict=True):
        if records is None:
            raise RemoteDoubt(f"{PACK_DIR}/{name}.idx", "the pack index is damaged (its"
                              " checksum or name does not match its content), so gc cannot"
                              " tell which objects its pack holds")
        parts = names[name]
        times = [parts["idx"].time, parts["pack"].time]
        when = None if None in times else max(t for t in times if t is not None)
        found.packs[name] = PackInfo(name, records, when, parts["pack"].size)  # type: ignore[arg-type]


def read_index(store: RemoteStore, name: str) -> list[tuple[str, int, int]] | None:
    """A pack index's records, read from the remote itself (gc deletes by them: a damaged
    index there must be noticed, even when an intact copy is in .mlgit/tmp/remote-index);
    None when it is damaged."""
    raw = store.backend.read(f"{PACK_DIR}/{name}.idx")
    records = packs.parse_index(raw)
    if records is None or packs.index_name(raw) != name:
        return None
    return records


# -- reading single objects (manifests, chunk lists, run records) -------------------------------


def read_object(store: RemoteStore, found: Survey, oid: str) -> bytes | None:
    """The verified bytes of a whole object on the remote (packed or loose); None when the
    remote has no good copy."""
    where = found.located().get(oid)
    candidates: list[Callable[[], bytes]] = []
    if where is not None:
        rel, offset, size = where
        candidates.append(lambda: store.read_span(rel, offset, offset + size))
    if oid in found.loose:
        candidates.append(lambda: store.backend.read(loose_rel(oid)))
    for read in candidates:
        with contextlib.suppress(FileNotFoundError, EOFError):
            data = read()
            if hash_bytes(data) == oid:
                return data
    return None


def chunks_of(store: RemoteStore, oids: Iterable[str], mapper: Mapper) -> dict[str, list[str]]:
    """{oid: the chunks its chunk list on the remote names} for each of `oids` (which must
    have a list there). A damaged list is doubt: RemoteDoubt."""
    wanted = sorted(oids)

    def read(oid: str) -> list[str]:
        try:
            return [part for part, _ in chunks.decode(store.read_chunk_list(oid), oid).chunks]
        except FileNotFoundError:
            return []  # deleted meanwhile: it names nothing any more
        except chunks.BadChunkList as exc:
            raise RemoteDoubt(loose_rel(oid) + chunks.SUFFIX,
                              f"the chunk list is damaged ({exc}), so gc cannot tell which"
                              " chunks it needs") from None

    return dict(zip(wanted, mapper(read, wanted), strict=True))  # type: ignore[arg-type]


# -- what goes -----------------------------------------------------------------------------------


@dataclass
class Plan:
    cutoff: float  # files written before this (Unix seconds) may go
    runs: list[str] = field(default_factory=list)  # run keys
    lists: dict[str, int] = field(default_factory=dict)  # oid -> bytes
    loose: dict[str, int] = field(default_factory=dict)
    drop_packs: dict[str, int] = field(default_factory=dict)  # wholly garbage: name -> bytes
    repack: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)  # name -> live
    orphan_packs: list[str] = field(default_factory=list)
    temps: list[str] = field(default_factory=list)
    young: int = 0  # objects and packs kept only because they are recent (or timeless)
    kept: int = 0  # distinct objects some copy of which stays
    left_in_packs: int = 0  # garbage bytes left in packs that are mostly live
    objects_gone: int = 0  # distinct objects no copy of which stays
    freed: int = 0  # bytes deleted, repacked packs counted as old minus new

    @property
    def empty(self) -> bool:
        return not (self.runs or self.lists or self.loose or self.drop_packs or self.repack
                    or self.orphan_packs or self.temps)

    def paths(self) -> list[str]:
        """Every remote file the plan deletes, in the order it deletes them."""
        return ([f"{RUNS_DIR}/{k[:2]}/{k[2:]}" for k in self.runs]
                + [loose_rel(o) + chunks.SUFFIX for o in sorted(self.lists)]
                + [loose_rel(o) for o in sorted(self.loose)]
                + [f"{PACK_DIR}/{n}.{ext}" for n in sorted({*self.drop_packs, *self.repack})
                   for ext in ("idx", "pack")]
                + [f"{PACK_DIR}/{n}.pack" for n in self.orphan_packs] + self.temps)


def cutoff_of(now: float, grace: float) -> float:
    """Files written at or after this time are young. A grace of 0 keeps nothing for its age:
    listings give times in whole seconds (S3, GCS), so `now - 0` would spare whatever was
    written in the same second as the listing."""
    return now - grace if grace > 0 else math.inf


def young(st: Stat | None, cutoff: float) -> bool:
    return st is None or st.time is None or st.time >= cutoff


def kept_by_age(found: Survey, cutoff: float) -> set[str]:
    """The oids of every object written after `cutoff` (or of unknown age)."""
    kept = {o for o, st in found.loose.items() if young(st, cutoff)}
    kept |= {o for o, st in found.lists.items() if young(st, cutoff)}
    for info in found.packs.values():
        if info.time is None or info.time >= cutoff:
            kept.update(oid for oid, _, _ in info.records)
    return kept


def plan(found: Survey, keep: set[str], runs_gone: list[str], grace: float) -> Plan:
    """What to delete: every object not in `keep` written before now - `grace` seconds
    (`keep` must already hold what age and chunk lists keep), the runs in `runs_gone`."""
    cutoff = cutoff_of(found.now, grace)
    result = Plan(cutoff, runs=sorted(runs_gone))
    stays: set[str] = set()  # objects some copy of which stays
    for oid, st in found.lists.items():
        if oid in keep or young(st, cutoff):
            stays.add(oid)
            result.young += oid not in keep
        else:
            result.lists[oid] = max(st.size, 0)
    for oid, st in found.loose.items():
        if oid in keep or young(st, cutoff):
            stays.add(oid)
            result.young += oid not in keep
        else:
            result.loose[oid] = max(st.size, 0)
    for name, info in sorted(found.packs.items()):
        if info.time is None or info.time >= cutoff:
            stays.update(oid for oid, _, _ in info.records)
            result.young += 1
            continue
        live = [r for r in info.records if r[0] in keep and r[0] != EMPTY_OID]
        live_bytes = sum(size for _, _, size in live)
        dead_bytes = sum(size for oid, _, size in info.records if oid not in keep)
        if not live:
            result.drop_packs[name] = info.size
        elif dead_bytes >= REPACK_GARBAGE * (live_bytes + dead_bytes):
            result.repack[name] = live
        else:
            stays.update(oid for oid, _, _ in info.records)
            result.left_in_packs += dead_bytes
    for name in sorted({*result.repack}):
        stays.update(oid for oid, _, _ in result.repack[name])
    # A pack without its index is what a push or gc writing it looks like until the index
    # arrives: whatever the grace period, it goes only after an hour, like temp files.
    temp_cutoff = found.now - TEMP_AGE
    result.orphan_packs = sorted(n for n, st in found.orphan_packs.items()
                                 if not young(st, min(cutoff, temp_cutoff)))
    result.temps = sorted(rel for rel, at in found.temps if at < temp_cutoff)
    every = set(found.loose) | set(found.lists) | {oid for info in found.packs.values()
                                                    for oid, _, _ in info.records}
    result.objects_gone = len(every - stays - {EMPTY_OID})
    result.kept = len(every - {EMPTY_OID}) - result.objects_gone
    result.freed = (sum(result.lists.values()) + sum(result.loose.values())
                    + sum(result.drop_packs.values())
                    + sum(found.packs[n].size - sum(s for _, _, s in live)
                          for n, live in result.repack.items())
                    + sum(max(found.orphan_packs[n].size, 0) for n in result.orphan_packs))
    return result


# -- deleting ----------------------------------------------------------------------------------


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
