"""Parameters: the values a stage reads from its params files (docs/pipelines.md, "Parameters
and metrics files"). Values are in the normal form of valuefiles.py; `canonical` gives the
one text per value that the lock file compares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlgit.paths import check_relpath
from mlgit.pipeline import textmemo
from mlgit.pipeline.model import ParamRef, Pipeline
from mlgit.pipeline.sides import FileReader, workspace_reader
from mlgit.pipeline.valuefiles import (
    PARAMS,
    ValuesFileError,
    ValuesFileMissing,
    canonical,
    file_format,
    flatten,
    parse_values,
    read_values,
)

__all__ = ["ParamKeyMissing", "ParamsFileMissing", "canonical", "flatten", "is_missing", "lookup",
           "param_values", "read_params_file", "used_values"]

_MISSING = object()

ParamsFileMissing = ValuesFileMissing
"""A params file that does not exist; a caller may add the stage that uses it."""


class ParamKeyMissing(ValuesFileError):
    """A key a stage uses that its params file does not have; `key` is the key."""

    def __init__(self, file: str, key: str) -> None:
        super().__init__(file, f"{file}: no parameter {key!r}",
                         f"add {key!r} to {file}, or remove it from the stage's params")
        self.key = key


def read_params_file(root: str, rel: str, read: FileReader | None = None,
                     memo_dir: str | None = None) -> dict[str, Any]:
    """The values in params file `rel` (repo-relative), nested as written, read from the
    work tree under `root` or with `read` (say, a Git revision's). With `memo_dir`, the
    values of content parsed before come from the memo there (textmemo.py)."""
    read = read or workspace_reader(root)
    if memo_dir is None:
        return read_values(read, rel, PARAMS)
    checked = check_relpath(rel, f"{PARAMS} file")
    fmt = file_format(checked, PARAMS)
    data = read(checked)
    if data is None:  # the error read_values gives
        return read_values(read, rel, PARAMS)
    key = b"\0".join((PARAMS.encode(), fmt.encode(), data))
    values: dict[str, Any] = textmemo.memoised(
        key, memo_dir, lambda: parse_values(checked, data, PARAMS))
    return values


def param_values(root: str, ref: ParamRef, read: FileReader | None = None) -> dict[str, Any]:
    """The values of the keys `ref` uses, flattened to dotted keys ("train.lr"): a key
    naming a mapping gives one entry per value inside it; `keys` None gives the whole
    file."""
    return used_values(read_params_file(root, ref.file, read), ref)


def used_values(data: Mapping[str, Any], ref: ParamRef) -> dict[str, Any]:
    """param_values of a params file already read (`data`, as read_params_file gives it)."""
    if ref.keys is None:
        return flatten(data)
    values: dict[str, Any] = {}
    for key in ref.keys:
        value = lookup(data, key)
        if value is _MISSING:
            raise ParamKeyMissing(ref.file, key)
        values.update(flatten({key: value}))
    return values


def lookup(data: Mapping[str, Any], key: str) -> Any:
    """The value at dotted `key` in nested `data`, a key holding dots as written first
    (`"a.b"` is `data["a.b"]` if there is one, else `data["a"]["b"]`); a private marker
    when there is none."""
    if key in data:
        return data[key]
    dot = key.find(".")
    while dot != -1:
        inner = data.get(key[:dot])
        if isinstance(inner, dict):
            found = lookup(inner, key[dot + 1:])
            if found is not _MISSING:
                return found
        dot = key.find(".", dot + 1)
    return _MISSING


def is_missing(value: Any) -> bool:
    """Whether `lookup` found nothing."""
    return value is _MISSING


def params_files(pipeline: Pipeline) -> list[str]:
    """The params files the stages use and the top-level `params:` lists name, repo-relative,
    each once, in file order."""
    from mlgit.pipeline.values import top_level_paths, unique  # not on a no-op's path

    used = [ref.file for stage in pipeline.stages for ref in stage.params]
    return unique(used + top_level_paths(pipeline, "params"))
