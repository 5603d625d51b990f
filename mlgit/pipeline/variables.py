"""The values `${...}` reads: params.yaml of the file's folder, then the `vars` list (files,
`file:key1,key2`, inline mappings), then a stage's own `vars`; merged as DVC merges them
(mappings merge key by key; a value defined twice is an error naming both sources)."""

from __future__ import annotations

import copy
import json
import os
import posixpath
from dataclasses import dataclass, field
from typing import Any

from mlgit.pipeline.errors import KeyPath, Problem
from mlgit.pipeline.interpolate import EXPRESSION
from mlgit.pipeline.memo import Stamp, read_stamped
from mlgit.pipeline.model import DEFAULT_PARAMS_FILE

_FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}


@dataclass
class Values:
    """The values of one scope and where each top-level key came from."""

    data: dict[str, Any] = field(default_factory=dict)
    sources: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    loaded: dict[str, set[str] | None] = field(default_factory=dict)
    # the stamp of every file read (None: looked for, not found), shared with child scopes
    stamps: dict[str, Stamp | None] = field(default_factory=dict)

    def child(self) -> Values:
        """A copy to add a stage's own vars to, leaving this scope as it is."""
        return Values(copy.deepcopy(self.data), list(self.sources),
                      {k: (set(v) if v is not None else None) for k, v in self.loaded.items()},
                      self.stamps)


def file_values(root: str, folder: str, items: Any, path: KeyPath,
                stamps: dict[str, Stamp | None]) -> Values:
    """The values of a pipeline file in `folder`: its params.yaml (when there is one) and its
    top-level `vars` (`items`, at `path` in the document). The stamps of the files read (and
    of a params.yaml looked for and not found) go into `stamps`."""
    values = Values(stamps=stamps)
    default = posixpath.join(folder, DEFAULT_PARAMS_FILE) if folder else DEFAULT_PARAMS_FILE
    if os.path.isfile(os.path.join(root, default)):
        _load_file(values, root, default, None, DEFAULT_PARAMS_FILE, ())  # not from vars
    else:
        values.stamps[default] = None
    add_vars(values, root, folder, items, path)
    return values


def add_vars(values: Values, root: str, folder: str, items: Any, path: KeyPath) -> None:
    """Merge a `vars` list (at `path`; files relative to repo-relative `folder`)."""
    if items is None:
        return
    if not isinstance(items, list):
        raise Problem(path, "expected a list of file names and mappings",
                      "write vars as a list: '- params.json' or '- name: value'")
    for i, item in enumerate(items):
        where = (*path, i)
        _no_expressions(item, where)
        if isinstance(item, str):
            file, _, keys = item.partition(":")
            rel = _vars_path(folder, file, where)
            wanted = [k.strip() for k in keys.split(",") if k.strip()] if keys else None
            _load_file(values, root, rel, wanted, item, where)
        elif isinstance(item, dict):
            _merge(values, {str(k): v for k, v in item.items()}, f"vars[{i}]", where)
        else:
            raise Problem(where, "expected a file name or a mapping",
                          "write '- params.json', '- params.json:key' or '- name: value'")


def _no_expressions(item: Any, where: KeyPath) -> None:
    text = json.dumps(item, default=str)
    if EXPRESSION.search(text):
        raise Problem(where, "${...} cannot be used in vars", "write the value itself")


def _vars_path(folder: str, file: str, where: KeyPath) -> str:
    if not file or file.startswith("/"):
        raise Problem(where, f"'{file}': expected a file path relative to the mlgit.yaml's"
                      " folder", "write a relative path")
    rel = posixpath.normpath(posixpath.join(folder, file))
    if rel == ".." or rel.startswith("../"):
        raise Problem(where, f"path '{file}' is outside the repository")
    return rel


def _load_file(values: Values, root: str, rel: str, keys: list[str] | None, shown: str,
               where: KeyPath) -> None:
    done = values.loaded.get(rel, set())
    if done is None and keys is None:
        return  # the whole file is there already
    data = read_mapping(root, rel, where, values.stamps)
    missing = [k for k in keys or () if k not in data]
    if missing:  # even when the whole file is loaded already: a typo is still a typo
        raise Problem(where, f"'{missing[0]}' is not a key of {rel}"
                      f" (keys: {', '.join(list(data)[:20]) or 'none'})", "fix the key")
    if done is None:
        return
    if keys is None:
        wanted = {k: v for k, v in data.items() if k not in done}
        values.loaded[rel] = None
    else:
        wanted = {k: data[k] for k in keys if k not in done}
        values.loaded[rel] = done | set(keys)
    _merge(values, wanted, rel, where)


def read_mapping(root: str, rel: str, where: KeyPath,
                 stamps: dict[str, Stamp | None]) -> dict[str, Any]:
    """The top-level mapping of a YAML, JSON or TOML file (repo-relative `rel`); its stamp
    goes into `stamps`."""
    fmt = _FORMATS.get(posixpath.splitext(rel)[1].lower())
    if fmt is None:
        raise Problem(where, f"{rel}: cannot read values from this kind of file",
                      "use a YAML (.yaml, .yml), JSON (.json) or TOML (.toml) file")
    try:
        text, stamps[rel] = read_stamped(os.path.join(root, rel))
    except FileNotFoundError:
        raise Problem(where, f"{rel}: no such file", "create it, or fix the path") from None
    except IsADirectoryError:
        raise Problem(where, f"{rel}: is a folder, not a file", "fix the path") from None
    data = _parse(text, fmt, rel, where)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise Problem(where, f"{rel}: expected a mapping at the top of the file",
                      "write the values as 'name: value' pairs")
    return {str(k): v for k, v in data.items()}


def _parse(text: bytes, fmt: str, rel: str, where: KeyPath) -> Any:
    from mlgit.errors import MlgitError
    from mlgit.pipeline import yamlsource

    try:
        if fmt == "yaml":
            return yamlsource.load(text, rel)
        if fmt == "json":
            return json.loads(text)
        import tomllib

        return tomllib.loads(text.decode("utf-8"))
    except MlgitError as exc:
        raise Problem(where, exc.message, exc.hint) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(where, f"{rel}: invalid {fmt.upper()}: {exc}",
                      "fix the file's syntax") from None


def _merge(values: Values, new: dict[str, Any], source: str, where: KeyPath) -> None:
    _merge_into(values.data, new, "", source, values, where)
    values.sources.append((source, new))


def _merge_into(into: dict[str, Any], new: dict[str, Any], prefix: str, source: str,
                values: Values, where: KeyPath) -> None:
    for key, value in new.items():
        name = f"{prefix}{key}"
        if key not in into:
            into[key] = copy.deepcopy(value) if isinstance(value, (dict, list)) else value
        elif isinstance(into[key], dict) and isinstance(value, dict):
            into[key] = dict(into[key])
            _merge_into(into[key], value, name + ".", source, values, where)
        else:
            first = _defined_in(values, name)
            raise Problem(where, f"'{name}' is defined twice: in {first} and in {source}",
                          "keep one definition (vars may add keys to a mapping, not"
                          " redefine a value)")


def _defined_in(values: Values, name: str) -> str:
    for source, data in values.sources:
        node: Any = data
        for part in name.split("."):
            if not isinstance(node, dict) or part not in node:
                break
            node = node[part]
        else:
            return source
    return "an earlier source"
