"""Entries mlgit writes into the `.gitignore` next to each tracked artifact."""

from __future__ import annotations

import contextlib
import os

_SPECIAL = set("*?[]\\!#")


def escape(name: str) -> str:
    """A gitignore pattern that matches exactly the one file or folder `name` at this level."""
    out = []
    for ch in name:
        out.append("\\" + ch if ch in _SPECIAL else ch)
    text = "".join(out)
    if text.endswith(" "):
        stripped = text.rstrip(" ")
        text = stripped + "\\ " * (len(text) - len(stripped))
    return "/" + text


def _read_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def _write_lines(path: str, lines: list[str]) -> None:
    tmp = path + ".mlgit-tmp"
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(line + "\n" for line in lines))
        os.replace(tmp, path)
    except BaseException:  # e.g. the disk is full: the old file stays, and no temp file
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def add_entry(root: str, rel: str) -> str | None:
    """Ignore `rel` in its folder's .gitignore; returns that .gitignore's rel path if changed."""
    folder, _, name = rel.rpartition("/")
    gi = os.path.join(root, folder, ".gitignore")
    pattern = escape(name)
    lines = _read_lines(gi)
    if pattern in lines:
        return None
    _write_lines(gi, [*lines, pattern])
    return f"{folder}/.gitignore" if folder else ".gitignore"


def remove_entry(root: str, rel: str) -> str | None:
    folder, _, name = rel.rpartition("/")
    gi = os.path.join(root, folder, ".gitignore")
    pattern = escape(name)
    lines = _read_lines(gi)
    if pattern not in lines:
        return None
    kept = [line for line in lines if line != pattern]
    if kept:
        _write_lines(gi, kept)
    else:
        os.unlink(gi)
    return f"{folder}/.gitignore" if folder else ".gitignore"
