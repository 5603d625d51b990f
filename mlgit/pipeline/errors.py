"""The errors of reading pipeline files.

`PipelineError` is what the user sees: one line naming the file, the line number, the stage and
the key. `Problem` is raised inside the loader, which knows only where in the document the
problem is (a key path such as ("stages", "train", "deps", 2)); the loader turns it into a
PipelineError once it has looked the line up."""

from __future__ import annotations

from typing import Any

from mlgit.errors import MlgitError

KeyPath = tuple[str | int, ...]


class PipelineError(MlgitError):
    """A pipeline file that cannot be used as written; the message names file, stage, key."""


class Problem(Exception):
    """A problem at `path` in the document (the raw YAML, for the line number); `shown` is
    how the message names the place (a generated stage's name instead of its template's)."""

    def __init__(self, path: KeyPath, message: str, hint: str = "",
                 shown: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.hint = hint
        self.shown = shown if shown is not None else dotted(path)


def dotted(path: KeyPath) -> str:
    """("stages", "train", "deps", 2) as "stages.train.deps[2]"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def kind_of(value: Any) -> str:
    """What a YAML value is, for a message ("a mapping", "a number", "'text'")."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return f"'{value}'" if isinstance(value, str) else type(value).__name__
