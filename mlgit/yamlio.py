"""YAML parsing/dumping with the C implementation when present."""

from __future__ import annotations

from typing import Any

import yaml

try:
    _Loader: Any = yaml.CSafeLoader
    _Dumper: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper

YAMLError = yaml.YAMLError


def load(text: str | bytes) -> Any:
    return yaml.load(text, Loader=_Loader)  # a safe loader (C or Python)


def dump(data: Any) -> str:
    out: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                         default_flow_style=False, width=1000)
    return out


def describe_error(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return str(problem)
