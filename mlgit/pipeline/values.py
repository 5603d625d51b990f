"""Parameter and metric values of whole files, shown or compared between two sides (the work
tree, a Git revision): what `mlgit params/metrics show` and `... diff` report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlgit.errors import MlgitError
from mlgit.pipeline.model import Pipeline
from mlgit.pipeline.sides import Side
from mlgit.pipeline.valuefiles import ValuesFileMissing, canonical, flatten, read_values

ADDED, DELETED, MODIFIED, UNCHANGED = "added", "deleted", "modified", "unchanged"


@dataclass
class FileValues:
    """A file's values, flattened; `error` says why there are none."""

    file: str
    values: dict[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass
class ValueChange:
    """One key of one file on both sides; `old`/`new` are None where `status` says the key
    is not there. `change` is new - old when both are numbers."""

    file: str
    key: str
    status: str
    old: Any = None
    new: Any = None
    change: int | float | None = None


@dataclass
class SideError:
    file: str
    side: str
    error: str
    hint: str = ""


@dataclass
class ValuesDiff:
    """`files`: the files compared; `old_empty`: the old side is a revision with no commit
    yet, so every value is new."""

    old: str
    new: str
    old_empty: bool
    files: list[str] = field(default_factory=list)
    changes: list[ValueChange] = field(default_factory=list)
    errors: list[SideError] = field(default_factory=list)


def show(side: Side, files: list[str], kind: str) -> list[FileValues]:
    shown = []
    for rel in files:
        try:
            shown.append(FileValues(rel, flatten(read_values(side.read, rel, kind))))
        except MlgitError as exc:
            shown.append(FileValues(rel, error=exc.message))
    return shown


def compare(files: list[str], kind: str, old: Side, new: Side, show_all: bool) -> ValuesDiff:
    """Per file and key, the old and new values; unchanged keys only with `show_all`. A
    file missing on one side has all its keys added or deleted; a file that cannot be read
    on either side, or is on neither, is an error and has no rows."""
    diff = ValuesDiff(old.name, new.name, old.empty, files)
    for rel in files:
        before = _flat_or_error(old, rel, kind, diff.errors)
        after = _flat_or_error(new, rel, kind, diff.errors)
        if before is None or after is None:
            continue  # unreadable on a side: noted in diff.errors
        if isinstance(before, ValuesFileMissing) and isinstance(after, ValuesFileMissing):
            diff.errors.append(SideError(rel, new.name, after.message, after.hint))
            continue
        diff.changes.extend(c for c in _changes(rel, _values(before), _values(after))
                            if show_all or c.status != UNCHANGED)
    return diff


def _values(read: dict[str, Any] | ValuesFileMissing) -> dict[str, Any]:
    return {} if isinstance(read, ValuesFileMissing) else read


def _flat_or_error(side: Side, rel: str, kind: str, errors: list[SideError]
                   ) -> dict[str, Any] | ValuesFileMissing | None:
    """The file's values; the error if it is missing; None (and the error noted) if it
    cannot be read."""
    try:
        return flatten(read_values(side.read, rel, kind))
    except ValuesFileMissing as exc:
        return exc
    except MlgitError as exc:
        errors.append(SideError(rel, side.name, exc.message, exc.hint))
        return None


def _changes(rel: str, before: dict[str, Any], after: dict[str, Any]) -> list[ValueChange]:
    keys = list(after) + [k for k in before if k not in after]
    found = []
    for key in keys:
        if key not in before:
            found.append(ValueChange(rel, key, ADDED, new=after[key]))
        elif key not in after:
            found.append(ValueChange(rel, key, DELETED, old=before[key]))
        else:
            old, new = before[key], after[key]
            status = UNCHANGED if canonical(old) == canonical(new) else MODIFIED
            found.append(ValueChange(rel, key, status, old, new, numeric_change(old, new)))
    return found


def numeric_change(old: Any, new: Any) -> int | float | None:
    """new - old for two numbers (booleans are not), exact in decimal: 0.3 - 0.1 is 0.2."""
    if not (_is_number(old) and _is_number(new)):
        return None
    if isinstance(old, int) and isinstance(new, int):
        return int(new - old)
    from decimal import Decimal, InvalidOperation  # only `params diff` and `metrics diff`

    try:
        return float(Decimal(repr(new)) - Decimal(repr(old)))
    except InvalidOperation:  # infinity minus infinity
        return float(new) - float(old)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def top_level_paths(pipeline: Pipeline, key: str) -> list[str]:
    """The files listed under top-level `key` (`params`, `metrics`) of every pipeline file,
    as repo-relative paths (the loader resolved and checked them; see toplevel.py)."""
    return [path for top in pipeline.top_level.values() for path in top.get(key) or []]


def unique(paths: list[str]) -> list[str]:
    return list(dict.fromkeys(paths))
