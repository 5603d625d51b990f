"""What a checkout wants in the work tree for one artifact, {repo-relative path: Place}, read
off a folder's manifest without a Place or a full path per file: a selection of the
manifest's entries, each made into a Place only when the checkout writes it. A million-file
folder then costs its compact manifest and an array of entry numbers, not ~270 bytes a file.

A lookup by path (is this work tree file wanted, with which content?) builds an index of the
selected paths the first time it is asked: only when the work tree holds files already.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import overload

from mlgit.storage.manifests import Manifest
from mlgit.workspace.checkout_result import Place


class OneFile:
    """The file artifact at `place.rel`, with the interface of FolderFiles."""

    def __init__(self, place: Place) -> None:
        self._places = {place.rel: place}

    def __contains__(self, path: object) -> bool:
        return path in self._places

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._places))

    def oid_of(self, path: str) -> str | None:
        place = self._places.get(path)
        return None if place is None else place.oid

    def entries(self) -> Iterator[tuple[str, str, Place]]:
        """(path, oid, what `todo` takes to place it) of each wanted file."""
        for place in list(self._places.values()):
            yield place.rel, place.oid, place

    def todo(self, picked: Sequence[Place] | None = None) -> Sequence[Place]:
        """The Places of the files `entries` picked; None: all of them."""
        return list(self._places.values()) if picked is None else list(picked)

    def new_picks(self) -> list[Place]:
        return []

    def select(self, keep: Callable[[str], bool]) -> OneFile:
        self._places = {p: w for p, w in self._places.items() if keep(p)}
        return self

    def drop(self, path: str) -> None:
        del self._places[path]


class FolderFiles:
    """The files of the tracked folder at `rel` that its manifest lists (`selected`: the
    numbers of the entries wanted, in order; None: all)."""

    def __init__(self, rel: str, manifest: Manifest, selected: array[int] | None = None
                 ) -> None:
        self._prefix = rel + "/"
        self._manifest = manifest
        self._selected = selected
        self._index: dict[str, int] | None = None  # full path -> entry, when asked

    def __len__(self) -> int:
        return len(self._manifest) if self._selected is None else len(self._selected)

    def place(self, i: int) -> Place:
        m = self._manifest
        return Place(self._prefix + m.paths[i], m.oids[i], m.sizes[i], m.execs[i])

    def places(self, entries: Sequence[int]) -> list[Place]:
        """The Places of `entries` (entry numbers in order): a run of consecutive entries
        (the usual case: a checkout of a whole folder) is read off the columns in one slice
        each, not entry by entry."""
        if not entries:
            return []
        a, b = entries[0], entries[-1] + 1
        if b - a != len(entries):
            return [self.place(i) for i in entries]
        m, prefix, new = self._manifest, self._prefix, tuple.__new__
        # (tuple.__new__: a NamedTuple's own constructor is a Python call per file)
        return [new(Place, (prefix + path, oid, size, exe)) for path, oid, size, exe in
                zip(m.paths[a:b], m.oids[a:b], m.sizes[a:b], m.execs[a:b], strict=True)]

    def _numbered(self) -> Iterator[tuple[int, str]]:
        """(entry, full path) of each wanted file, in order."""
        prefix, paths = self._prefix, self._manifest.paths
        if self._selected is None:
            return enumerate(map(prefix.__add__, paths))
        return ((i, prefix + paths[i]) for i in self._selected)

    def __iter__(self) -> Iterator[str]:
        return (path for _, path in self._numbered())

    def _lookup(self) -> dict[str, int]:
        if self._index is None:
            self._index = {path: i for i, path in self._numbered()}
        return self._index

    def __contains__(self, path: object) -> bool:
        return path in self._lookup()

    def oid_of(self, path: str) -> str | None:
        i = self._lookup().get(path)
        return None if i is None else self._manifest.oids[i]

    def entries(self) -> Iterator[tuple[str, str, int]]:
        """(path, oid, what `todo` takes to place it) of each wanted file."""
        oids = self._manifest.oids
        if self._selected is None:
            for (i, path), oid in zip(self._numbered(), oids, strict=True):
                yield path, oid, i
        else:
            for i, path in self._numbered():
                yield path, oids[i], i

    def todo(self, picked: array[int] | None = None) -> Sequence[Place]:
        """The Places of the entries `entries` picked; None: all wanted."""
        if picked is None:
            picked = array("I", range(len(self._manifest))) if self._selected is None \
                else self._selected
        return ToPlace(self, picked)

    def new_picks(self) -> array[int]:
        return array("I")

    def select(self, keep: Callable[[str], bool]) -> FolderFiles:
        """Only the wanted files whose full path `keep` accepts."""
        return FolderFiles(self._prefix[:-1], self._manifest,
                           array("I", (i for i, path in self._numbered() if keep(path))))

    def drop(self, path: str) -> None:
        """No longer want the file at `path` (rare: Git tracks it)."""
        i = self._lookup().pop(path)
        self._selected = array("I", (j for j, _ in self._numbered() if j != i))


class ToPlace(Sequence[Place]):
    """Places made on demand from entry numbers of a folder's manifest."""

    def __init__(self, folder: FolderFiles, entries: array[int]) -> None:
        self._folder, self._entries = folder, entries

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, i: int) -> Place: ...

    @overload
    def __getitem__(self, i: slice) -> list[Place]: ...

    def __getitem__(self, i: int | slice) -> Place | list[Place]:
        if isinstance(i, slice):
            return self._folder.places(self._entries[i])
        return self._folder.place(self._entries[i])


Wanted = OneFile | FolderFiles
