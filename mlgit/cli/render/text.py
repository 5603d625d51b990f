"""What the renderers share: counts, names shown without their pointer prefix, and paths as
shell words a user can paste."""

from __future__ import annotations

import os

from mlgit.fileio import human_size
from mlgit.paths import printable, shell_word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_LISTED = 20
UNREADABLE_POINTER_HINT = "'mlgit status' says why each pointer cannot be read and what to do"


def as_dict(obj: Any) -> dict[str, Any]:
    from dataclasses import asdict  # imported here: status output never needs it

    return asdict(obj)


def counted(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def without_prefix(message: str, pointer_rel: str) -> str:
    """An error about a pointer, for a line that already starts with the pointer's name."""
    return message.removeprefix(f"{pointer_rel}: ")


def about(pointer_rel: str, message: str) -> str:
    """An error about a pointer, naming the pointer (once)."""
    return message if pointer_rel in message else f"{pointer_rel}: {message}"


def git_add_line(paths: list[str], root: str) -> str:
    return "git add " + shell_paths(paths, root)


def shell_paths(paths: list[str], root: str) -> str:
    """Repo-relative `paths` as shell words that work when pasted in the current folder:
    relative to it, quoted, and after `--` when one of them starts with `-`."""
    here = os.getcwd()
    shown = [os.path.relpath(os.path.join(root, p), here) for p in paths]
    words = [shell_word(p) for p in shown]
    if any(p.startswith("-") for p in shown):
        words.insert(0, "--")
    return " ".join(words)


def set_aside_line(files: int, nbytes: int, folder: str) -> str:
    return (f"{counted(files, 'damaged file')} set aside in {folder}/ ({human_size(nbytes)}),"
            " never deleted by mlgit: delete that folder when you no longer need them")


_MARKDOWN_CELL = str.maketrans({"\\": "\\\\", "|": "\\|", "&": "&amp;", "<": "&lt;",
                                "[": "\\[", "]": "\\]"})


def md_cell(text: str) -> str:
    """`text` as a Markdown table cell that shows as written: file names come from pull
    requests, and a name must not become HTML, a link or an image in a report."""
    return printable(text).translate(_MARKDOWN_CELL)


def md_code(text: str) -> str:
    """`text` (a path, a key, a value someone chose) as a code span in a Markdown table
    cell: shown as written, never HTML, a link, an autolinked URL, an @mention, an issue
    reference or emphasis. Only `|` is escaped, as GitHub's tables require inside spans."""
    text = printable(text)
    if not text.strip() or "\\|" in text:
        return md_cell(text)  # no span holds these: escaped text instead
    fence = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" or (text[0] == " " and text[-1] == " ") \
        else ""
    body = text.replace("|", "\\|")
    return f"{fence}{pad}{body}{pad}{fence}"


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return longest
