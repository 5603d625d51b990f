"""Registering mlgit's merge driver with Git: `merge.mlgit.*` in the repository's
.git/config (local, never committed: each clone registers it) and the `merge=mlgit`
attribute for pointer files and mlgit.lock in the top-level .gitattributes (committed, so
every clone uses it once registered), and Git's `merge=union` for .gitignore files."""

from __future__ import annotations

import contextlib
import os
from typing import NamedTuple

from mlgit.errors import MlgitError
from mlgit.fileio import read_text_or_empty, write_atomic
from mlgit.git.repository import _git

DRIVER_NAME = "mlgit"
# `--`: a path (%P) may start with '-' and must not be read as an option
DRIVER_COMMAND = "mlgit merge-driver -- %O %A %B %P"
DRIVER_LABEL = "mlgit pointer files and mlgit.lock"
ATTRIBUTE_LINES = ("*.mlgit merge=mlgit", "mlgit.lock merge=mlgit", ".gitignore merge=union")
"""Git's built-in union driver for .gitignore: two branches that each `mlgit add` in one
folder both append a line at its end, a conflict under the line merge; union keeps both."""


class DriverSetting(NamedTuple):
    """What register_merge_driver may change, as it is: the two config values and the bytes
    of the top-level .gitattributes (None: not set, no such file)."""

    name: str | None
    driver: str | None
    attributes: bytes | None


def driver_setting(root: str) -> DriverSetting:
    return DriverSetting(_config(root, "name"), _config(root, "driver"),
                         _read_or_none(os.path.join(root, ".gitattributes")))


def restore_driver_setting(root: str, before: DriverSetting) -> None:
    """Put back what register_merge_driver changed since `before` was read."""
    path = os.path.join(root, ".gitattributes")
    if _read_or_none(path) != before.attributes:
        if before.attributes is None:
            os.unlink(path)
        else:
            write_atomic(path, before.attributes)
    wanted = {"name": before.name, "driver": before.driver}
    if all(_config(root, key) == value for key, value in wanted.items()):
        return
    if before.name is None and before.driver is None and not _other_keys(root):
        _git(root, "config", "--local", "--remove-section", f"merge.{DRIVER_NAME}")
        return
    for key, value in wanted.items():
        if value is None:
            _git(root, "config", "--local", "--unset-all", f"merge.{DRIVER_NAME}.{key}",
                 ok=(0, 5))
        else:
            _git(root, "config", "--local", f"merge.{DRIVER_NAME}.{key}", value)


def register_merge_driver(root: str, command: str = DRIVER_COMMAND) -> list[str]:
    """Register the driver; what changed ("git config", ".gitattributes"), empty when it
    was registered already. All or nothing: when a part cannot be written, what was
    written before it is put back, and MlgitError says which part failed."""
    before = driver_setting(root)
    try:
        return _register(root, command)
    except BaseException:
        with contextlib.suppress(MlgitError, OSError):
            restore_driver_setting(root, before)
        raise


def _register(root: str, command: str) -> list[str]:
    changed = []
    if _config(root, "driver") != command or _config(root, "name") != DRIVER_LABEL:
        try:
            _git(root, "config", "--local", f"merge.{DRIVER_NAME}.name", DRIVER_LABEL)
            _git(root, "config", "--local", f"merge.{DRIVER_NAME}.driver", command)
        except MlgitError as exc:
            raise MlgitError(f"cannot register the merge driver in Git's config: {exc.message}",
                             "make the repository's Git config (.git/config) writable (ls -l,"
                             " lsattr), then run 'mlgit install' again") from None
        changed.append("git config")
    path = os.path.join(root, ".gitattributes")
    text = read_text_or_empty(path)
    lines = text.splitlines()
    missing = [line for line in ATTRIBUTE_LINES if line not in lines]
    if missing:
        sep = "" if not text or text.endswith("\n") else "\n"
        try:
            write_atomic(path, (text + sep + "\n".join(missing) + "\n").encode())
        except OSError as exc:
            raise MlgitError(f"{path}: cannot write the merge driver's attribute lines"
                             f" ({(exc.strerror or str(exc)).lower()})",
                             "make .gitattributes writable (ls -l, lsattr), then run"
                             " 'mlgit install' again") from None
        changed.append(".gitattributes")
    return changed


def unregister_merge_driver(root: str) -> list[str]:
    """Undo register_merge_driver; what changed. All or nothing, as register_merge_driver."""
    before = driver_setting(root)
    try:
        return _unregister(root)
    except BaseException:
        with contextlib.suppress(MlgitError, OSError):
            restore_driver_setting(root, before)
        raise


def _unregister(root: str) -> list[str]:
    changed = []
    if _config(root, "driver") is not None or _config(root, "name") is not None:
        try:
            _git(root, "config", "--local", "--remove-section", f"merge.{DRIVER_NAME}")
        except MlgitError as exc:
            raise MlgitError(f"cannot remove the merge driver from Git's config: {exc.message}",
                             "make the repository's Git config (.git/config) writable (ls -l,"
                             " lsattr), then run 'mlgit uninstall' again") from None
        changed.append("git config")
    path = os.path.join(root, ".gitattributes")
    text = read_text_or_empty(path)
    kept = [line for line in text.splitlines() if line not in ATTRIBUTE_LINES]
    if kept != text.splitlines():
        try:
            if kept:
                write_atomic(path, "".join(line + "\n" for line in kept).encode())
            else:  # it held only what register_merge_driver wrote
                os.unlink(path)
        except OSError as exc:
            raise MlgitError(f"{path}: cannot remove the merge driver's attribute lines"
                             f" ({(exc.strerror or str(exc)).lower()})",
                             "make .gitattributes writable (ls -l, lsattr), then run"
                             " 'mlgit uninstall' again") from None
        changed.append(".gitattributes")
    return changed


def merge_driver_registered(root: str) -> bool:
    return _config(root, "driver") is not None and all(
        line in read_text_or_empty(os.path.join(root, ".gitattributes")).splitlines()
        for line in ATTRIBUTE_LINES)


def _other_keys(root: str) -> bool:
    """Whether the merge driver's config section holds keys besides name and driver."""
    out = _git(root, "config", "--local", "--name-only", "--get-regexp",
               rf"^merge\.{DRIVER_NAME}\.", ok=(0, 1)).decode("utf-8", "replace")
    return any(k not in (f"merge.{DRIVER_NAME}.name", f"merge.{DRIVER_NAME}.driver")
               for k in out.split())


def _read_or_none(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def _config(root: str, key: str) -> str | None:
    out = _git(root, "config", "--local", "--get", f"merge.{DRIVER_NAME}.{key}", ok=(0, 1))
    return out.decode("utf-8", "replace").strip() or None
