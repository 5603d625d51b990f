"""Pointer files (`<artifact>.mlgit`): pure bytes <-> Pointer. Spec: docs/formats.md."""

from __future__ import annotations

import codecs

from mlgit import yamlio
from mlgit.errors import BadPointer, MlgitError
from mlgit.hashing import HASH_NAME, is_oid
from mlgit.paths import check_relpath, shell_command

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FORMAT_VERSION = 1
KINDS = ("file", "dir")
_KNOWN = ("version", "kind", "path", "hash", "oid", "size", "files", "exec")
HEADER = ("# mlgit pointer: names the content of the data beside it;"
          " get the data with 'mlgit checkout'\n")
_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
         (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
         (codecs.BOM_UTF8, "UTF-8 with a byte-order mark"))
_TYPE_NAMES = {int: "an integer", str: "a string"}


class Pointer:
    """A parsed pointer file. (A plain class: `dataclasses` costs ~10 ms of start-up.)"""

    __slots__ = ("exec", "extra", "files", "kind", "oid", "path", "size")

    def __init__(self, kind: str, path: str, oid: str, size: int, files: int | None = None,
                 exec: bool = False, extra: dict[str, Any] | None = None) -> None:
        self.kind, self.path, self.oid, self.size = kind, path, oid, size
        self.files, self.exec = files, exec
        self.extra: dict[str, Any] = extra if extra is not None else {}

    def _fields(self) -> tuple[Any, ...]:
        return (self.kind, self.path, self.oid, self.size, self.files, self.exec, self.extra)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pointer) and self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaced

    def __repr__(self) -> str:
        return (f"Pointer(kind={self.kind!r}, path={self.path!r}, oid={self.oid!r}, "
                f"size={self.size!r}, files={self.files!r}, exec={self.exec!r}, "
                f"extra={self.extra!r})")

    @property
    def is_dir(self) -> bool:
        return self.kind == "dir"


def dumps(p: Pointer) -> bytes:
    """The canonical encoding: YAML whose known keys are written in a fixed order and style
    (strings double-quoted JSON-style), so `loads` can read it without a YAML parser."""
    import json

    lines = [HEADER.rstrip("\n"), f"version: {FORMAT_VERSION}", f"kind: {p.kind}",
             f"path: {json.dumps(p.path, ensure_ascii=False)}", f"hash: {HASH_NAME}",
             f'oid: "{p.oid}"', f"size: {p.size}"]
    if p.is_dir:
        lines.append(f"files: {p.files if p.files is not None else 0}")
    elif p.exec:
        lines.append("exec: true")
    text = "\n".join(lines) + "\n"
    if p.extra:
        text += yamlio.dump({key: p.extra[key] for key in sorted(p.extra)})
    return text.encode("utf-8")


def loads(raw: bytes, origin: str) -> Pointer:
    """Parse and validate a pointer file's bytes. `origin` is the pointer file's path: it
    names the file in errors, and its name decides which artifact the pointer must describe."""
    _check_encoding(raw, origin)
    data = _parse_canonical(raw)
    if not data and _is_blank(raw):
        raise BadPointer(f"{origin}: the pointer file is empty", _fix_hint(origin))
    if data is None:
        _check_merge_conflict(raw, origin)
        _check_named_like_a_pointer(raw, origin)
    if data is None:
        data = _parse_yaml(raw, origin)
    return _validate(data, origin)


def _is_blank(raw: bytes) -> bool:
    """Nothing but blank lines and comments: an emptied or truncated pointer file."""
    return all(not line.strip() or line.lstrip().startswith(b"#") for line in raw.splitlines())


def has_conflict_markers(raw: bytes) -> bool:
    """Whether a file holds the lines Git writes around the sides it could not merge."""
    if b"<<<<<<<" not in raw and b"=======" not in raw and b">>>>>>>" not in raw:
        return False  # the usual answer, without importing re
    import re

    return re.search(rb"^(<{7}|={7}|>{7})(?: |\r?$)", raw, re.MULTILINE) is not None


def _check_merge_conflict(raw: bytes, origin: str) -> None:
    """A pointer that Git could not merge holds both sides between conflict markers."""
    if has_conflict_markers(raw):
        raise BadPointer(f"merge conflict in {origin}",
                         f"pick a side with {shell_command('git checkout --ours --', origin)}"
                         f" or {shell_command('git checkout --theirs --', origin)}, then run"
                         " 'mlgit checkout' (in a rebase, --ours is the branch rebased onto and"
                         " --theirs your own commit)")


_LITERALS = {"kind": ("file", "dir"), "hash": (HASH_NAME,)}


def _parse_canonical(raw: bytes) -> dict[str, Any] | None:
    """Read exactly what `dumps` writes for the known keys; None for anything else (then the
    YAML parser decides). Skips importing and running PyYAML on every status."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    data: dict[str, Any] = {}
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(": ")
        if not sep or key not in _KNOWN or key in data:
            return None
        parsed = _canonical_value(key, value)
        if parsed is None:
            return None
        data[key] = parsed
    return data


def _canonical_value(key: str, value: str) -> Any:
    if key in _LITERALS:
        return value if value in _LITERALS[key] else None
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:
        inner = value[1:-1]
        if '"' not in inner and "\\" not in inner and inner.isprintable():
            return inner  # what json.loads gives for a string without escapes
        import json

        try:
            return json.loads(value)
        except ValueError:
            return None
    if value.isdecimal() and value.isascii() and (value == "0" or value[0] != "0"):
        return int(value)
    return {"true": True, "false": False}.get(value)


# A line that sets one of the keys every pointer has.
_POINTER_KEY_PATTERN = rb"^[ \t-]*(?:version|kind|hash|oid|size|path)[ \t]*:"
NOT_A_POINTER = "named like an mlgit pointer but is not one"


def _check_named_like_a_pointer(raw: bytes, origin: str) -> None:
    """A data file whose name happens to end in .mlgit (not a pointer damaged by an edit,
    which keeps some of the keys; nor an emptied one)."""
    import re

    if raw.strip() and re.search(_POINTER_KEY_PATTERN, raw, re.MULTILINE) is None:
        raise BadPointer(f"{origin}: {NOT_A_POINTER}",
                         "rename it: mlgit reads every file whose name ends in .mlgit as a"
                         " pointer (a folder tracked by mlgit cannot hold a file whose name"
                         " ends in .mlgit)")


def _check_encoding(raw: bytes, origin: str) -> None:
    """Pointer files are UTF-8 without a byte-order mark. Editors on Windows may save them as
    UTF-16 or with a BOM; say so, rather than report a YAML error on an invisible character."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raise BadPointer(f"{origin}: not a valid pointer file (not UTF-8 text: it is"
                             f" saved as {name})", "save it as UTF-8 without a byte-order mark,"
                             f" or restore it with {shell_command('git checkout --', origin)}")


def _parse_yaml(raw: bytes, origin: str) -> Any:
    try:
        # Decoded here so that PyYAML never guesses another encoding.
        return yamlio.load(raw.decode("utf-8"))
    except (yamlio.YAMLError, UnicodeDecodeError) as exc:
        raise BadPointer(f"{origin}: not a valid pointer file ({_yaml_problem(exc)})",
                         _fix_hint(origin)) from None


def _validate(data: Any, origin: str) -> Pointer:
    if not isinstance(data, dict):
        raise BadPointer(f"{origin}: not a valid pointer file (expected a YAML mapping)",
                         _fix_hint(origin))
    _require(data, "version", origin)
    version = data.get("version")
    if type(version) is not int:  # not 1.0, "1" or true: only the integer
        raise BadPointer(f"{origin}: 'version' must be the integer {FORMAT_VERSION},"
                         f" got {version!r}", _fix_hint(origin))
    if version != FORMAT_VERSION:
        raise BadPointer(f"{origin}: unsupported pointer format version {version!r}"
                         f" (this mlgit reads version {FORMAT_VERSION})",
                         "upgrade mlgit, or restore the file from Git")
    kind = _field(data, "kind", str, origin)
    if kind not in KINDS:
        raise BadPointer(f"{origin}: kind must be 'file' or 'dir', got {kind!r}", _fix_hint(origin))
    _require(data, "hash", origin)
    if data.get("hash") != HASH_NAME:
        raise BadPointer(f"{origin}: unsupported hash {data.get('hash')!r} (expected {HASH_NAME})",
                         _fix_hint(origin))
    oid = _field(data, "oid", str, origin)
    if not is_oid(oid):
        raise BadPointer(f"{origin}: oid must be 32 lowercase hex digits, got {oid!r}",
                         _fix_hint(origin))
    size = _nonneg_int(data, "size", origin)
    files = _nonneg_int(data, "files", origin) if kind == "dir" else None
    for key in ("exec",) if kind == "dir" else ("files",):
        if key in data:
            raise BadPointer(f"{origin}: '{key}' is not allowed in a {kind} pointer",
                             _fix_hint(origin))
    exec_bit = data.get("exec", False)
    if not isinstance(exec_bit, bool):
        raise BadPointer(f"{origin}: exec must be true or false", _fix_hint(origin))
    _require(data, "path", origin)
    try:
        path = check_relpath(data.get("path"), f"{origin}: path")
    except MlgitError as exc:
        raise BadPointer(exc.message, _fix_hint(origin)) from None
    _check_own_artifact(path, origin)
    extra = {k: v for k, v in data.items() if k not in _KNOWN}
    return Pointer(kind=kind, path=path, oid=oid, size=size, files=files, exec=exec_bit,
                   extra=extra)


def _check_own_artifact(path: str, origin: str) -> None:
    """The artifact of `DIR/NAME.mlgit` is always `DIR/NAME`; `path` must say so. Were it
    followed, a renamed or copied pointer would silently describe some other file."""
    name = origin.rpartition("/")[2].removesuffix(".mlgit")
    if path != name:
        import json

        raise BadPointer(f"{origin}: path is {json.dumps(path, ensure_ascii=False)}, but this"
                         f" pointer can only describe {json.dumps(name, ensure_ascii=False)}"
                         " (the name of the pointer file without .mlgit)",
                         f"if the pointer was renamed, set its path to"
                         f" {json.dumps(name, ensure_ascii=False)}; else re-create it with"
                         f" {shell_command('mlgit add', origin.removesuffix('.mlgit'))}")


def _require(data: dict[str, Any], key: str, origin: str) -> None:
    if key not in data:
        raise BadPointer(f"{origin}: '{key}' is missing", _fix_hint(origin))


def _field(data: dict[str, Any], key: str, typ: type, origin: str) -> Any:
    _require(data, key, origin)
    value = data.get(key)
    if not isinstance(value, typ) or isinstance(value, bool):
        what = _TYPE_NAMES.get(typ, typ.__name__)
        raise BadPointer(f"{origin}: '{key}' must be {what}, got {value!r}", _fix_hint(origin))
    return value


def _nonneg_int(data: dict[str, Any], key: str, origin: str) -> int:
    value: int = _field(data, key, int, origin)
    if value < 0:
        raise BadPointer(f"{origin}: '{key}' must not be negative", _fix_hint(origin))
    return value


def _yaml_problem(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return yamlio.describe_error(exc)


def _fix_hint(origin: str) -> str:
    return (f"restore it with {shell_command('git checkout --', origin)}, or re-create it with"
            " 'mlgit add'")
