"""What a status says of one artifact. A module of its own, without imports: a status that
the unchanged memo answers needs nothing else."""

from __future__ import annotations

UNCHANGED, MODIFIED, DELETED = "unchanged", "modified", "deleted"
DAMAGED = "damaged"
"""Edited in place through a hard or symbolic link into the cache: the cache object changed
too."""
TYPECHANGE = "typechange"
"""A folder stands where the tracked file belongs, or a file where the tracked folder does
(Git's word for the same change)."""
CHANGED = (MODIFIED, TYPECHANGE)
"""The states of data that differs from its pointer and is there to be added."""


class ArtifactStatus:
    """How one artifact differs from its pointer; paths inside a folder are listed."""

    __slots__ = ("added", "damaged", "deleted", "kind", "missing_objects", "modified", "path",
                 "state")

    def __init__(self, path: str, kind: str, state: str) -> None:
        self.path, self.kind, self.state = path, kind, state
        self.missing_objects = 0
        self.added: list[str] = []
        self.modified: list[str] = []
        self.deleted: list[str] = []
        self.damaged: list[str] = []  # files of a folder that are DAMAGED

    @property
    def in_cache(self) -> bool:
        return self.missing_objects == 0

    @property
    def clean(self) -> bool:
        return self.state == UNCHANGED and self.in_cache
