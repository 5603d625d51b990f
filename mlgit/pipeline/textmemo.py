"""Parsed files memoised in .mlgit/tmp/yaml/, by the hash of the bytes parsed: reading a
memo back (marshal) is ~10x faster than parsing, and commands that find their files
unchanged (a no-op status or repro) then never import the parser (PyYAML alone costs
~20 ms of start-up). A memo is only a cache: any problem with it means parsing."""

from __future__ import annotations

import contextlib
import marshal
import os
from collections.abc import Callable
from typing import Any

from mlgit.fileio import write_atomic
from mlgit.hashing import hash_bytes

MEMOS_KEPT = 64


def memo_dir(root: str) -> str | None:
    """The memo folder of the repository at `root`; None where there is no .mlgit/tmp."""
    tmp = os.path.join(root, ".mlgit", "tmp")
    return os.path.join(tmp, "yaml") if os.path.isdir(tmp) else None


def memoised(key: bytes, folder: str | None, parse: Callable[[], Any]) -> Any:
    """What `parse()` gives for the content `key` (the bytes parsed, with anything else the
    result depends on), from the memo in `folder` when there is one; a result marshal cannot
    hold is not kept."""
    if folder is None:
        return parse()
    path = os.path.join(folder, hash_bytes(key))
    with contextlib.suppress(OSError, ValueError, EOFError, TypeError), open(path, "rb") as f:
        return marshal.loads(f.read())
    data = parse()
    with contextlib.suppress(OSError, ValueError):
        encoded = marshal.dumps(data)
        os.makedirs(folder, exist_ok=True)
        _prune(folder)
        write_atomic(path, encoded)
    return data


def _prune(folder: str) -> None:
    """Keep the memo folder small: past MEMOS_KEPT files, start again."""
    names = os.listdir(folder)
    if len(names) >= MEMOS_KEPT:
        for name in names:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))
