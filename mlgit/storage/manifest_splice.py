"""A directory manifest made from another one by replacing what it holds under a few of its
folders: an add of a large folder after a few changes keeps every other entry as recorded
(workspace/folder_update.py). The kept entries are copied a column slice at a time, as the
compact columns hold them (manifest_columns.py), and the canonical JSON (manifests.dumps) is
written from those columns by string operations over whole columns: no Python object, and
no JSON encoding, per entry. A million entries cost well under a second this way."""

from __future__ import annotations

import bisect
import json
import re
from array import array
from collections.abc import Mapping, Sequence

from mlgit.storage.manifest_columns import Oids, Paths, Sizes
from mlgit.storage.manifests import MANIFEST_VERSION, Manifest

FileState = tuple[str, int, bool]


def _ranges(paths: Sequence[str], folders: Sequence[str]) -> list[tuple[int, int, str]]:
    """Where each folder's entries are in the sorted `paths`, in order."""
    ranges = []
    for folder in folders:
        # every path under "folder/" sorts from "folder/" to just before "folder0"
        low = bisect.bisect_left(paths, f"{folder}/")
        ranges.append((low, bisect.bisect_left(paths, f"{folder}0", low), folder))
    # empty ones at the same place go in the order of their paths ("a b/" before "a/")
    return sorted(ranges, key=lambda r: (r[0], f"{r[2]}/"))


def oids_under(manifest: Manifest, folders: Sequence[str]) -> dict[str, str]:
    """The oid of each entry of `manifest` (held sorted) under the folders `folders`."""
    found: dict[str, str] = {}
    for low, high, _ in _ranges(manifest.paths, folders):
        found.update(zip(manifest.paths[low:high], manifest.oids[low:high], strict=True))
    return found


def spliced(old: Manifest, folders: Sequence[str],
            found: Mapping[str, Mapping[str, FileState]]) -> Manifest:
    """`old` (held sorted by path, as manifests.loads holds it) with its entries under each
    of `folders` (paths inside the manifest's folder, none under another) replaced by the
    entries of `found[folder]` ({path inside that folder: (oid, size, exec)}; none for a
    folder that is gone). The result holds compact columns, sorted by path."""
    text, starts_raw = Paths.of(old.paths).memo()
    text += "\0"  # each path followed by its separator, the last one too
    starts = array("Q")
    starts.frombytes(starts_raw)
    raw, sizes = Oids.of(old.oids).raw, old.sizes
    execs = old.execs
    out_text: list[str] = []
    out_starts = array("Q")
    out_oids: list[bytes] = []
    out_sizes = Sizes()
    out_execs: list[bool] = []
    length = 0  # of the text so far

    def keep(low: int, high: int) -> None:
        nonlocal length
        if low >= high:
            return
        shift = length - starts[low]
        out_starts.extend(map(shift.__add__, starts[low:high]))
        out_text.append(text[starts[low]:starts[high]])
        length += starts[high] - starts[low]
        out_oids.append(raw[low * 16:high * 16])
        out_sizes.extend(sizes[low:high])
        out_execs.extend(execs[low:high])

    done = 0
    for low, high, folder in _ranges(old.paths, folders):
        keep(done, low)
        files = found.get(folder, {})
        for key in sorted(files):
            path = f"{folder}/{key}\0"
            oid, size, executable = files[key]
            out_starts.append(length)
            out_text.append(path)
            length += len(path)
            out_oids.append(bytes.fromhex(oid))
            out_sizes.append(size)
            out_execs.append(executable)
        done = high
    keep(done, len(starts) - 1)
    out_starts.append(length)
    return Manifest(Paths("".join(out_text)[:-1], out_starts), Oids(b"".join(out_oids)),
                    out_sizes, out_execs)


_ESCAPED = re.compile(r'[\x01-\x1f"\\]')
"""What JSON writes escaped in a string (NUL too, which no path holds: the columns'
separator)."""


def dumps(manifest: Manifest) -> bytes:
    """manifests.dumps(manifest) for compact columns sorted by path (as spliced returns
    them): the same bytes, made column by column."""
    text, _ = Paths.of(manifest.paths).memo()
    count = len(manifest)
    if not count or _ESCAPED.search(text):
        from mlgit.storage.manifests import dumps as plain

        return plain(manifest)
    oids = Oids.of(manifest.oids).raw.hex(",", 16)
    return "".join([
        f'{{"version":{MANIFEST_VERSION},"paths":["', text.replace("\0", '","'),
        '"],"oids":["', oids.replace(",", '","'),
        '"],"sizes":[', ",".join(map(str, manifest.sizes)),
        '],"exec":', json.dumps(list(manifest.execs), separators=(",", ":")), "}",
    ]).encode("utf-8")
