"""Read the pipeline files (mlgit.yaml) into a Pipeline.

A first cut: the root mlgit.yaml only, plain stages, no interpolation or generated stages."""

from __future__ import annotations

import os
import posixpath
from typing import Any

from mlgit import yamlio
from mlgit.errors import BadPath, MlgitError
from mlgit.paths import check_relpath
from mlgit.pipeline.model import (
    DEFAULT_PARAMS_FILE,
    PIPELINE_FILE,
    Out,
    ParamRef,
    Pipeline,
    Stage,
)


class PipelineError(MlgitError):
    """A pipeline file that cannot be used as written; the message names file, stage, key."""


def load_pipeline(root: str) -> Pipeline:
    pipeline = Pipeline()
    path = os.path.join(root, PIPELINE_FILE)
    if not os.path.exists(path):
        return pipeline
    with open(path, "rb") as f:
        text = f.read()
    try:
        data = yamlio.load(text) or {}
    except yamlio.YAMLError as exc:
        raise PipelineError(f"{PIPELINE_FILE}: {exc}", "fix the YAML syntax") from None
    if not isinstance(data, dict):
        raise PipelineError(f"{PIPELINE_FILE}: expected a mapping with a 'stages' key")
    pipeline.files.append(PIPELINE_FILE)
    stages = data.get("stages") or {}
    for name, body in stages.items():
        pipeline.stages.append(_stage(PIPELINE_FILE, str(name), body))
    return pipeline


def _stage(file: str, name: str, body: Any) -> Stage:
    where = f"{file}: stages.{name}"
    if not isinstance(body, dict) or "cmd" not in body:
        raise PipelineError(f"{where}: a stage needs a 'cmd'")
    folder = file.rpartition("/")[0]
    wdir = _repo_path(folder, str(body.get("wdir", ".")), f"{where}.wdir", allow_root=True)
    cmd = body["cmd"]
    cmds = tuple(str(c) for c in cmd) if isinstance(cmd, list) else (str(cmd),)
    outs = [_out(wdir, item, kind, f"{where}.{kind}s[{i}]")
            for kind in ("out", "metric", "plot")
            for i, item in enumerate(body.get(f"{kind}s") or [])]
    deps = tuple(_repo_path(wdir, str(d), f"{where}.deps[{i}]")
                 for i, d in enumerate(body.get("deps") or []))
    return Stage(name=name, file=file, wdir=wdir, cmd=cmds, deps=deps, outs=tuple(outs),
                 params=tuple(_params(wdir, body.get("params") or [])),
                 frozen=bool(body.get("frozen", False)),
                 always_changed=bool(body.get("always_changed", False)),
                 desc=str(body.get("desc", "")))


def _out(wdir: str, item: Any, kind: str, where: str) -> Out:
    if isinstance(item, dict) and len(item) == 1:
        (path, opts), = item.items()
        opts = opts or {}
        return Out(_repo_path(wdir, str(path), where), cache=bool(opts.get("cache", True)),
                   persist=bool(opts.get("persist", False)), desc=str(opts.get("desc", "")),
                   kind=kind)
    return Out(_repo_path(wdir, str(item), where), kind=kind)


def _params(wdir: str, items: list[Any]) -> list[ParamRef]:
    default = _repo_path(wdir, DEFAULT_PARAMS_FILE, "params")
    refs: dict[str, list[str] | None] = {}
    for item in items:
        if isinstance(item, dict):
            for file, keys in item.items():
                refs[_repo_path(wdir, str(file), "params")] = (
                    [str(k) for k in keys] if keys else None)
        else:
            found = refs.setdefault(default, [])
            if found is not None:
                found.append(str(item))
    return [ParamRef(f, tuple(k) if k is not None else None) for f, k in refs.items()]


def _repo_path(folder: str, path: str, where: str, allow_root: bool = False) -> str:
    """`path` as written in a file in `folder`, as a repo-relative path; never outside."""
    if path.startswith("/"):
        raise BadPath(f"{where}: absolute path {path!r} is not allowed",
                      "write paths relative to the mlgit.yaml's folder")
    joined = posixpath.normpath(posixpath.join(folder, path))
    if joined == "." and allow_root:
        return ""
    if joined == ".." or joined.startswith("../"):
        raise BadPath(f"{where}: path {path!r} is outside the repository")
    return check_relpath(joined, where)
