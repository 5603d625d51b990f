"""mlgit config: read or set a setting."""

from __future__ import annotations

import os
import shlex
from typing import Any

from mlgit.config import KEYS
from mlgit.errors import ConfigError
from mlgit.git import repository
from mlgit.lock import repo_lock
from mlgit.progress import Warn, ignore_warning
from mlgit.repo import Repo


def open_repo(key: str = "", warn: Warn = ignore_warning) -> Repo:
    """The repository, even when a setting in it is invalid: Repo.find refuses to go on with
    a broken setting, but `mlgit config` is how one gets fixed. An unknown `key` in the files
    is not warned about: asking for it is an error."""
    try:
        return Repo.find(asking=key, warn=warn)
    except ConfigError:
        return Repo(repository.find_root(), warn)


def get(repo: Repo, key: str) -> Any:
    return repo.config.get(key)


def set_value(repo: Repo, key: str, value: str, local: bool) -> Any:
    if key == "cache.dir":
        _check_cache_dir(repo, value, local)
    with repo_lock(os.path.join(repo.tmp_dir, "lock"), _lock_timeout(repo)):
        if key == "core.remote":
            _check_remote(repo, value)
        return repo.config.set(key, value, local)


def _check_remote(repo: Repo, name: str) -> None:
    """The default remote must exist, as for `mlgit remote default NAME`."""
    from mlgit.remote import settings
    if name not in settings.names(repo.config):
        settings.load(repo.config, name)  # raises: no remote named NAME, and the list


HARDLINK_WARNING = ("with cache.link hardlink, a workspace file is its cache object: editing one"
                    " in place (the read-only bit does not stop root) damages the cache and"
                    " loses the original; run 'mlgit unprotect PATH' before editing")
SYMLINK_WARNING = ("with cache.link symlink, a workspace file is a link to its cache object:"
                   " editing one in place (the read-only bit does not stop root) damages the"
                   " cache and loses the original; run 'mlgit unprotect PATH' before editing")


def warnings_for(key: str, value: Any) -> list[str]:
    """What a user setting `key` to `value` should know."""
    if key == "cache.link" and "hardlink" in value:
        return [HARDLINK_WARNING]
    if key == "cache.link" and "symlink" in value:
        return [SYMLINK_WARNING]
    return []


def _lock_timeout(repo: Repo) -> float:
    try:
        timeout: float = repo.config.get("core.lock_timeout")
    except ConfigError:  # perhaps the very value being fixed
        timeout = KEYS["core.lock_timeout"].default
    return timeout



def _check_cache_dir(repo: Repo, value: str, local: bool) -> None:
    """cache.dir must name an existing folder; in a linked worktree the committed setting
    comes from the main worktree, so only --local changes this worktree's cache."""
    if not local and repository.main_worktree(repo.root) is not None:
        raise ConfigError("cache.dir: in a linked Git worktree the cache is the main"
                          " worktree's (set by its settings)",
                          "set it in the main worktree, or use --local to give this worktree"
                          " a cache of its own")
    if not value.strip():
        return  # the key's own check says what is wrong
    path = os.path.normpath(os.path.join(repo.root, os.path.expanduser(value)))
    if not os.path.isdir(path):
        raise ConfigError(f"cache.dir: {path} is not an existing folder",
                          f"create it first (mkdir -p {shlex.quote(path)}); a relative path"
                          " is taken from the top of the repository")
