"""Exceptions that carry a one-line message and a hint for the user.

cli/main.py maps them to exit codes (docs/exit-codes.md): every MlgitError is exit 1.
"""

from __future__ import annotations


class MlgitError(Exception):
    """An expected failure: a message saying what is wrong and a hint saying what to do."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class NotAGitRepo(MlgitError):
    pass


class NotInitialized(MlgitError):
    pass


class BadPath(MlgitError):
    """A user path, or a path read from a file, that mlgit refuses to touch."""


class BadPointer(MlgitError):
    """A pointer file that cannot be read."""


class BadManifest(MlgitError):
    """A directory manifest object that is malformed or unsafe."""


class ConfigError(MlgitError):
    pass


class LockBusy(MlgitError):
    pass


class PartialFailure(MlgitError):
    """Some items failed; the others were done. Details were already reported per item."""


class DiskFull(MlgitError):
    """No space (or quota) left on a disk mlgit writes to. What was being written was
    removed; nothing is half-written."""


def describe_error(exc: BaseException) -> str:
    """One line about an exception, for a user."""
    if isinstance(exc, MlgitError):
        return exc.message
    text = " ".join(str(exc).split())
    if len(text) > 200:
        text = text[:197] + "..."
    name = type(exc).__name__
    return f"{name}: {text}" if text else name
