"""Path safety: every path from a user, a pointer, a manifest or a remote passes through here.

Paths inside mlgit are POSIX-style strings relative to the repository root ("rel paths").
"""

from __future__ import annotations

import os
import unicodedata

from mlgit.errors import BadPath

RESERVED = frozenset({".git", ".mlgit"})
POINTER_SUFFIX = ".mlgit"



def _plainly_clean(path: str) -> bool:
    """No empty component, none that starts with a dot, no NUL: nothing to normalise or
    refuse. (Paths that fail this may still be fine; check_relpath looks closer.)"""
    return not (path[0] in "./" or path[-1] == "/" or "//" in path or "/." in path
                or "\0" in path)


def check_relpath(path: object, what: str) -> str:
    """Validate an untrusted relative path read from a file; return it normalised.

    Refuses non-strings, empty paths, absolute paths, `..`, NUL bytes and `.git`/`.mlgit`
    components, so nothing read from a file can make mlgit touch a path outside its artifact.
    """
    if isinstance(path, str) and path and _plainly_clean(path):
        return path  # the common case: already a clean relative path
    if not isinstance(path, str) or not path:
        raise BadPath(f"{what}: path must be a non-empty string, got {path!r}")
    if "\0" in path:
        raise BadPath(f"{what}: path contains a NUL byte")
    if path.startswith("/"):
        raise BadPath(f"{what}: absolute path {path!r} is not allowed",
                      "paths in mlgit files are relative to the file's folder")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts:
        raise BadPath(f"{what}: path {path!r} names no file")
    for part in parts:
        if part == "..":
            raise BadPath(f"{what}: path {path!r} escapes its folder with '..'",
                          "paths in mlgit files may not contain '..'")
        if part in RESERVED:
            raise BadPath(f"{what}: path {path!r} enters {part}/, which mlgit never touches")
    return "/".join(parts)


def to_rel(root: str, abs_path: str) -> str:
    rel = os.path.relpath(abs_path, root)
    return rel.replace(os.sep, "/")


def resolve_user_path(root: str, arg: str, cwd: str | None = None) -> str:
    """Turn a path typed by the user into a rel path inside the repo, or raise BadPath."""
    if not arg:
        raise BadPath("'': empty path", "name a file or folder inside the repository (an empty"
                      " argument often comes from an unset shell variable)")
    base = cwd if cwd is not None else os.getcwd()
    absolute = os.path.normpath(os.path.join(base, arg))
    if arg.endswith(("/", os.sep)) and os.path.lexists(absolute) and not os.path.isdir(absolute):
        raise BadPath(f"{arg}: not a folder, but the path ends in '/'",
                      "leave out the trailing '/' to name the file")
    # Resolve symlinks in the parent folders so a link cannot smuggle a path outside the repo.
    parent = os.path.realpath(os.path.dirname(absolute))
    real_root = os.path.realpath(root)
    candidate = os.path.join(parent, os.path.basename(absolute))
    if candidate != real_root and not candidate.startswith(real_root.rstrip(os.sep) + os.sep):
        raise BadPath(f"{arg}: path is outside the repository {root}",
                      "mlgit only tracks files inside the Git work tree")
    rel = to_rel(real_root, candidate)
    if rel == ".":
        raise BadPath(f"{arg}: the repository root itself cannot be tracked",
                      "add the files or folders inside it")
    parts = rel.split("/")
    for i, part in enumerate(parts):
        if part in RESERVED:
            if i < len(parts) - 1:
                where = "is inside " + "/".join(parts[: i + 1]) + "/"
            else:
                where = f"is {'the' if i == 0 else 'a'} {part} folder"
            raise BadPath(f"{arg}: path {where}, which mlgit never tracks",
                          "name data in your work tree instead")
    return rel


def pointer_path_for(rel: str) -> str:
    return rel + POINTER_SUFFIX


def artifact_path_for(pointer_rel: str) -> str:
    return pointer_rel[: -len(POINTER_SUFFIX)]


def at_or_under(path: str, top: str) -> bool:
    """Whether repo-relative `path` is `top` or lies inside the folder `top`."""
    return path == top or path.startswith(top + "/")


def is_pointer_name(name: str) -> bool:
    return name.endswith(POINTER_SUFFIX) and len(name) > len(POINTER_SUFFIX)


def escape_undecodable(text: str) -> str:
    """`text` with the bytes of a name that is not UTF-8 (kept by Python as surrogates)
    written as backslash escapes such as \\xff."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # surrogates that no file name produces
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


# Characters a terminal does not show as themselves: control characters (newline, tab,
# escape...), invisible format characters (bidi overrides...) and line/paragraph separators.
# The joiners inside emoji sequences are shown as they are.
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_SHOWN = frozenset({"\u200c", "\u200d"})


def printable(path: str) -> str:
    """`path` for a message: control characters and bytes that are not UTF-8 shown as
    backslash escapes (\\n, \\x1b, \\xff), so the path stays on one line and cannot
    drive the terminal."""
    text = escape_undecodable(path)
    if text.isprintable():
        return text
    return "".join(ch.encode("unicode_escape").decode("ascii") if _hidden(ch) else ch
                   for ch in text)


_SHELL_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                        "@%+=:,./-_")


def shell_word(word: str) -> str:
    """`word` as one POSIX shell word a user can paste (shlex.quote's rules): bare when
    safe, else in single quotes; a word holding a single quote in double quotes (escaped
    as the shell reads them) rather than shlex's '"'"' splices; a name with control
    characters or bytes that are not UTF-8 in bash's $'...' form, so it stays on one line."""
    if printable(word) != word:
        return "$'" + printable(word.replace("\\", "\\\\").replace("'", "\\'")) + "'"
    if word and all(ch in _SHELL_SAFE for ch in word):
        return word
    if "'" not in word:
        return f"'{word}'"
    return '"' + "".join("\\" + ch if ch in '"\\$`' else ch for ch in word) + '"'


def shell_args(*paths: str) -> str:
    """`paths` as shell words to paste after a command, behind `--` when one starts with
    `-` (a file named `-x.bin` is not an option)."""
    words = [shell_word(p) for p in paths]
    return " ".join(["--", *words] if any(p.startswith("-") for p in paths) else words)


def shell_command(text: str, *paths: str, tail: str = "") -> str:
    """The command `text` followed by `paths` (shell words) and `tail` (more of the
    command, such as a placeholder option: `-o OUT`), quoted for a message: in
    single quotes, or, when quoting a path put a single quote in it, in double quotes (in
    backquotes when it holds both), never quotes nested inside the same quotes."""
    words = shell_args(*paths)
    if text.endswith(" --"):  # the command ends its options itself
        words = words.removeprefix("-- ")
    line = f"{text} {words}" if paths else text
    line = f"{line} {tail}" if tail else line
    for mark, end in (("'", "'"), ('"', '"')):
        if mark not in line:
            return f"{mark}{line}{end}"
    return f"`{line}`"


def _hidden(ch: str) -> bool:
    return ch not in _SHOWN and unicodedata.category(ch) in _HIDDEN


def check_utf8(paths: list[str], inside: str = "") -> None:
    """Refuse paths that are not valid UTF-8 (bytes Python keeps as surrogate escapes):
    pointer files, manifests and the state DB record names as UTF-8 text. With `inside`,
    the paths are relative to that artifact."""
    try:
        "\0".join(paths).encode("utf-8")
    except UnicodeEncodeError:
        bad = next(p for p in paths if not is_utf8(p))
        where = f", or move it out of {printable(inside)}" if inside else ""
        shown = f"{inside}/{bad}" if inside else bad
        raise BadPath(f"{printable(shown)}: the name is not valid UTF-8, and mlgit records"
                      " names as UTF-8 text", f"rename it to a UTF-8 name{where}") from None


def is_utf8(path: str) -> bool:
    """Whether `path` holds only text (no undecodable bytes kept as surrogates)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
