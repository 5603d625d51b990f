"""Which local branches commit a file to Git at a path mlgit tracks here.

Git treats the artifacts mlgit lists in .gitignore as expendable: switching to such a branch
replaces the artifact with Git's file without a word, and Git runs no hook before a checkout.
So the warning has to come earlier, from `mlgit status`."""

from __future__ import annotations

from mlgit.git.repository import _git

MAX_BRANCHES = 200
"""Beyond this many local branches the check is skipped: one line per branch and path."""


def branches_tracking(root: str, rels: list[str]) -> dict[str, list[str]]:
    """For each rel path, the local branches (short names) other than the current one whose
    tip has a file or folder committed at that path (paths no branch commits are left out).
    Two git processes, whatever the number of paths."""
    if not rels:
        return {}
    listed = _git(root, "for-each-ref", "--format=%(HEAD)%(refname)", "refs/heads")
    refs = [line[1:] for line in listed.decode("utf-8", "replace").splitlines()
            if line.startswith(" ")]  # "*": the branch checked out
    if not refs or len(refs) > MAX_BRANCHES:
        return {}
    asked = [(ref, rel) for rel in rels for ref in refs]
    lines = "".join(f"{ref}:{rel}\n" for ref, rel in asked).encode()
    out = _git(root, "cat-file", "--batch-check=%(objecttype)", stdin=lines)
    found: dict[str, list[str]] = {}
    for (ref, rel), answer in zip(asked, out.decode("utf-8", "replace").splitlines(),
                                  strict=False):
        if answer in ("blob", "tree"):
            found.setdefault(rel, []).append(ref.removeprefix("refs/heads/"))
    return found
