"""Rendering what the revision-history verbs found: diff (text, --json, --md), get."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlgit.cli import output
from mlgit.cli.render.text import as_dict, md_code
from mlgit.fileio import human_size
from mlgit.paths import printable

if TYPE_CHECKING:
    from mlgit.commands.diff import Change, DataDiff
    from mlgit.commands.get import GotData

_KINDS = ("added", "modified", "deleted", "renamed")


def show_diff(result: DataDiff, json: bool, md: bool) -> None:
    if json:
        output.json_out(as_dict(result))
        return
    for error in result.errors:
        output.err(f"error: {printable(error.message)}")  # names the revision if not here
        if error.hint:
            output.err(f"hint: {printable(error.hint)}")
    for missing in result.missing_manifests:
        output.err(f"warning: {printable(missing.path)} in {missing.side}: its folder manifest"
                   f" {missing.oid[:12]} is not in the cache, so the files inside are not"
                   " compared (run 'mlgit fetch' with that revision's pointers, e.g."
                   f" 'mlgit fetch --rev {missing.side}')")
    changes = [(kind, c) for kind in _KINDS for c in getattr(result, kind)]
    if md:
        output.out("| status | path | size |")
        output.out("| --- | --- | --- |")
        for kind, c in changes:
            output.out(f"| {kind} | {_md_path(c)} | {_size(kind, c)} |")
        return
    rows = [(kind, _path(c), _size(kind, c)) for kind, c in changes]
    if not rows and result.errors:
        return  # "no data changed" would contradict the errors: some data was not compared
    if not rows:
        output.out(f"No data changed between {_side(result.old)} and {_side(result.new)}.")
        return
    width = max(len(printable(path)) for _, path, _ in rows)
    for kind, path, size in rows:
        output.out(f"{kind:<9} {printable(path).ljust(width)}  {size}")
    counts = ", ".join(f"{len(getattr(result, kind))} {kind}" for kind in _KINDS)
    output.out(f"\n{counts} ({_side(result.old)} -> {_side(result.new)})")


def _side(name: str) -> str:
    return "the workspace" if name == "workspace" else name


def _path(c: Change) -> str:
    return f"{c.old_path} -> {c.path}" if c.old_path is not None else c.path


def _size(kind: str, c: Change) -> str:
    if kind == "modified" and c.old_size is not None:
        return f"{human_size(c.old_size)} -> {human_size(c.size)}"
    return human_size(c.size)


def _md_path(c: Change) -> str:
    """Paths come from pull requests: each in a code span (see md_code)."""
    if c.old_path is not None:
        return f"{md_code(c.old_path)} -> {md_code(c.path)}"
    return md_code(c.path)


def show_get(got: GotData, json: bool) -> None:
    if json:
        output.json_out(as_dict(got))
        return
    fetched = f" ({got.fetched} object(s) fetched from {got.remote})" if got.fetched else ""
    files = f"{got.files} files, " if got.files != 1 else ""
    output.out(f"{printable(got.path)} as of {got.rev} ({got.commit[:12]}) -> "
               f"{printable(got.out)}: {files}{human_size(got.size)}{fetched}")
