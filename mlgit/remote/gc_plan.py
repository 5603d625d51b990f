"""Remote housekeeping, second step (mlgit gc -r): which of what a remote holds (gc_survey.py)
no kept revision needs. Spec: docs/formats.md, "Remote layout after gc".

The caller (commands/remote_gc.py) says which oids are kept; this module adds what the remote
itself says must stay: everything written less than the grace period ago (a push may be about
to name it), and the chunks of every kept chunk list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from mlgit.hashing import EMPTY_OID
from mlgit.remote.backends import Stat
from mlgit.remote.gc_survey import Survey
from mlgit.remote.store import PACK_DIR, RUNS_DIR, loose_rel
from mlgit.storage import chunks

GRACE_HOURS = 24.0
"""Default: files written less than this long ago are kept, whatever references them."""
REPACK_GARBAGE = 0.5
"""A pack is rewritten when at least this share of its bytes is garbage; below, its garbage
stays (a pack wholly garbage is deleted)."""
TEMP_AGE = 3600
"""Temp files of uploads started longer ago than this are leftovers (as gc --tmp)."""


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
    gone: dict[str, int] = field(default_factory=dict)  # oid -> bytes, of those objects

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
    result.gone = _sizes(found, every - stays - {EMPTY_OID})
    result.objects_gone = len(result.gone)
    result.kept = len(every - {EMPTY_OID}) - result.objects_gone
    result.freed = (sum(result.lists.values()) + sum(result.loose.values())
                    + sum(result.drop_packs.values())
                    + sum(found.packs[n].size - sum(s for _, _, s in live)
                          for n, live in result.repack.items())
                    + sum(max(found.orphan_packs[n].size, 0) for n in result.orphan_packs))
    return result


def _sizes(found: Survey, oids: set[str]) -> dict[str, int]:
    """The size of one copy of each of `oids` (a loose file's or chunk list's, else a pack
    entry's)."""
    sizes = {oid: size for info in found.packs.values() for oid, _, size in info.records
             if oid in oids}
    for listing in (found.loose, found.lists):
        sizes.update((oid, max(st.size, 0)) for oid, st in listing.items() if oid in oids)
    return sizes
