"""Why an object was not transferred: a kind the renderer can switch on, and the line shown
to the user."""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

from mlgit.errors import MlgitError


class FailureKind(Enum):
    """Each kind's value is the line shown when a failure gives no detail of its own."""

    NOT_IN_CACHE = "not in the cache"
    SET_ASIDE = "corrupt in the cache; set aside"
    CACHE_DAMAGED = "damaged in the cache"
    NOT_ON_REMOTE = "not on the remote"
    REMOTE_CORRUPT = "the remote's copy is corrupt; it was not stored"
    NOT_SENT = "not transferred: the remote stopped answering"
    BROKEN_POINTER = "the pointer file cannot be used"
    BAD_REMOTE_INDEX = "damaged pack index on the remote; ignored"
    DAMAGED_CACHE_INDEX = ("damaged pack index in the cache: the objects it lists cannot be"
                           " found")
    ERROR = "failed"


class Failure(NamedTuple):
    path: str
    oid: str
    kind: FailureKind
    detail: str = ""  # the line shown, when it says more than the kind
    hint: str = ""  # what to do, when retrying the command is not it (a broken pointer)

    @property
    def reason(self) -> str:
        return self.detail or self.kind.value


def pointer_failure(pointer_rel: str, error: MlgitError, oid: str = "") -> Failure:
    """The failure for a pointer file that cannot be used (`error` names it first)."""
    return Failure(pointer_rel, oid, FailureKind.BROKEN_POINTER,
                   error.message.removeprefix(f"{pointer_rel}: "), error.hint)


class ObjectFailed(MlgitError):
    """One object's transfer failed for a known reason (its Failure's kind)."""

    def __init__(self, kind: FailureKind, message: str = "") -> None:
        super().__init__(message or kind.value)
        self.kind = kind

