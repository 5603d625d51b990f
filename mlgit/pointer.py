"""Pointer files (`<artifact>.mlgit`): pure bytes <-> Pointer. Spec: docs/formats.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlgit import yamlio
from mlgit.errors import BadPointer, MlgitError
from mlgit.hashing import HASH_NAME, is_oid
from mlgit.paths import check_relpath

FORMAT_VERSION = 1
KINDS = ("file", "dir")
_KNOWN = ("version", "kind", "path", "hash", "oid", "size", "files", "exec")
HEADER = "# mlgit pointer: the content lives in the mlgit cache and remotes (docs/formats.md)\n"


@dataclass
class Pointer:
    kind: str
    path: str
    oid: str
    size: int
    files: int | None = None
    exec: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_dir(self) -> bool:
        return self.kind == "dir"


def dumps(p: Pointer) -> bytes:
    data: dict[str, Any] = {"version": FORMAT_VERSION, "kind": p.kind, "path": p.path,
                            "hash": HASH_NAME, "oid": p.oid, "size": p.size}
    if p.is_dir:
        data["files"] = p.files if p.files is not None else 0
    elif p.exec:
        data["exec"] = True
    for key in sorted(p.extra):
        data[key] = p.extra[key]
    return (HEADER + yamlio.dump(data)).encode("utf-8")


def loads(raw: bytes, origin: str) -> Pointer:
    """Parse and validate a pointer file's bytes; `origin` names the file in errors."""
    try:
        data = yamlio.load(raw)
    except (yamlio.YAMLError, UnicodeDecodeError) as exc:
        raise BadPointer(f"{origin}: not a valid pointer file ({_yaml_problem(exc)})",
                         _fix_hint(origin)) from None
    if not isinstance(data, dict):
        raise BadPointer(f"{origin}: not a valid pointer file (expected a YAML mapping)",
                         _fix_hint(origin))
    version = data.get("version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise BadPointer(f"{origin}: unsupported pointer format version {version!r}"
                         f" (this mlgit reads version {FORMAT_VERSION})",
                         "upgrade mlgit, or restore the file from Git")
    kind = _field(data, "kind", str, origin)
    if kind not in KINDS:
        raise BadPointer(f"{origin}: kind must be 'file' or 'dir', got {kind!r}", _fix_hint(origin))
    if data.get("hash") != HASH_NAME:
        raise BadPointer(f"{origin}: unsupported hash {data.get('hash')!r} (expected {HASH_NAME})",
                         _fix_hint(origin))
    oid = _field(data, "oid", str, origin)
    if not is_oid(oid):
        raise BadPointer(f"{origin}: oid must be 32 lowercase hex digits, got {oid!r}",
                         _fix_hint(origin))
    size = _nonneg_int(data, "size", origin)
    files = _nonneg_int(data, "files", origin) if kind == "dir" else None
    exec_bit = data.get("exec", False)
    if not isinstance(exec_bit, bool):
        raise BadPointer(f"{origin}: exec must be true or false", _fix_hint(origin))
    try:
        path = check_relpath(data.get("path"), f"{origin}: path")
    except MlgitError as exc:
        raise BadPointer(exc.message, _fix_hint(origin)) from None
    extra = {k: v for k, v in data.items() if k not in _KNOWN}
    return Pointer(kind=kind, path=path, oid=oid, size=size, files=files, exec=exec_bit,
                   extra=extra)


def _field(data: dict[str, Any], key: str, typ: type, origin: str) -> Any:
    value = data.get(key)
    if not isinstance(value, typ) or isinstance(value, bool):
        raise BadPointer(f"{origin}: '{key}' must be a {typ.__name__}, got {value!r}",
                         _fix_hint(origin))
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
    return f"restore it with 'git checkout -- {origin}', or re-create it with 'mlgit add'"
