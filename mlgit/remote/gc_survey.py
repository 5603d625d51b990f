"""Remote housekeeping, first step (mlgit gc -r): what a remote holds, from one
listing per folder with when each file was written, plus every pack index; and reading single
objects of it (manifests, chunk lists, run records). Spec: docs/formats.md, "Remote layout
after gc". gc_plan.py decides what goes, gc_delete.py deletes it."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from mlgit.hashing import hash_bytes
from mlgit.remote.backends import Stat, temp_name, temp_written_at
from mlgit.remote.store import PACK_DIR, RUNS_DIR, RemoteStore, loose_rel
from mlgit.storage import chunks, packs

Mapper = Callable[[Callable[[str], object], list[str]], list[object]]

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
