"""Rendering params and metrics, shown or compared: text, --json or --md (a Markdown table
for a pull request comment)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mlgit.cli import output
from mlgit.cli.render.text import as_dict, md_cell, md_code, without_prefix
from mlgit.paths import printable
from mlgit.pipeline.sides import WORKSPACE

if TYPE_CHECKING:
    from mlgit.pipeline.values import FileValues, ValueChange, ValuesDiff

NONE_SHOWN = "-"
_NO_FILES = {
    "params": "No params files: stages name them under 'params:' in mlgit.yaml.",
    "metrics": "No metrics files: stages name them under 'metrics:' in mlgit.yaml.",
}


def show_values(kind: str, files: list[FileValues], json_: bool, md: bool) -> None:
    if json_:
        output.json_out([as_dict(f) for f in files])
        return
    if not files:
        output.out(_NO_FILES[kind])
        return
    rows: list[list[Cell]] = []
    for f in files:
        if f.error:
            error = Name("error: " + without_prefix(f.error, f.file))  # names the file
            rows.append([Name(f.file), NONE_SHOWN, error])
        rows.extend([Name(f.file), Name(key), _value(value)] for key, value in f.values.items())
    _table(["file", "key", "value"], rows, md)


def show_values_diff(kind: str, diff: ValuesDiff, json_: bool, md: bool) -> None:
    if json_:
        output.json_out(as_dict(diff))
        return
    if not diff.files:
        output.out(_NO_FILES[kind])
        return
    for error in diff.errors:
        output.err(f"error: {printable(error.error)} (in {error.side})")
        if error.hint:
            output.err(f"hint: {printable(error.hint)}")
    if diff.old_empty:
        output.out(f"{_side(diff.old)} has no commits yet: every value is new.\n")
    if not diff.changes and len({e.file for e in diff.errors}) >= len(diff.files):
        return  # no file was compared: "no changes" would contradict the errors
    if not diff.changes:
        output.out(f"No changes between {_side(diff.old)} and {_side(diff.new)}.")
        return
    _table(["file", "key", "old", "new", "change"], [_change_row(c) for c in diff.changes], md)


def _side(name: str) -> str:
    return f"the {name}" if name == WORKSPACE else name


def _change_row(c: ValueChange) -> list[Cell]:
    old = NONE_SHOWN if c.status == "added" else _value(c.old)
    new = NONE_SHOWN if c.status == "deleted" else _value(c.new)
    return [Name(c.file), Name(c.key), old, new, signed(c.change)]


class Name(str):
    """A cell someone chose the text of (a file, a key, a text value): in --md, a code span
    (names and values come from pull requests)."""


Cell = str  # a plain cell (numbers, states, mlgit's own words), or a Name


def _value(value: Any) -> Cell:
    """Numbers, booleans and null as they are; text, lists and mappings as names."""
    text = shown(value)
    return text if value is None or isinstance(value, (bool, int, float)) else Name(text)


def shown(value: Any) -> str:
    """Text as it is; any other value as JSON (true, null, [1, 2], NaN)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def signed(change: int | float | None) -> str:
    if change is None:
        return NONE_SHOWN
    text = json.dumps(change)
    return "+" + text if change > 0 else text


def _table(header: list[str], rows: list[list[Cell]], md: bool) -> None:
    if md:
        output.out(_md_row(header))
        output.out(_md_row(["---"] * len(header)))
        for row in rows:
            output.out(_md_row(row))
        return
    cells = [[h.upper() for h in header]] + [[printable(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header) - 1)]
    for row in cells:
        line = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False))
        output.out(f"{line}  {row[-1]}".rstrip())


def _md_row(cells: list[Cell]) -> str:
    escaped = [md_code(c) if isinstance(c, Name) else md_cell(c) for c in cells]
    return "| " + " | ".join(escaped) + " |"
