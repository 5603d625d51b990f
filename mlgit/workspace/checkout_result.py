"""What a checkout did to one artifact, and the failure reasons the command line explains."""

from __future__ import annotations

from typing import NamedTuple

NOT_IN_CACHE = "object not in the cache"
MANIFEST_NOT_IN_CACHE = "directory manifest is not in the cache"
CORRUPT = "is corrupt (its bytes do not match its hash)"
"""The reasons of failures that a missing or corrupt cache object caused (the checkout
renderer in cli/ picks the hint by them)."""


class CheckoutResult:
    """What happened to one artifact. Paths are repo-relative."""

    __slots__ = ("cause", "conflicts", "failed", "hints", "path", "removed", "restored",
                 "stage_output", "unchanged")

    def __init__(self, path: str) -> None:
        self.path = path
        self.restored: list[str] = []
        self.removed: list[str] = []
        self.unchanged = 0
        self.conflicts: list[str] = []
        self.failed: list[tuple[str, str]] = []
        self.hints: list[str] = []  # what to do about failures that have their own fix
        self.cause = ""  # why objects are not in the cache, when known (a damaged index)
        self.stage_output = False  # an output mlgit.lock records, not a pointer's artifact

    @property
    def ok(self) -> bool:
        return not self.conflicts and not self.failed


class Place(NamedTuple):
    """A file checkout puts in the work tree."""

    rel: str
    oid: str
    size: int
    exec: bool


NOT_CACHED = (NOT_IN_CACHE, MANIFEST_NOT_IN_CACHE)
"""The failures a damaged pack index in the cache explains (see blame_damaged_indexes)."""
