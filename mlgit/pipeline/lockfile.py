"""mlgit.lock: what each stage's last successful run used and made (docs/pipelines.md).

Read as untrusted input (every path checked to stay in the repository, every type checked),
written in one canonical form, one stage entry at a time."""

from __future__ import annotations

import os
import posixpath
import re
from typing import Any

from mlgit import yamlio
from mlgit.errors import BadPath
from mlgit.fileio import write_atomic
from mlgit.hashing import OID_LEN
from mlgit.paths import check_relpath
from mlgit.pipeline import textmemo
from mlgit.pipeline.errors import PipelineError

SCHEMA = 1
_OID = re.compile(f"[0-9a-f]{{{OID_LEN}}}")
_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})( |$)", re.MULTILINE)


class Hashed:
    """A dependency's or output's content: its oid, size and, for a folder, file count."""

    __slots__ = ("nfiles", "oid", "size")

    def __init__(self, oid: str, size: int, nfiles: int | None = None) -> None:
        self.oid, self.size, self.nfiles = oid, size, nfiles

    def _key(self) -> tuple[str, int, int | None]:
        return (self.oid, self.size, self.nfiles)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hashed) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Hashed(oid={self.oid!r}, size={self.size!r}, nfiles={self.nfiles!r})"


class LockEntry:
    """One stage's record. Paths are repo-relative; `params` maps a params file to the
    value of each key the stage uses."""

    __slots__ = ("cmd", "deps", "outs", "params")

    def __init__(self, cmd: tuple[str, ...], deps: dict[str, Hashed] | None = None,
                 params: dict[str, dict[str, Any]] | None = None,
                 outs: dict[str, Hashed] | None = None) -> None:
        self.cmd = cmd
        self.deps: dict[str, Hashed] = {} if deps is None else deps
        self.params: dict[str, dict[str, Any]] = {} if params is None else params
        self.outs: dict[str, Hashed] = {} if outs is None else outs

    def _key(self) -> tuple[Any, ...]:
        return (self.cmd, self.deps, self.params, self.outs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LockEntry) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"LockEntry(cmd={self.cmd!r}, deps={self.deps!r}, params={self.params!r},"
                f" outs={self.outs!r})")


def read_lock(root: str, lock_rel: str) -> dict[str, LockEntry]:
    """The entries of the lock file `lock_rel` by stage name; none if it does not exist.
    Parsed YAML is memoised in .mlgit/tmp/yaml/ when that folder's parent exists."""
    try:
        with open(os.path.join(root, lock_rel), "rb") as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise PipelineError(f"{lock_rel}: is a folder, not a file",
                            f"remove the folder {lock_rel}") from None
    return loads(text, lock_rel, textmemo.memo_dir(root))


def write_entry(root: str, lock_rel: str, name: str, entry: LockEntry | None,
                declared: set[str]) -> None:
    """Set (or with None, remove) the entry of stage `name` in the lock file, keeping the
    entries of the other `declared` stages as the file holds them now. The caller holds the
    repository lock, so concurrent runs never lose each other's entries."""
    LockFiles(root).write(lock_rel, name, entry, declared)


def dumps(entries: dict[str, LockEntry], lock_rel: str) -> str:
    """The canonical text: stages sorted by name and separated by an empty line."""
    folder = lock_rel.rpartition("/")[0]
    return _joined({name: _block(name, entry, folder) for name, entry in entries.items()})


def _block(name: str, entry: LockEntry, folder: str) -> str:
    text = yamlio.dump({name: _encode(entry, folder)})
    return "".join("  " + line for line in text.splitlines(keepends=True))


def _joined(blocks: dict[str, str]) -> str:
    if not blocks:
        return f"schema: {SCHEMA}\nstages: {{}}\n"
    return f"schema: {SCHEMA}\nstages:\n" + "\n".join(blocks[n] for n in sorted(blocks))


_Signature = tuple[int, int, int]


class LockFiles:
    """The lock files of one run: each read once and again only when it changed on disk;
    written one entry at a time, re-encoding only that entry."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._known: dict[str, tuple[_Signature, dict[str, LockEntry], dict[str, str]]] = {}

    def _signature(self, rel: str) -> _Signature:
        try:
            st = os.stat(os.path.join(self.root, rel))
        except FileNotFoundError:
            return (0, 0, 0)
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def entries(self, rel: str) -> dict[str, LockEntry]:
        sig = self._signature(rel)
        known = self._known.get(rel)
        if known is None or known[0] != sig:
            known = (sig, read_lock(self.root, rel), {})
            self._known[rel] = known
        return known[1]

    def write(self, rel: str, name: str, entry: LockEntry | None, declared: set[str]) -> None:
        """Set or remove one entry (the caller holds the repository lock)."""
        entries = self.entries(rel)
        blocks = self._known[rel][2]
        for gone in [n for n in entries if n not in declared or n == name]:
            entries.pop(gone)
            blocks.pop(gone, None)
        if entry is not None:
            entries[name] = entry
        folder = rel.rpartition("/")[0]
        for n, e in entries.items():
            if n not in blocks:
                blocks[n] = _block(n, e, folder)
        write_atomic(os.path.join(self.root, rel), _joined(blocks).encode("utf-8"))
        self._known[rel] = (self._signature(rel), entries, blocks)


def _encode(entry: LockEntry, folder: str) -> dict[str, Any]:
    body: dict[str, Any] = {"cmd": entry.cmd[0] if len(entry.cmd) == 1 else list(entry.cmd)}
    if entry.deps:
        body["deps"] = _encode_hashed(entry.deps, folder)
    if entry.params:
        body["params"] = {_relative(file, folder): {k: values[k] for k in sorted(values)}
                          for file, values in sorted(entry.params.items())}
    if entry.outs:
        body["outs"] = _encode_hashed(entry.outs, folder)
    return body


def _encode_hashed(items: dict[str, Hashed], folder: str) -> list[dict[str, Any]]:
    out = []
    for path in sorted(items):
        h = items[path]
        row: dict[str, Any] = {"path": _relative(path, folder), "oid": h.oid, "size": h.size}
        if h.nfiles is not None:
            row["nfiles"] = h.nfiles
        out.append(row)
    return out


def _relative(path: str, folder: str) -> str:
    return posixpath.relpath(path, folder) if folder else path


def load_memoised(text: bytes, memo_dir: str | None) -> Any:
    """YAML `text` parsed; with `memo_dir`, memoised there (textmemo.py)."""
    return textmemo.memoised(text, memo_dir, lambda: yamlio.load(text))


def loads(text: bytes, lock_rel: str, memo_dir: str | None = None
          ) -> dict[str, LockEntry]:
    if _CONFLICT.search(text.decode("utf-8", "replace")):
        raise PipelineError(f"merge conflict in {lock_rel}",
                            f"edit {lock_rel}: for each stage keep one side's entry (or"
                            " delete it) and no conflict marker lines; 'mlgit repro' then"
                            " reruns what the kept entries do not match")
    try:
        data = load_memoised(text, memo_dir)
    except yamlio.YAMLError as exc:
        raise PipelineError(f"{lock_rel}: invalid YAML ({exc})", _REBUILD) from None
    if not isinstance(data, dict):
        raise _bad(lock_rel, "", "expected a mapping with 'schema' and 'stages'")
    schema = data.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise _bad(lock_rel, "schema", f"expected {SCHEMA}, got {schema!r}")
    if schema > SCHEMA:
        raise PipelineError(f"{lock_rel}: schema {schema} is newer than this mlgit reads"
                            f" ({SCHEMA})", "upgrade mlgit")
    stages = data.get("stages") or {}
    if not isinstance(stages, dict):
        raise _bad(lock_rel, "stages", "expected a mapping of stage names")
    folder = lock_rel.rpartition("/")[0]
    return {str(name): _decode(body, folder, _Where(lock_rel, f"stages.{name}"))
            for name, body in stages.items()}


_REBUILD = "fix it, or delete the file (or the broken stage's entry) and run 'mlgit repro'"


def _bad(lock_rel: str, key: str, problem: str) -> PipelineError:
    return PipelineError(f"{lock_rel}: {key + ': ' if key else ''}{problem}", _REBUILD)


class _Where:
    __slots__ = ("file", "key")

    def __init__(self, file: str, key: str) -> None:
        self.file, self.key = file, key

    def at(self, key: str) -> _Where:
        return _Where(self.file, f"{self.key}.{key}" if not key.startswith("[")
                      else self.key + key)

    def bad(self, problem: str) -> PipelineError:
        return _bad(self.file, self.key, problem)


def _decode(body: Any, folder: str, where: _Where) -> LockEntry:
    if not isinstance(body, dict):
        raise where.bad("expected a mapping")
    cmd = body.get("cmd")
    if isinstance(cmd, str):
        cmds: tuple[str, ...] = (cmd,)
    elif isinstance(cmd, list) and cmd and all(isinstance(c, str) for c in cmd):
        cmds = tuple(cmd)
    else:
        raise where.at("cmd").bad(f"expected a command or a list of commands, got {cmd!r}")
    return LockEntry(cmds, _decode_hashed(body.get("deps"), folder, where.at("deps")),
                     _decode_params(body.get("params"), folder, where.at("params")),
                     _decode_hashed(body.get("outs"), folder, where.at("outs")))


def _decode_hashed(rows: Any, folder: str, where: _Where) -> dict[str, Hashed]:
    if rows is None:
        return {}
    if not isinstance(rows, list):
        raise where.bad("expected a list")
    found = {}
    for i, row in enumerate(rows):
        at = where.at(f"[{i}]")
        if not isinstance(row, dict):
            raise at.bad("expected a mapping with path, oid and size")
        oid = row.get("oid")
        if not isinstance(oid, str) or not _OID.fullmatch(oid):
            raise at.at("oid").bad(f"expected {OID_LEN} hex digits, got {oid!r}")
        size: Any = row.get("size")
        nfiles: Any = row.get("nfiles")
        if not _count(size):
            raise at.at("size").bad(f"expected a whole number, got {size!r}")
        if nfiles is not None and not _count(nfiles):
            raise at.at("nfiles").bad(f"expected a whole number, got {nfiles!r}")
        path = _resolve(folder, row.get("path"), at.at("path"))
        if path in found:
            raise at.at("path").bad(f"{row.get('path')!r} is listed twice")
        found[path] = Hashed(oid, size, nfiles)
    return found


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _decode_params(files: Any, folder: str, where: _Where) -> dict[str, dict[str, Any]]:
    if files is None:
        return {}
    if not isinstance(files, dict):
        raise where.bad("expected a mapping of params files")
    found = {}
    for file, values in files.items():
        at = where.at(str(file))
        if not isinstance(values, dict):
            raise at.bad("expected a mapping of keys to values")
        found[_resolve(folder, file, at)] = {str(k): v for k, v in values.items()}
    return found


def _resolve(folder: str, path: Any, where: _Where) -> str:
    """A path as the lock file writes it (relative to its folder) as a repo-relative path;
    refused if it is not a string or leaves the repository."""
    if not isinstance(path, str) or not path or path.startswith("/"):
        raise where.bad(f"expected a relative path, got {path!r}")
    joined = posixpath.normpath(posixpath.join(folder, path)) if folder else path
    if joined == ".." or joined.startswith("../"):
        raise where.bad(f"path {path!r} is outside the repository")
    what = f"{where.file}: {where.key}"
    try:
        return check_relpath(joined, what)
    except BadPath as exc:  # with the lock file's hint
        raise where.bad(exc.message.removeprefix(what + ": ")) from None
