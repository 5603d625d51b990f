"""mlgit remote add/list/remove/default/modify: the remotes in the config files."""

from __future__ import annotations

import contextlib
import os
from typing import NamedTuple

from mlgit.errors import MlgitError
from mlgit.remote import schemes, settings
from mlgit.remote.urls import describe
from mlgit.repo import Repo


class RemoteRow(NamedTuple):
    name: str
    url: str  # safe to print: no credentials
    default: bool
    options: list[str]  # names only: values may be credentials
    local_options: list[str]
    error: str = ""


def add(repo: Repo, name: str, url: str, make_default: bool, force: bool) -> RemoteRow:
    url = _from_root(repo, url)
    _refuse_misplaced(repo, name, url, f"'mlgit remote add {name} PATH'")
    with repo.lock():
        spec = settings.add(repo.config, name, url, make_default, force)
    _create_local_folder(repo, spec.name)
    return _row(repo, spec.name)


def _create_local_folder(repo: Repo, name: str) -> None:
    """The folder of a local remote is created when the remote is added (inside a folder
    that exists): push, fetch and pull never create it, so that a mistyped or missing folder
    is reported rather than silently becoming a new, empty remote."""
    try:
        spec = settings.load(repo.config, name)
    except MlgitError:
        return  # still broken by hand (a step of its repair): the row says what is left
    if spec.scheme != "local":
        return
    folder = os.path.abspath(schemes.parse_url(spec.resolved_url(repo.root)).root)
    if os.path.isdir(os.path.dirname(folder)) and not os.path.lexists(folder):
        with contextlib.suppress(OSError):  # push says what is wrong with it
            os.mkdir(folder)


def _refuse_misplaced(repo: Repo, name: str, url: str, fix: str) -> None:
    from mlgit.remote.open import refuse_misplaced_folder

    schemes.parse_url(url)  # a bad URL is reported as such first
    spec = settings.RemoteSpec(name, url, {}, frozenset())
    refuse_misplaced_folder(repo, name, spec.resolved_url(repo.root), fix)


def _from_root(repo: Repo, url: str) -> str:
    """A relative local path as typed (relative to the current folder) made relative to the
    repository root, which is what the config stores; other URLs unchanged."""
    if schemes.parse_url(url).scheme != "local" or "://" in url or os.path.isabs(url) \
            or url.startswith("~"):
        return url
    return os.path.relpath(os.path.abspath(url), repo.root)


def list_remotes(repo: Repo) -> list[RemoteRow]:
    return [_row(repo, name) for name in settings.names(repo.config)]


def _row(repo: Repo, name: str) -> RemoteRow:
    default = settings.default_name(repo.config) == name
    try:
        spec = settings.load(repo.config, name)
    except MlgitError as exc:
        return RemoteRow(name, "", default, [], [], exc.message)
    return RemoteRow(name, describe(spec.url), default, sorted(spec.options),
                     sorted(k for k in spec.local_keys if k != "url"))


def remove(repo: Repo, name: str) -> None:
    with repo.lock():
        settings.remove(repo.config, name)


def default(repo: Repo, name: str | None) -> str | None:
    if name is None:
        return settings.default_name(repo.config)
    with repo.lock():
        settings.set_default(repo.config, name)
    return name


def modify(repo: Repo, name: str, key: str, value: str | None, local: bool) -> RemoteRow:
    if key == "url" and value is not None:
        value = _from_root(repo, value)
        _refuse_misplaced(repo, name, value, f"'mlgit remote modify {name} url PATH'")
    with repo.lock():
        settings.modify(repo.config, name, key, value, local)
    if key == "url" and value is not None:
        _create_local_folder(repo, name)
    return _row(repo, name)
