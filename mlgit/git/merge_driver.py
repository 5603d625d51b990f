"""Registering mlgit's merge driver with Git: `merge.mlgit.*` in the repository's
.git/config (local, never committed: each clone registers it) and the `merge=mlgit`
attribute for pointer files and mlgit.lock in the top-level .gitattributes (committed, so
every clone uses it once registered), and Git's `merge=union` for .gitignore files."""

from __future__ import annotations

import os

from mlgit.fileio import read_text_or_empty, write_atomic
from mlgit.git.repository import _git

DRIVER_NAME = "mlgit"
# `--`: a path (%P) may start with '-' and must not be read as an option
DRIVER_COMMAND = "mlgit merge-driver -- %O %A %B %P"
DRIVER_LABEL = "mlgit pointer files and mlgit.lock"
ATTRIBUTE_LINES = ("*.mlgit merge=mlgit", "mlgit.lock merge=mlgit", ".gitignore merge=union")
"""Git's built-in union driver for .gitignore: two branches that each `mlgit add` in one
folder both append a line at its end, a conflict under the line merge; union keeps both."""


def register_merge_driver(root: str, command: str = DRIVER_COMMAND) -> list[str]:
    """Register the driver; what changed ("git config", ".gitattributes"), empty when it
    was registered already."""
    changed = []
    if _config(root, "driver") != command or _config(root, "name") != DRIVER_LABEL:
        _git(root, "config", "--local", f"merge.{DRIVER_NAME}.name", DRIVER_LABEL)
        _git(root, "config", "--local", f"merge.{DRIVER_NAME}.driver", command)
        changed.append("git config")
    path = os.path.join(root, ".gitattributes")
    text = read_text_or_empty(path)
    lines = text.splitlines()
    missing = [line for line in ATTRIBUTE_LINES if line not in lines]
    if missing:
        sep = "" if not text or text.endswith("\n") else "\n"
        write_atomic(path, (text + sep + "\n".join(missing) + "\n").encode())
        changed.append(".gitattributes")
    return changed


def unregister_merge_driver(root: str) -> list[str]:
    """Undo register_merge_driver; what changed."""
    changed = []
    if _config(root, "driver") is not None or _config(root, "name") is not None:
        _git(root, "config", "--local", "--remove-section", f"merge.{DRIVER_NAME}")
        changed.append("git config")
    path = os.path.join(root, ".gitattributes")
    text = read_text_or_empty(path)
    kept = [line for line in text.splitlines() if line not in ATTRIBUTE_LINES]
    if kept != text.splitlines():
        if kept:
            write_atomic(path, "".join(line + "\n" for line in kept).encode())
        else:  # it held only what register_merge_driver wrote
            os.unlink(path)
        changed.append(".gitattributes")
    return changed


def merge_driver_registered(root: str) -> bool:
    return _config(root, "driver") is not None and all(
        line in read_text_or_empty(os.path.join(root, ".gitattributes")).splitlines()
        for line in ATTRIBUTE_LINES)


def _config(root: str, key: str) -> str | None:
    out = _git(root, "config", "--local", "--get", f"merge.{DRIVER_NAME}.{key}", ok=(0, 1))
    return out.decode("utf-8", "replace").strip() or None
