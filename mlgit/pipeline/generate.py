"""`foreach`/`do` and `matrix`: one stage definition that generates several, named as DVC
names them (`NAME@KEY`). Plain stages pass through as one entry."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mlgit.pipeline.errors import KeyPath, Problem, dotted, kind_of
from mlgit.pipeline.interpolate import as_text, resolve

GROUP_KEYS = ("foreach", "do", "matrix")
JOIN = "@"


@dataclass
class Entry:
    """One stage to build: its name, its definition (still with `${...}`), where that
    definition is in the document, and the `item`/`key` values of a generated stage."""

    name: str
    body: dict[str, Any]
    path: KeyPath
    extra: dict[str, Any] = field(default_factory=dict)

    def shown(self, path: KeyPath) -> str:
        """How a message names `path` (a path in the document): with this stage's name."""
        return dotted(("stages", self.name, *path[len(self.path):]))


def entries(name: str, body: Any, values: Mapping[str, Any]) -> Iterator[Entry]:
    path: KeyPath = ("stages", name)
    if not isinstance(body, dict):
        raise Problem(path, f"expected a stage (a mapping with a 'cmd'), got {kind_of(body)}",
                      "write the stage's keys under its name")
    if "matrix" in body:
        yield from _matrix(name, body, path, values)
    elif "foreach" in body or "do" in body:
        yield from _foreach(name, body, path, values)
    else:
        yield Entry(name, body, path)


def _foreach(name: str, body: dict[str, Any], path: KeyPath,
             values: Mapping[str, Any]) -> Iterator[Entry]:
    for key in body:
        if key not in ("foreach", "do"):
            raise Problem((*path, str(key)), f"'{key}' cannot be beside foreach/do",
                          "put the stage's keys under 'do'")
    if "do" not in body or "foreach" not in body:
        missing = "do" if "foreach" in body else "foreach"
        raise Problem(path, f"'foreach' and 'do' go together: '{missing}' is missing",
                      "write foreach: (a list or mapping) and do: (the stage)")
    template = body["do"]
    if not isinstance(template, dict):
        raise Problem((*path, "do"), f"expected a stage, got {kind_of(template)}",
                      "write the stage's keys under 'do'")
    items = resolve(body["foreach"], values, (*path, "foreach"))
    where = (*path, "do")
    seen: set[str] = set()
    for key, extra in _foreach_items(items, (*path, "foreach")):
        _unique(key, seen, name, (*path, "foreach"))
        yield Entry(f"{name}{JOIN}{key}", template, where, extra)


def _foreach_items(items: Any, path: KeyPath) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(items, dict):
        for key, item in items.items():
            yield _key_text(key), {"item": item, "key": _key_text(key)}
    elif isinstance(items, list):
        composite = any(isinstance(i, (dict, list)) for i in items)
        for i, item in enumerate(items):
            if item is None:
                raise Problem((*path, i), "an item of foreach is null",
                              "give every item a value")
            yield (str(i) if composite else _key_text(item)), {"item": item}
    else:
        raise Problem(path, f"foreach needs a list or a mapping, got {kind_of(items)}",
                      "write a list, a mapping, or ${name} of one in params.yaml or vars")


def _matrix(name: str, body: dict[str, Any], path: KeyPath,
            values: Mapping[str, Any]) -> Iterator[Entry]:
    for key in ("foreach", "do"):
        if key in body:
            raise Problem((*path, key), f"'{key}' cannot be used with 'matrix'",
                          "use either matrix (with the stage's keys beside it) or foreach/do")
    matrix = resolve(body["matrix"], values, (*path, "matrix"))
    if not isinstance(matrix, dict) or not matrix:
        raise Problem((*path, "matrix"), f"expected a mapping of names to lists, got"
                      f" {kind_of(matrix) if matrix != {} else 'an empty mapping'}",
                      "write matrix: {name: [value, ...], ...}")
    for key, options in matrix.items():
        if not isinstance(options, list):
            raise Problem((*path, "matrix", str(key)), f"expected a list, got"
                          f" {kind_of(options)}", "list the values to combine")
    template = {k: v for k, v in body.items() if k != "matrix"}
    seen: set[str] = set()
    for combination in itertools.product(*(enumerate(v) for v in matrix.values())):
        item = {str(k): v for k, (_, v) in zip(matrix, combination, strict=True)}
        key = "-".join(f"{k}{i}" if isinstance(v, (dict, list)) else _key_text(v)
                       for k, (i, v) in zip(matrix, combination, strict=True))
        _unique(key, seen, name, (*path, "matrix"))
        yield Entry(f"{name}{JOIN}{key}", template, path, {"item": item, "key": key})


def _key_text(value: Any) -> str:
    return as_text("item", value)


def _unique(key: str, seen: set[str], name: str, path: KeyPath) -> None:
    if key in seen:
        raise Problem(path, f"two items generate the stage name '{name}{JOIN}{key}'",
                      "make the items (or their keys) distinct")
    seen.add(key)
