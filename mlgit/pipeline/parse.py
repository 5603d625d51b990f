"""Parse a pipeline file (an mlgit.yaml) into stages; load.py reads all of them.

The format is in docs/pipelines.md#mlgityaml. Reading is fast: libyaml builds the data; only
when a problem is reported is the file composed again to find the line it is on."""

from __future__ import annotations

import os
import posixpath
from typing import Any

from mlgit.pipeline import memo, yamlsource
from mlgit.pipeline.errors import PipelineError as PipelineError
from mlgit.pipeline.errors import Problem
from mlgit.pipeline.generate import Entry, entries
from mlgit.pipeline.interpolate import resolve
from mlgit.pipeline.model import Stage
from mlgit.pipeline.schema import stage_from, stage_wdir, unknown_key
from mlgit.pipeline.toplevel import TOP_KEYS, check_name, top_level
from mlgit.pipeline.variables import Values, add_vars, file_values

FORMAT_HINT = "see the mlgit.yaml format in docs/pipelines.md"


def load_file(root: str, file: str, stamps: dict[str, memo.Stamp | None] | None = None
              ) -> tuple[list[Stage], dict[str, Any]]:
    """The stages and the top-level keys of the pipeline file `file` (repo-relative); the
    stamps of the files read go into `stamps`."""
    stamps = {} if stamps is None else stamps
    text, stamps[file] = memo.read_stamped(os.path.join(root, file))
    return load_text(root, file, text, stamps)


def load_text(root: str, file: str, text: bytes, stamps: dict[str, memo.Stamp | None]
              ) -> tuple[list[Stage], dict[str, Any]]:
    """The stages and top-level keys of `text`, the content of pipeline file `file`."""
    data = yamlsource.load(text, file)
    try:
        return _read(root, file, data, stamps)
    except Problem as exc:
        line = yamlsource.line_of(text, exc.path)
        where = f"{file}:{line}" if line else file
        place = f"{where}: {exc.shown}" if exc.shown else where
        raise PipelineError(f"{place}: {exc.message}", exc.hint or FORMAT_HINT) from None


def _read(root: str, file: str, data: Any, stamps: dict[str, memo.Stamp | None]
          ) -> tuple[list[Stage], dict[str, Any]]:
    if data is None:
        return [], {}
    if not isinstance(data, dict):
        raise Problem((), "expected a mapping with a 'stages' key",
                      "see docs/pipelines.md for the format")
    for key in data:
        if key not in TOP_KEYS:
            raise unknown_key(Problem, (), key, TOP_KEYS)
    folder = posixpath.dirname(file)
    values = file_values(root, folder, data.get("vars"), ("vars",), stamps)
    stages = data.get("stages")
    if stages is not None and not isinstance(stages, dict):
        raise Problem(("stages",), "expected a mapping of stage names to stages")
    built = [_stage(root, file, folder, entry, values)
             for name, body in (stages or {}).items()
             for entry in entries(check_name(name), body, values.data)]
    return built, top_level(data, values.data, folder)


def _stage(root: str, file: str, folder: str, entry: Entry, values: Values) -> Stage:
    scope = {**values.data, **entry.extra} if entry.extra else values.data
    path = entry.path
    body = entry.body

    def problem(sub: tuple[str | int, ...], message: str, hint: str = "") -> Problem:
        return Problem((*path, *sub), message, hint, entry.shown((*path, *sub)))

    wdir = resolve(body.get("wdir"), scope, (*path, "wdir"), entry.shown)
    if body.get("vars") is not None:
        own = values.child()
        add_vars(own, root, stage_wdir(folder, wdir, problem), body["vars"], (*path, "vars"))
        scope = {**own.data, **entry.extra}
    resolved = {key: resolve(value, scope, (*path, key), entry.shown, unpack=key == "cmd")
                for key, value in body.items() if key not in ("vars", "wdir")}
    if "wdir" in body:
        resolved["wdir"] = wdir
    return stage_from(entry.name, file, folder, resolved, path, entry.shown)
