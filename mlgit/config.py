"""`.mlgit/config.yaml` (committed) and `.mlgit/config.local.yaml` (per machine, git-ignored).

Keys are dotted (`cache.link`). Every known key has a parser; errors name the file and key.
Only known keys can be read or set. Setting a key rewrites the whole file: the comment lines
at its top are kept (or a standard header written), other comments are not.
"""

from __future__ import annotations

import contextlib
import marshal
import math
import os
from collections import namedtuple
from collections.abc import Callable

from mlgit import yamlio
from mlgit.errors import ConfigError
from mlgit.fileio import write_atomic
from mlgit.hashing import hash_bytes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NamedTuple

CONFIG_FILE = "config.yaml"
LOCAL_CONFIG_FILE = "config.local.yaml"
LINK_TYPES = ("reflink", "hardlink", "symlink", "copy")
HEADERS = {
    CONFIG_FILE: "# mlgit settings (committed). Per-machine settings: config.local.yaml.\n",
    LOCAL_CONFIG_FILE: "# mlgit settings for this machine only (not committed);"
                       " they override config.yaml.\n",
}


def _parse_links(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ValueError("expected a comma-separated list of " + ", ".join(LINK_TYPES))
    links = [str(i).strip() for i in items]
    bad = [x for x in links if x not in LINK_TYPES]
    if bad:
        raise ValueError(f"unknown link type {bad[0]!r} (choose from {', '.join(LINK_TYPES)})")
    return links


def _parse_seconds(value: Any) -> float:
    number = math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"expected a number of seconds, got {value!r}")
    if number < 0:
        raise ValueError("must not be negative")
    return number


REMOTE_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"


def parse_remote_name(value: Any) -> str:
    import re

    if not isinstance(value, str) or not re.fullmatch(REMOTE_NAME_PATTERN, value):
        raise ValueError(f"{value!r} is not a remote name (letters, digits, '.', '-', '_';"
                         " at most 64)")
    return value


def _parse_jobs(value: Any) -> int:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected a whole number, got {value!r}")
    if value < 1:
        raise ValueError("must be at least 1")
    return value


STALE_STAGE_POLICIES = ("warn", "error")


def _parse_stale_policy(value: Any) -> str:
    if value not in STALE_STAGE_POLICIES:
        raise ValueError(f"expected warn or error, got {value!r}")
    return str(value)


def _parse_folder(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a folder path, got {value!r}")
    if "\0" in value or "\n" in value:
        raise ValueError("a folder path cannot contain a NUL or newline character")
    return value


if TYPE_CHECKING:
    class Key(NamedTuple):
        parse: Callable[[Any], Any]
        default: Any
        help: str
        takes: str  # the values it accepts, with an example: "KEY takes ..."
else:  # the same, without importing typing at run time (~2 ms of every command)
    Key = namedtuple("Key", "parse default help takes")


KEYS: dict[str, Key] = {
    "cache.link": Key(_parse_links, ["reflink", "copy"],
                      "link types to try in order when placing cached files in the workspace",
                      "a comma-separated list of " + ", ".join(LINK_TYPES)
                      + ", e.g. hardlink,copy"),
    "cache.dir": Key(_parse_folder, None,
                     "the folder of the object store (default: .mlgit/cache; in a linked Git"
                     " worktree, the main worktree's cache)",
                     "a folder path, absolute or relative to the repository root, e.g."
                     " /data/mlgit-cache or ../shared-cache"),
    "cache.chunk_threshold": Key(_parse_jobs, 64 * 1024 * 1024,
                                 "content this many bytes or larger is stored as chunks"
                                 " (default: 64 MiB)",
                                 "a whole number of bytes, 1 or more, e.g. 67108864"),
    "core.lock_timeout": Key(_parse_seconds, 5.0,
                             "seconds a command waits for another mlgit command to finish",
                             "a number of seconds, 0 or more, e.g. 5 or 0.5"),
    "core.jobs": Key(_parse_jobs, min(4, os.cpu_count() or 1),
                     "threads for hashing and file creation (default: CPUs, at most 4)",
                     "a whole number, 1 or more, e.g. 4"),
    "core.remote": Key(parse_remote_name, None,
                       "the remote push, fetch and pull use when none is named",
                       "a remote name, e.g. origin (see 'mlgit remote list')"),
    "hooks.pre_commit.stale_stages": Key(
        _parse_stale_policy, "warn",
        "what the pre-commit hook does about stale pipeline stages: warn, or error to"
        " refuse the commit", "warn or error"),
}


class Config:
    def __init__(self, dot_dir: str) -> None:
        self.dot_dir = dot_dir
        self._layers = {name: self._load(name) for name in (CONFIG_FILE, LOCAL_CONFIG_FILE)}

    def _load(self, name: str) -> dict[str, Any]:
        path = os.path.join(self.dot_dir, name)
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            return {}
        except IsADirectoryError:
            raise ConfigError(f".mlgit/{name}: is a folder, not a file",
                              _folder_hint(name)) from None
        try:
            data = _memoised_yaml(raw, os.path.join(self.dot_dir, "tmp", f"memo-{name}"))
        except yamlio.YAMLError as exc:
            _check_merge_conflict(raw, name)
            raise ConfigError(f".mlgit/{name}: invalid YAML ({yamlio.describe_error(exc)})",
                              f"fix or delete .mlgit/{name}") from None
        if not isinstance(data, dict):
            _check_merge_conflict(raw, name)
            raise ConfigError(f".mlgit/{name}: expected a mapping of settings",
                              f"fix or delete .mlgit/{name}")
        return data

    def get(self, key: str) -> Any:
        spec = _known(key)
        for name in (LOCAL_CONFIG_FILE, CONFIG_FILE):
            found, value = _lookup(self._layers[name], key)
            if found:
                try:
                    return spec.parse(value)
                except (ValueError, TypeError) as exc:
                    local = "--local " if name == LOCAL_CONFIG_FILE else ""
                    raise ConfigError(f".mlgit/{name}: {key}: {exc}",
                                      f"fix it with 'mlgit config {local}{key} VALUE'"
                                      f" ({spec.takes}), or edit .mlgit/{name}") from None
        return spec.default

    def source(self, key: str) -> str | None:
        """The file that sets `key` (config.local.yaml wins), or None for the default."""
        _known(key)
        for name in (LOCAL_CONFIG_FILE, CONFIG_FILE):
            if _lookup(self._layers[name], key)[0]:
                return name
        return None

    def set(self, key: str, raw_value: str, local: bool) -> Any:
        spec = _known(key)
        try:
            value = spec.parse(raw_value)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{key}: {exc}", f"{key} takes {spec.takes}") from None
        _store(self.layer(local), key, value)
        self.save(local)
        return value

    def unknown_keys(self) -> list[tuple[str, str]]:
        """(file name, dotted key) of every setting in the files that no command reads.
        The `remote` section is the remotes' (see remote_config)."""
        found = []
        for name, data in self._layers.items():
            found += [(name, key) for key in _unknown_under(data, "")]
        return found

    def layer(self, local: bool) -> dict[str, Any]:
        """The raw settings of one file (config.local.yaml if `local`), for edits + save."""
        return self._layers[LOCAL_CONFIG_FILE if local else CONFIG_FILE]

    def save(self, local: bool) -> None:
        """Rewrite one file from its (edited) layer. The local file may hold credentials:
        only its owner can read it."""
        name = LOCAL_CONFIG_FILE if local else CONFIG_FILE
        data = self._layers[name]
        path = os.path.join(self.dot_dir, name)
        body = yamlio.dump(data) if data else ""
        text = (_leading_comments(path) or HEADERS[name]) + body
        write_atomic(path, text.encode("utf-8"), 0o600 if local else 0o644)


def _unknown_under(data: dict[Any, Any], prefix: str) -> list[str]:
    """The dotted keys in `data` (a section at `prefix`) that name no setting, at any
    depth: `hooks.pre_commit.stale_stages` is three levels down."""
    unknown = []
    for sub, value in data.items():
        key = f"{prefix}{sub}"
        if key in KEYS or key == "remote":
            continue
        if isinstance(value, dict) and any(k.startswith(key + ".") for k in KEYS):
            unknown += _unknown_under(value, key + ".")
        else:
            unknown.append(key)
    return unknown


def _known(key: str) -> Key:
    spec = KEYS.get(key)
    if spec is None:
        raise ConfigError(f"unknown config key {key!r}", _known_hint())
    return spec


def _leading_comments(path: str) -> str:
    """The comment lines (and blank lines between them) at the top of a config file."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    head: list[str] = []
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#"):
            break
        head.append(line)
    while head and not head[-1].strip():
        head.pop()
    return "".join(line + "\n" for line in head)


def _check_merge_conflict(raw: bytes, name: str) -> None:
    """A settings file that Git could not merge holds both sides between conflict markers
    (say, two branches that each added a remote)."""
    from mlgit.pointer import has_conflict_markers

    if has_conflict_markers(raw):
        raise ConfigError(f"merge conflict in .mlgit/{name}",
                          f"edit .mlgit/{name}: keep the remotes and settings of both sides,"
                          " one value for each setting (one core.remote), and no conflict"
                          f" marker lines, then run 'git add .mlgit/{name}'")


def _memoised_yaml(raw: bytes, memo: str) -> Any:
    """Parse a config file, memoised by content hash: PyYAML's import alone costs more than
    the rest of a no-op status."""
    if not any(line.strip() and not line.lstrip().startswith(b"#")
               for line in raw.splitlines()):
        return {}
    digest = hash_bytes(raw)
    try:
        with open(memo, "rb") as f:
            key, data = marshal.loads(f.read())
        if key == digest:
            return data
    except (OSError, ValueError, EOFError, TypeError):
        pass
    data = yamlio.load(raw) or {}
    try:
        blob = marshal.dumps((digest, data))
        os.makedirs(os.path.dirname(memo), exist_ok=True)
        write_atomic(memo, blob)
    except (OSError, ValueError):
        pass  # not marshallable (e.g. a YAML date) or not writable: just parse next time
    return data


def _lookup(data: dict[str, Any], key: str) -> tuple[bool, Any]:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _store(data: dict[str, Any], key: str, value: Any) -> None:
    *parents, leaf = key.split(".")
    node = data
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[leaf] = value


def _folder_hint(name: str) -> str:
    if name == CONFIG_FILE:
        return (f"remove the folder .mlgit/{name} and restore the file with"
                f" 'git checkout -- .mlgit/{name}'")
    return (f"remove the folder .mlgit/{name}; then set this machine's settings again with"
            " 'mlgit config --local KEY VALUE'")


def _known_hint() -> str:
    return "known keys: " + ", ".join(sorted(KEYS))
