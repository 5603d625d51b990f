"""Entries mlgit writes into the `.gitignore` next to each tracked artifact."""

from __future__ import annotations

import os

from mlgit.errors import BadPath
from mlgit.fileio import write_atomic
from mlgit.paths import printable

_SPECIAL = set("*?[]\\!#")


def check_name(rel: str) -> None:
    """Refuse an artifact whose name no .gitignore line can match: a gitignore pattern is
    one line, so a name with a newline in it cannot be written down."""
    name = rel.rpartition("/")[2]
    if "\n" in name:
        raise BadPath(f"{printable(rel)}: the name contains a newline, which a .gitignore line"
                      " cannot express", "rename it without the newline, then add it again")


def escape(name: str) -> str:
    """A gitignore pattern that matches exactly the one file or folder `name` at this level.

    Git drops a carriage return at the end of a line, so every carriage return in a name is
    written as the one-character set `[\\r]`. `name` must not contain a newline."""
    out = []
    for ch in name:
        out.append("\\" + ch if ch in _SPECIAL else "[\r]" if ch == "\r" else ch)
    text = "".join(out)
    if text.endswith(" "):
        stripped = text.rstrip(" ")
        text = stripped + "\\ " * (len(text) - len(stripped))
    return "/" + text


def _read_lines(path: str) -> tuple[list[str], str]:
    """The file's lines (without their line ends) and the line end it uses: "\\r\\n" when its
    first line ends so, else "\\n". Bytes that are not UTF-8 are kept as they are."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
            text = f.read()
    except FileNotFoundError:
        return [], "\n"
    first = text.find("\n")
    eol = "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if eol == "\r\n":
        lines = [line.removesuffix("\r") for line in lines]
    return lines, eol


def _write_lines(path: str, lines: list[str], eol: str) -> None:
    # e.g. a full disk: the old file stays, and no temp file
    write_atomic(path, "".join(line + eol for line in lines).encode("utf-8", "surrogateescape"))


def add_entry(root: str, rel: str) -> str | None:
    """Ignore `rel` in its folder's .gitignore; returns that .gitignore's rel path if changed."""
    folder, _, name = rel.rpartition("/")
    gi = os.path.join(root, folder, ".gitignore")
    pattern = escape(name)
    lines, eol = _read_lines(gi)
    if pattern in lines:
        return None
    _write_lines(gi, [*lines, pattern], eol)
    return f"{folder}/.gitignore" if folder else ".gitignore"


def remove_entry(root: str, rel: str) -> str | None:
    folder, _, name = rel.rpartition("/")
    gi = os.path.join(root, folder, ".gitignore")
    pattern = escape(name)
    lines, eol = _read_lines(gi)
    if pattern not in lines:
        return None
    kept = [line for line in lines if line != pattern]
    if kept:
        _write_lines(gi, kept, eol)
    else:
        os.unlink(gi)
    return f"{folder}/.gitignore" if folder else ".gitignore"


def not_ignored(root: str, rels: list[str]) -> list[str]:
    """The artifacts of `rels` whose data Git does not ignore, so that `git add -A` would
    commit it (as after `git mv` of a pointer, which leaves the .gitignore line behind).
    The line mlgit writes, found in the folder's .gitignore, answers without asking Git;
    Git's `check-ignore` is asked about the rest only."""
    from mlgit.git.repository import ignored

    lines: dict[str, set[str]] = {}
    unsure = []
    for rel in rels:
        folder, _, name = rel.rpartition("/")
        if folder not in lines:
            lines[folder] = set(_read_lines(os.path.join(root, folder, ".gitignore"))[0])
        if escape(name) not in lines[folder]:
            unsure.append(rel)
    if not unsure:
        return []
    found = ignored(root, unsure)
    return [rel for rel in unsure if rel not in found]
