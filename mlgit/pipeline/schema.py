"""Checking a stage (its `${...}` already resolved) against the mlgit.yaml format and turning
it into a Stage with repo-relative paths. Every problem names the key path it is at."""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Callable
from typing import Any

from mlgit.errors import BadPath
from mlgit.paths import RESERVED, check_relpath
from mlgit.pipeline.errors import KeyPath, Problem
from mlgit.pipeline.errors import kind_of as _kind
from mlgit.pipeline.model import DEFAULT_PARAMS_FILE, Out, ParamRef, Stage

STAGE_KEYS = ("cmd", "wdir", "deps", "outs", "metrics", "plots", "params", "frozen",
              "always_changed", "desc", "meta", "vars")
OUT_KINDS = {"outs": "out", "metrics": "metric", "plots": "plot"}
_OUT_OPTIONS: dict[str, type | tuple[type, ...]] = {
    "cache": bool, "persist": bool, "desc": str, "push": bool, "remote": str, "type": str,
    "labels": list, "meta": object}
_PLOT_OPTIONS: dict[str, type | tuple[type, ...]] = {
    "template": str, "x": str, "y": str, "x_label": str, "y_label": str, "title": str,
    "header": bool}

Shown = Callable[[KeyPath], str]
ProblemAt = Callable[..., Problem]  # (sub-path, message, hint="") -> Problem


def unknown_key(problem: ProblemAt, at: KeyPath, key: object,
                known: tuple[str, ...] | list[str]) -> Problem:
    close = difflib.get_close_matches(str(key), known, n=1)
    did = f" (did you mean '{close[0]}'?)" if close else ""
    return problem((*at, str(key)), f"unknown key '{key}'{did}",
                   "known keys: " + ", ".join(known))


def stage_from(name: str, file: str, folder: str, body: dict[str, Any], path: KeyPath,
               shown: Shown) -> Stage:
    """The Stage `body` describes (`folder` is the repo-relative folder of `file`)."""
    def problem(sub: KeyPath, message: str, hint: str = "") -> Problem:
        return Problem((*path, *sub), message, hint, shown((*path, *sub)))

    for key in body:
        if key not in STAGE_KEYS:
            raise unknown_key(problem, (), key, [*STAGE_KEYS, "foreach", "do", "matrix"])
    if body.get("cmd") is None:
        raise problem((), "a stage needs a 'cmd'", "add cmd: the command that runs the stage")
    cmd = _commands(body["cmd"], problem)
    wdir = stage_wdir(folder, body.get("wdir"), problem)
    deps = tuple(repo_path(wdir, d, problem, ("deps", i))
                 for i, d in enumerate(_list(body, "deps", problem)))
    outs = tuple(_out(wdir, item, key, problem, (key, i))
                 for key in OUT_KINDS for i, item in enumerate(_list(body, key, problem)))
    return Stage(name=name, file=file, wdir=wdir, cmd=cmd, deps=deps, outs=outs,
                 params=_params(wdir, _list(body, "params", problem), problem),
                 frozen=_flag(body, "frozen", problem),
                 always_changed=_flag(body, "always_changed", problem),
                 desc=_text(body, "desc", problem), meta=body.get("meta"))


def stage_wdir(folder: str, wdir: Any, problem: ProblemAt) -> str:
    if wdir is None or wdir == ".":
        return folder
    if not isinstance(wdir, str):
        raise problem(("wdir",), f"expected a folder path, got {_kind(wdir)}")
    return repo_path(folder, wdir, problem, ("wdir",), allow_root=True)


def _commands(cmd: Any, problem: ProblemAt) -> tuple[str, ...]:
    if isinstance(cmd, str):
        if not cmd.strip():
            raise problem(("cmd",), "the command is empty")
        _no_nul(cmd, problem, ("cmd",))
        return (cmd,)
    if isinstance(cmd, list) and cmd:
        for i, c in enumerate(cmd):
            if not isinstance(c, str) or not c.strip():
                raise problem(("cmd", i), f"expected a command, got {_kind(c)}")
            _no_nul(c, problem, ("cmd", i))
        return tuple(cmd)
    raise problem(("cmd",), f"expected a command or a list of commands, got {_kind(cmd)}")


def _no_nul(cmd: str, problem: ProblemAt, at: KeyPath) -> None:
    """A NUL byte cannot be passed to a program (a command line is NUL-terminated text)."""
    if "\0" in cmd:
        raise problem(at, "the command holds a NUL character (\\0), which no command can take",
                      "remove it")


def _list(body: dict[str, Any], key: str, problem: ProblemAt) -> list[Any]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise problem((key,), f"expected a list, got {_kind(value)}")
    return value


def _flag(body: dict[str, Any], key: str, problem: ProblemAt) -> bool:
    value = body.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise problem((key,), f"expected true or false, got {_kind(value)}")
    return value


def _text(body: dict[str, Any], key: str, problem: ProblemAt) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise problem((key,), f"expected a string, got {_kind(value)}")
    return value


def _out(wdir: str, item: Any, key: str, problem: ProblemAt, at: KeyPath) -> Out:
    kind = OUT_KINDS[key]
    if isinstance(item, str):
        return Out(repo_path(wdir, item, problem, at), kind=kind)
    if not isinstance(item, dict) or len(item) != 1:
        raise problem(at, f"expected a path, or a mapping of one path to its options, got"
                      f" {_kind(item) if not isinstance(item, dict) else 'several paths'}")
    (path, opts), = item.items()
    if not isinstance(path, str):
        raise problem(at, f"expected a path, got {_kind(path)}")
    opts = _out_options(opts, kind, problem, (*at, path))
    known = {k: opts.pop(k) for k in ("cache", "persist", "desc", "push", "remote") if k in opts}
    return Out(repo_path(wdir, path, problem, at), cache=known.get("cache", True),
               persist=known.get("persist", False), desc=known.get("desc", ""),
               kind=kind, push=known.get("push", True), remote=known.get("remote", ""),
               options=opts)


def _out_options(opts: Any, kind: str, problem: ProblemAt, at: KeyPath) -> dict[str, Any]:
    if opts is None:
        return {}
    if not isinstance(opts, dict):
        raise problem(at, f"expected a mapping of options, got {_kind(opts)}")
    allowed = {**_OUT_OPTIONS, **(_PLOT_OPTIONS if kind == "plot" else {})}
    for name, value in opts.items():
        if name == "checkpoint":
            raise problem((*at, name), "checkpoint outputs are not supported (DVC 3 removed"
                          " them too)", "remove 'checkpoint'; use persist: true to keep the"
                          " output between runs")
        if name not in allowed:
            raise unknown_key(problem, at, name, list(allowed))
        if value is not None and not isinstance(value, allowed[name]):
            expected = "true or false" if allowed[name] is bool else (
                "a list" if allowed[name] is list else "a string")
            raise problem((*at, name), f"expected {expected}, got {_kind(value)}")
    return {k: v for k, v in opts.items() if v is not None}


def _params(wdir: str, items: list[Any], problem: ProblemAt) -> tuple[ParamRef, ...]:
    default = repo_path(wdir, DEFAULT_PARAMS_FILE, problem, ("params",))
    refs: dict[str, list[str] | None] = {}
    for i, item in enumerate(items):
        if isinstance(item, str) and item:
            _add_keys(refs, default, [item])
        elif isinstance(item, dict) and item:
            for file, keys in item.items():
                at = ("params", i, str(file))
                if not isinstance(file, str):
                    raise problem(at, f"expected a params file path, got {_kind(file)}")
                rel = repo_path(wdir, file, problem, at)
                if keys is None or keys == []:
                    refs[rel] = None
                elif isinstance(keys, list) and all(isinstance(k, str) and k for k in keys):
                    _add_keys(refs, rel, keys)
                else:
                    raise problem(at, "expected a list of keys (or nothing, for the whole"
                                  " file)")
        else:
            raise problem(("params", i), f"expected a key of {DEFAULT_PARAMS_FILE} or a"
                          f" mapping of a params file to its keys, got {_kind(item)}")
    return tuple(ParamRef(f, tuple(k) if k is not None else None) for f, k in refs.items())


def _add_keys(refs: dict[str, list[str] | None], file: str, keys: list[str]) -> None:
    found = refs.setdefault(file, [])
    if found is not None:
        found.extend(k for k in keys if k not in found)


def repo_path(folder: str, path: Any, problem: ProblemAt, at: KeyPath,
              allow_root: bool = False) -> str:
    """`path` as written in a file in repo-relative `folder`, as a repo-relative path;
    never outside the repository."""
    if not isinstance(path, str) or not path:
        raise problem(at, f"expected a path, got {_kind(path)}")
    if path.startswith("/"):
        raise problem(at, f"absolute path '{path}' is not allowed",
                      "write paths relative to the mlgit.yaml's folder")
    if "://" in path:
        raise problem(at, f"'{path}' is a URL: stages read and write files in the repository",
                      "download it in a stage of its own, or track a copy with 'mlgit add'")
    joined = posixpath.normpath(posixpath.join(folder, path))
    if joined == "." and allow_root:
        return ""
    if joined == ".." or joined.startswith("../"):
        raise problem(at, f"path '{path}' is outside the repository",
                      "write paths that stay inside the repository")
    reserved = next((part for part in joined.split("/") if part in RESERVED), None)
    if reserved is not None:
        raise problem(at, f"path '{path}' enters {reserved}/, which mlgit never touches",
                      "name a file in the work tree")
    try:
        return check_relpath(joined, "path")
    except BadPath as exc:
        raise problem(at, exc.message.removeprefix("path: "),
                      exc.hint or "name a file in the work tree") from None
