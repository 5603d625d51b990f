"""The keys of a pipeline file beside `stages` (vars, params, metrics, plots, artifacts,
datasets), kept for the commands that show them, and the rule for stage names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlgit.pipeline.errors import KeyPath, Problem, kind_of
from mlgit.pipeline.interpolate import resolve
from mlgit.pipeline.schema import repo_path

TOP_KEYS = ("stages", "vars", "params", "metrics", "plots", "artifacts", "datasets")
_NOT_IN_NAMES = {"@": "it separates a generated stage from its group",
                 ":": "it separates a file from a stage, as in sub/mlgit.yaml:train",
                 "/": "stage names are not paths"}


def check_name(name: Any) -> str:
    """A stage name as written under `stages`, or a Problem saying why it cannot be one."""
    path: KeyPath = ("stages", str(name))
    if not isinstance(name, str) or not name.strip():
        raise Problem(path, f"a stage name must be a word, not {kind_of(name)}",
                      "name the stage with letters, digits, '_' and '-'")
    for char, why in _NOT_IN_NAMES.items():
        if char in name:
            raise Problem(path, f"the stage name '{name}' contains '{char}': {why}",
                          "name the stage with letters, digits, '_' and '-'")
    if not name.isprintable():
        raise Problem(path, f"the stage name {name!r} contains a control character",
                      "name the stage with letters, digits, '_' and '-'")
    return name


def _problem(at: KeyPath, message: str, hint: str = "") -> Problem:
    return Problem(at, message, hint)


def top_level(data: Mapping[str, Any], values: Mapping[str, Any], folder: str
              ) -> dict[str, Any]:
    """The top-level keys other than `stages`, checked; `${...}` resolved (not in vars);
    the paths of `params` and `metrics` made repo-relative."""
    kept: dict[str, Any] = {}
    if data.get("vars") is not None:
        kept["vars"] = data["vars"]
    for key in ("params", "metrics"):
        items = _list(resolve(data.get(key), values, (key,)), key)
        if items is not None:
            kept[key] = [repo_path(folder, p, _problem, (key, i)) for i, p in enumerate(items)]
    plots = _list(resolve(data.get("plots"), values, ("plots",)), "plots")
    if plots is not None:
        for i, plot in enumerate(plots):
            if not isinstance(plot, (str, dict)) or (isinstance(plot, dict) and len(plot) != 1):
                raise Problem(("plots", i), "expected a path, or one plot ID with its options")
        kept["plots"] = plots
    artifacts = resolve(data.get("artifacts"), values, ("artifacts",))
    if artifacts is not None:
        kept["artifacts"] = _artifacts(artifacts)
    datasets = _list(resolve(data.get("datasets"), values, ("datasets",)), "datasets")
    if datasets is not None:
        kept["datasets"] = datasets
    return kept


def _list(value: Any, key: str) -> list[Any] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise Problem((key,), f"expected a list, got {kind_of(value)}")
    return value


def _artifacts(artifacts: Any) -> dict[str, Any]:
    if not isinstance(artifacts, dict):
        raise Problem(("artifacts",), f"expected a mapping of names to artifacts, got"
                      f" {kind_of(artifacts)}")
    for name, spec in artifacts.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
            raise Problem(("artifacts", str(name)), "an artifact needs a 'path'",
                          "write path: the file it names")
    return artifacts
