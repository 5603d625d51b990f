"""Push: objects that lie back to back in a local pack (the chunks of a file `mlgit add` just
cut, the small files of one add) go to the remote as those very bytes, as one remote pack
per run: one kernel copy for a local folder, one read for an object store, instead of
reading each object on its own and building a new pack of it in memory.

The remote pack is an ordinary pack (docs/formats.md): the run's bytes, and an index that
lists each object at its offset within them, so every reader, old versions included, reads
it like any other. The bytes published are checked first, every object against its oid
(remote/backends.py: a local folder checks its copy, an object store what it uploads); a run
that fails the check is sent the ordinary way, which finds the corrupt object in the cache,
sets it aside and reports it (transfer.UploadRun).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from mlgit import hashing
from mlgit.remote.backends import RangeCheck
from mlgit.remote.chunked import W, Want
from mlgit.storage.objects import CorruptObject, LocalODB


class Run(NamedTuple):
    """Bytes of a local pack holding only wanted objects, back to back."""

    pack: str  # the local pack's path
    offset: int
    length: int
    wants: list[Want]
    entries: list[tuple[str, int, int]]  # (oid, offset within the run, size), in order

    def index_entries(self) -> dict[str, tuple[int, int]]:
        return {oid: (offset, size) for oid, offset, size in self.entries}


def find_runs(odb: LocalODB, wants: Sequence[W], min_bytes: int, max_bytes: int
              ) -> tuple[list[Run], list[W]]:
    """(the runs of at least `min_bytes` and at most `max_bytes` (unless one object is
    bigger) that the packed objects among `wants` make, biggest first; the other wants)."""
    located: list[tuple[tuple[str, int, int], W]] = []
    rest: list[W] = []
    for w in wants:
        where = odb.packed.get(w.oid)
        if where is None or where[2] <= 0:
            rest.append(w)
        else:
            located.append((where, w))
    located.sort(key=lambda item: (item[0][0], item[0][1]))
    runs: list[Run] = []
    current: list[tuple[tuple[str, int, int], W]] = []

    def close() -> None:
        if not current:
            return
        (pack, start, _), (_, last, size) = current[0][0], current[-1][0]
        if last + size - start < min_bytes:
            rest.extend(w for _, w in current)
            return
        runs.append(Run(pack, start, last + size - start, [w for _, w in current],
                        [(w.oid, off - start, n) for (_, off, n), w in current]))

    for where, w in located:
        if current:
            (pack, start, _), (_, last, size) = current[0][0], current[-1][0]
            if where[0] == pack and where[1] == last + size \
                    and where[1] + where[2] - start <= max_bytes:
                current.append((where, w))
                continue
            close()
            current = []
        current.append((where, w))
    close()
    runs.sort(key=lambda run: -run.length)  # the longest first: they finish together
    return runs, rest


def check_entries(entries: list[tuple[str, int, int]]) -> RangeCheck:
    """A check of a run's bytes: each entry must hash to its oid, and the bytes must end
    where the last entry does (CorruptObject naming the first entry that does not)."""

    def check(pieces: Iterable[memoryview]) -> None:
        todo = iter(entries)
        oid, _, left = next(todo)
        hasher = hashing.new_hasher()
        for piece in pieces:
            view = piece
            while view:
                if not oid:
                    raise CorruptObject(entries[-1][0], "bytes past its end")
                take = min(left, len(view))
                hasher.update(view[:take])
                view = view[take:]
                left -= take
                if left == 0:
                    if (actual := hasher.hexdigest()) != oid:
                        raise CorruptObject(oid, actual)
                    hasher.reset()
                    oid, _, left = next(todo, ("", 0, 0))
        if oid:
            raise CorruptObject(oid, "a truncated copy")

    return check
