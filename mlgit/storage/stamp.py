"""A fingerprint of the object store that changes whenever an object is added or removed.

Kept apart from objects.py, with nothing but `os` imported, so that a status answered from
the unchanged memo (workspace/unchanged.py) does not load the store's machinery."""

from __future__ import annotations

import contextlib
import marshal
import os
import time

PACK_DIR = "packs"
RECENT_NS = 50_000_000
"""A folder or index changed less than this long ago may change again within the same
timestamp tick: no stamp is given then."""


def cache_stamp(root: str) -> bytes | None:
    """A fingerprint of the store's folders and pack indexes: it changes whenever an object
    is added or removed (the folder's mtime moves) and whenever a pack index is written, even
    in place under the same name. None if something changed too recently to tell."""
    try:
        with os.scandir(root) as it:
            stamps = sorted((e.name, e.stat().st_mtime_ns, 0) for e in it
                            if len(e.name) == 2 or e.name == PACK_DIR)
    except FileNotFoundError:
        return None
    with contextlib.suppress(FileNotFoundError), os.scandir(os.path.join(root, PACK_DIR)) as it:
        stamps += sorted((e.name, st.st_mtime_ns, st.st_size) for e in it
                         if e.name.endswith(".idx") and (st := e.stat()))
    newest = max((m for _, m, _ in stamps), default=0)
    if newest >= time.time_ns() - RECENT_NS:
        return None
    return marshal.dumps(stamps)
