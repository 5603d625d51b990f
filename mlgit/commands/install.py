"""mlgit install / uninstall: put mlgit's Git hooks where Git runs them, or take them out
(putting back any hook they replaced). mlgit/git/hooks.py does the file work."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass

from mlgit.errors import MlgitError, NotInitialized
from mlgit.git import hooks
from mlgit.git.exclude import exclude_temp_files
from mlgit.git.merge_driver import (
    DriverSetting,
    driver_setting,
    register_merge_driver,
    restore_driver_setting,
    unregister_merge_driver,
)
from mlgit.git.repository import find_root
from mlgit.repo import DOT_DIR

HOOK_CHOICES = hooks.HOOK_NAMES
"""What `--hook` takes. post-checkout brings post-rewrite with it: that is where the data
follows a rebase once it finishes."""


@dataclass
class HookChange:
    name: str
    outcome: str  # one of the outcomes in mlgit.git.hooks
    path: str


@dataclass
class Installed:
    folder: str
    changes: list[HookChange]
    merge_driver: list[str] | None = None  # what changed; None: not asked for
    shared_by: str | None = None  # the global config file whose core.hooksPath this is


def hook_names(chosen: list[str]) -> list[str]:
    """The hooks to install or remove: every one when none is chosen."""
    for name in chosen:
        if name not in HOOK_CHOICES:
            raise MlgitError(f"unknown hook {name!r}",
                             f"choose among {', '.join(HOOK_CHOICES)} (or leave --hook out"
                             " for all of them)")
    if not chosen:
        return list(hooks.HOOK_NAMES)
    names = set(chosen)
    if "post-checkout" in names:
        names.add("post-rewrite")
    return [n for n in hooks.HOOK_NAMES if n in names]


def install(chosen: list[str], cwd: str | None = None) -> Installed:
    """Install the chosen hooks; without a choice, all of them and the merge driver.
    Running it again changes nothing. All or nothing: when a step fails, what the steps
    before it wrote is put back, so the repository is left as it was."""
    names = hook_names(chosen)
    root = find_root(cwd)
    _refuse_without_mlgit(root)
    folder = hooks.hooks_dir(root)
    for name in names:  # refused: before any hook is written, so nothing is half-installed
        if (refused := hooks.install_refusal(folder, name)) is not None:
            raise refused
    done = Installed(folder, [])
    before = None
    if not chosen:  # everything: the merge driver for pointer files and mlgit.lock too
        before = driver_setting(root)
        done.merge_driver = register_merge_driver(root)  # all or nothing itself
    _each_hook(root, names, done, before, _install_hook, then=lambda: exclude_temp_files(root))
    done.shared_by = hooks.shared_hooks_config(root)
    return done


def _install_hook(folder: str, name: str) -> str:
    try:
        return hooks.install_hook(folder, name)
    except OSError as exc:
        raise MlgitError(f"{folder}/{name}: cannot install the hook"
                         f" ({(exc.strerror or str(exc)).lower()}); nothing was changed",
                         f"make {folder} and the hooks in it writable (ls -l, lsattr), then"
                         " run 'mlgit install' again") from None


def _each_hook(root: str, names: list[str], done: Installed, before: DriverSetting | None,
               change: Callable[[str, str], str], then: Callable[[], object] = lambda: None
               ) -> None:
    """`change` each hook of `names` (then `then`), noting it in `done`; if a step fails,
    put back what the steps before it wrote, merge driver included."""
    written: list[hooks.HookFiles] = []
    try:
        for name in names:
            written.append(hooks.hook_files(done.folder, name))
            done.changes.append(HookChange(name, change(done.folder, name),
                                           f"{done.folder}/{name}"))
        then()
    except BaseException:
        _undo(root, written, before if done.merge_driver else None)
        raise


def _undo(root: str, written: list[hooks.HookFiles], driver: DriverSetting | None) -> None:
    """Put back what a failed install wrote (best effort: the failure is what is reported)."""
    for files in reversed(written):
        with contextlib.suppress(OSError):
            hooks.restore_hook_files(files)
    if driver is not None:
        with contextlib.suppress(MlgitError, OSError):
            restore_driver_setting(root, driver)


def _refuse_without_mlgit(root: str) -> None:
    """Hooks and a merge driver for a repository without mlgit would only write files
    (.gitattributes) that a later `git add -A` commits for nothing."""
    if not os.path.isdir(os.path.join(root, DOT_DIR)):
        raise NotInitialized(f"{root}: mlgit is not initialised in this repository, so"
                             " 'mlgit install' does nothing here",
                             "run 'mlgit init' at the top of the repository first, then"
                             " 'mlgit install'")


def uninstall(chosen: list[str], cwd: str | None = None) -> Installed:
    """Remove the chosen mlgit hooks (all without a choice), putting back the hooks they
    replaced. All or nothing, as install."""
    names = hook_names(chosen)
    root = find_root(cwd)
    folder = hooks.hooks_dir(root)
    done = Installed(folder, [])
    before = None
    if not chosen:
        before = driver_setting(root)
        done.merge_driver = unregister_merge_driver(root)  # all or nothing itself
    _each_hook(root, names, done, before, _uninstall_hook)
    return done


def _uninstall_hook(folder: str, name: str) -> str:
    try:
        return hooks.uninstall_hook(folder, name)
    except OSError as exc:
        raise MlgitError(f"{folder}/{name}: cannot remove the hook"
                         f" ({(exc.strerror or str(exc)).lower()}); nothing was changed",
                         f"make {folder} and the hooks in it writable (ls -l, lsattr), then"
                         " run 'mlgit uninstall' again") from None
