"""A directory manifest made from another one by replacing what it holds under a few of its
folders: an add of a large folder after a few changes keeps every other entry as recorded
(workspace/folder_update.py), column by column, with no object per entry."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from typing import Any

from mlgit.storage.manifests import Manifest


def spliced(old: Manifest, folders: Sequence[str],
            found: Mapping[str, Mapping[str, tuple[str, int, bool]]]) -> Manifest:
    """`old` (held sorted by path, as manifests.loads holds it) with its entries under each
    of `folders` (paths inside the manifest's folder, none under another) replaced by the
    entries of `found[folder]` ({path inside that folder: (oid, size, exec)}; none for a
    folder that is gone). The result's columns are lists, sorted by path."""
    paths = old.paths
    ranges = []
    for folder in folders:
        # every path under "folder/" sorts from "folder/" to just before "folder0"
        low = bisect.bisect_left(paths, f"{folder}/")
        ranges.append((low, bisect.bisect_left(paths, f"{folder}0", low), folder))
    ranges.sort()
    columns: tuple[list[Any], list[Any], list[Any], list[Any]] = ([], [], [], [])
    olds = (old.paths, old.oids, old.sizes, old.execs)
    done = 0
    for low, high, folder in ranges:
        for column, source in zip(columns, olds, strict=True):
            column += source[done:low]
        files = found.get(folder, {})
        keys = sorted(files)
        states = [files[key] for key in keys]
        columns[0].extend(f"{folder}/{key}" for key in keys)
        for i in range(3):
            columns[i + 1].extend(state[i] for state in states)
        done = high
    for column, source in zip(columns, olds, strict=True):
        column += source[done:]
    return Manifest(*columns)
