"""Reading parameter and metric files: YAML, JSON, TOML and (parameters only) Python, into
plain values. Every value comes out in one normal form, so equal settings give equal values
whatever the format: mappings with text keys, lists (a tuple becomes a list), text, numbers,
booleans and null; a date or time becomes its ISO 8601 text."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from mlgit.errors import MlgitError
from mlgit.paths import check_relpath
from mlgit.pipeline.sides import FileReader

PARAMS, METRICS = "params", "metrics"
_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml", ".py": "python"}
_TOML_WHERE = re.compile(r"^(?P<msg>.*) \(at line (?P<line>\d+), column (?P<col>\d+)\)$")


class ValuesFileError(MlgitError):
    """A parameter or metric file that cannot be used; `file` is its repo-relative path."""

    def __init__(self, file: str, message: str, hint: str) -> None:
        super().__init__(message, hint)
        self.file = file


class ValuesFileMissing(ValuesFileError):
    """A parameter or metric file that does not exist (on the side it was read from)."""


_MISSING_HINTS = {
    PARAMS: "create it, or remove it from the stage's params",
    METRICS: "run the stage that writes it ('mlgit repro'), or remove it from mlgit.yaml",
}


def read_values(read: FileReader, rel: str, kind: str) -> dict[str, Any]:
    """The values in file `rel` (repo-relative, untrusted), nested as written: its path and
    suffix are checked before `read` gets it."""
    rel = check_relpath(rel, f"{kind} file")
    file_format(rel, kind)
    data = read(rel)
    if data is None:
        raise ValuesFileMissing(rel, f"{rel}: {kind} file not found", _MISSING_HINTS[kind])
    return parse_values(rel, data, kind)


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one level with dotted keys (`{"a": {"b": 1}}` -> `{"a.b": 1}`).
    Lists stay lists; an empty mapping stays as the value of its key."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def _formats(kind: str) -> str:
    """The formats a kind of file may have, for a hint."""
    return ("YAML (.yaml, .yml), JSON (.json), TOML (.toml) or Python (.py)" if kind == PARAMS
            else "YAML (.yaml, .yml), JSON (.json) or TOML (.toml)")


def parse_values(rel: str, data: bytes, kind: str) -> dict[str, Any]:
    """The top-level mapping of file `rel` (its bytes `data`), in normal form. `kind` is
    PARAMS or METRICS (Python files are parameters only)."""
    fmt = file_format(rel, kind)
    try:
        loaded = _PARSERS[fmt](data)
        if not isinstance(loaded, dict | None):
            raise ValuesFileError(rel, f"{rel}: expected a mapping of names to values at the"
                                  f" top, got {_kind_of(loaded)}",
                                  f"write the {kind} as 'name: value' pairs")
        result: dict[str, Any] = normalised(loaded or {})
    except _Unparsable as exc:
        raise ValuesFileError(rel, f"{rel}: {exc}", "fix the file's syntax") from None
    except RecursionError:  # a YAML alias inside itself, or thousands of nested brackets
        raise ValuesFileError(rel, f"{rel}: values nested too deeply (or inside themselves)",
                              "fix the file's syntax") from None
    except TooManyValues:
        raise ValuesFileError(rel, f"{rel}: more than {MAX_VALUES} values",
                              "keep large data out of params and metrics files (a YAML"
                              " alias used many times counts each time)") from None
    return result


def file_format(rel: str, kind: str) -> str:
    """"yaml", "json", "toml" or "python", from the file's suffix; raises ValuesFileError for
    a suffix `kind` does not take."""
    dot = rel.rfind(".")
    suffix = rel[dot:].lower() if dot > rel.rfind("/") else ""
    fmt = _SUFFIXES.get(suffix)
    if fmt is None or (fmt == "python" and kind != PARAMS):
        what = f"'{suffix}'" if suffix else "without a suffix"
        raise ValuesFileError(rel, f"{rel}: unsupported {kind} file type {what}",
                              f"use {_formats(kind)}")
    return fmt


MAX_VALUES = 1_000_000  # values in one file: YAML aliases can repeat a mapping endlessly


def normalised(value: Any) -> Any:
    """`value` in normal form; raises TooManyValues beyond MAX_VALUES values."""
    return _Normaliser().normal(value)


class TooManyValues(Exception):
    pass


class _Normaliser:
    def __init__(self) -> None:
        self.left = MAX_VALUES

    def normal(self, value: Any) -> Any:
        self.left -= 1
        if self.left < 0:
            raise TooManyValues
        if isinstance(value, dict):
            return {_key_text(k): self.normal(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.normal(v) for v in value]
        if value is None or isinstance(value, str | int | float):
            return value
        if isinstance(value, datetime.date | datetime.time):
            return value.isoformat()
        if isinstance(value, set | frozenset):
            return sorted((self.normal(v) for v in value), key=canonical)
        return str(value)


def canonical(value: Any) -> str:
    """One text per value in normal form, equal exactly when the values are equal: compact
    JSON with sorted keys (NaN and infinities as NaN, Infinity, -Infinity)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _key_text(key: Any) -> str:
    if isinstance(key, bool) or key is None:
        return json.dumps(key)  # true, false, null: as YAML and TOML write them
    return str(key)


def _kind_of(value: Any) -> str:
    return "a list" if isinstance(value, list) else f"a single value ({value!r})"


class _Unparsable(Exception):
    """The file is not valid in its format; the message says where, when known."""


def _at(line: int | None, col: int | None, msg: str) -> str:
    if line is None:
        return msg
    return f"line {line}, column {col}: {msg}" if col else f"line {line}: {msg}"


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise _Unparsable(_at(line, None, "not UTF-8 text")) from None


def _yaml(data: bytes) -> Any:
    from mlgit import yamlio

    try:
        return yamlio.load(_text(data))
    except yamlio.YAMLError as exc:
        raise _Unparsable(str(exc)) from None


def _json(data: bytes) -> Any:
    try:
        return json.loads(_text(data))
    except json.JSONDecodeError as exc:
        raise _Unparsable(_at(exc.lineno, exc.colno, exc.msg)) from None


def _toml(data: bytes) -> Any:
    import tomllib

    try:
        return tomllib.loads(_text(data))
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_WHERE.match(str(exc))
        if found is None:
            raise _Unparsable(str(exc)) from None
        raise _Unparsable(_at(int(found["line"]), int(found["col"]), found["msg"])) from None


def _python(data: bytes) -> Any:
    from mlgit.pipeline.pyparams import python_values

    try:
        return python_values(_text(data))
    except SyntaxError as exc:
        raise _Unparsable(_at(exc.lineno, exc.offset, exc.msg or "invalid syntax")) from None


_PARSERS: dict[str, Callable[[bytes], Any]] = {
    "yaml": _yaml, "json": _json, "toml": _toml, "python": _python,
}
