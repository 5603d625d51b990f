"""The Repo facade: where things are, and lazy access to config, cache, state and lock."""

from __future__ import annotations

import contextlib
import marshal
import os
from collections.abc import Iterator
from functools import cached_property

from mlgit import pointer as pointer_mod
from mlgit.config import KEYS, LOCAL_CONFIG_FILE, Config
from mlgit.errors import BadPointer, ConfigError, NotInitialized
from mlgit.fileio import is_temp_name, remove_leftover, write_atomic
from mlgit.git import repository
from mlgit.paths import check_relpath
from mlgit.pointer import Pointer
from mlgit.progress import Warn, ignore_warning

TYPE_CHECKING = False
if TYPE_CHECKING:  # the store's modules are imported when first used: a status that the
    # unchanged memo answers never needs them
    from mlgit.storage.manifests import Manifest
    from mlgit.storage.objects import LocalODB
    from mlgit.storage.state import State

DOT_DIR = ".mlgit"


class Repo:
    def __init__(self, root: str, warn: Warn = ignore_warning) -> None:
        self.root = root
        self.warn = warn  # where warnings about the repository go (the caller shows them)
        self.dot_dir = os.path.join(root, DOT_DIR)
        self.tmp_dir = os.path.join(self.dot_dir, "tmp")
        self._manifests: dict[str, Manifest] = {}  # the last few read (objects never change)

    @classmethod
    def find(cls, start: str | None = None, *, asking: str = "",
             warn: Warn = ignore_warning) -> Repo:
        """The repository at or above `start`. A setting in the files that no command reads
        gets a warning, unless it is the config key `asking` is about (that is an error)."""
        root = repository.find_root(start)
        repo = cls(root, warn)
        if not os.path.isdir(repo.dot_dir):
            raise NotInitialized(f"{root}: mlgit is not initialised in this repository",
                                 "run 'mlgit init' at the top of the repository")
        check_layout(repo)
        repo.config.get("core.jobs")  # a broken config fails every command up front, clearly
        for name, key in repo.config.unknown_keys():
            if asking and (f"{key}.".startswith(f"{asking}.")
                           or f"{asking}.".startswith(f"{key}.")):
                continue
            warn(f".mlgit/{name}: unknown config key {key!r} is ignored"
                 f" ({_known_keys(key)})")
        return repo

    @cached_property
    def config(self) -> Config:
        return Config(self.dot_dir)

    @property
    def own_cache_dir(self) -> str:
        """The cache folder inside this work tree's .mlgit/ (used when nothing says
        otherwise)."""
        return os.path.join(self.dot_dir, "cache")

    @cached_property
    def cache_dir(self) -> str:
        """Where the object store is: `cache.dir` if set; in a linked Git worktree, the main
        worktree's cache unless this worktree's config.local.yaml sets `cache.dir`; else
        .mlgit/cache. The state DB and the lock stay in this work tree's .mlgit/tmp."""
        if self.config.source("cache.dir") != LOCAL_CONFIG_FILE:
            main = repository.main_worktree(self.root)
            if main is not None and os.path.isdir(os.path.join(main, DOT_DIR)):
                return Repo(main, self.warn).cache_dir
        configured = self.config.get("cache.dir")
        if configured is None:
            return self.own_cache_dir
        path = os.path.normpath(os.path.join(self.root, os.path.expanduser(configured)))
        if not os.path.isdir(path):
            import shlex

            local = "--local " if self.config.source("cache.dir") == LOCAL_CONFIG_FILE else ""
            raise ConfigError(f"cache.dir: the cache folder {path} does not exist",
                              f"create it (mkdir -p {shlex.quote(path)}) or mount its disk,"
                              f" or change the setting with 'mlgit config {local}cache.dir"
                              " PATH'")
        return path

    @cached_property
    def odb(self) -> LocalODB:
        from mlgit.storage.objects import LocalODB

        # Links (hardlink/symlink) need one file per object; copies can come from packs.
        links = self.config.get("cache.link")
        return LocalODB(self.cache_dir, pack_small=links[0] in ("reflink", "copy"),
                        chunk_threshold=self.config.get("cache.chunk_threshold"))

    @cached_property
    def state(self) -> State:
        from mlgit.storage.state import State

        return State(os.path.join(self.tmp_dir, "state.db"), warn=self.warn)

    @contextlib.contextmanager
    def lock(self, exclusive_cache: bool = False) -> Iterator[None]:
        """The work tree's lock, and a lock on the cache, which other work trees or
        repositories may share: writers share it, `exclusive_cache` (gc) excludes them."""
        from mlgit.lock import cache_lock, repo_lock

        timeout = self.config.get("core.lock_timeout")
        cache = self.cache_dir
        shared = cache != self.own_cache_dir or _has_linked_worktrees(self.root)
        with repo_lock(os.path.join(self.tmp_dir, "lock"), timeout), \
                cache_lock(cache, timeout, exclusive_cache, create=shared):
            yield

    def manifest(self, oid: str, origin: str) -> Manifest:
        """The verified, validated manifest object `oid`. Raises ManifestMissing if it is not
        in the cache, ManifestCorrupt or BadManifest if it is damaged or unsafe (all
        MlgitErrors; see manifests.load).

        A validated manifest is memoised in tmp/ in marshal form (read 10x faster than JSON);
        the JSON object in the cache stays the only source of truth.
        """
        manifest = self._manifests.get(oid)
        if manifest is None:
            manifest = self._read_manifest(oid, origin)
            if len(self._manifests) >= _MANIFESTS_KEPT:  # walks of history read hundreds
                del self._manifests[next(iter(self._manifests))]
            self._manifests[oid] = manifest
        return manifest

    def _read_manifest(self, oid: str, origin: str) -> Manifest:
        from mlgit.storage import manifest_columns, manifests

        memo = os.path.join(self.tmp_dir, "manifests", oid)
        try:
            with open(memo, "rb") as f:
                cols = manifest_columns.from_memo(marshal.loads(f.read()))
            if cols is not None:  # (else a memo of an older format: written again)
                return manifests.Manifest(*cols)
        except (OSError, ValueError, EOFError, TypeError):
            pass
        manifest = manifests.load(self.odb, oid, origin)
        _write_memo(memo, marshal.dumps(manifests.memo_of(manifest)))
        return manifest

    def keep_manifest_memo(self, oid: str, memo: bytes) -> None:
        """Memoise the manifest `oid` that this process just wrote, from its columns in
        marshal form (manifests.memo_of): the next command that reads it does not parse
        and check the JSON again."""
        _write_memo(os.path.join(self.tmp_dir, "manifests", oid), memo)

    def forget_manifest_memos(self, keep: set[str]) -> None:
        """Drop memoised manifests whose object is no longer kept."""
        folder = os.path.join(self.tmp_dir, "manifests")
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            return
        for name in names:
            if name not in keep:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(folder, name))

    def abspath(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    def pointer_files(self, listed: tuple[list[str], list[str]] | None = None) -> list[str]:
        """Rel paths of every pointer file in the workspace or index that Git does not ignore.
        Temp files that interrupted commands left beside pointers are removed on the way.
        A folder standing where an indexed pointer file was is listed too: reading it fails,
        so the commands report it rather than forget the artifact. `listed`: the (pointer
        files, temp files) of a listing made just before (repository.list_work_files)."""
        pointers, temps = listed or repository.list_pointer_and_temp_files(self.root)
        for temp in temps:
            remove_leftover(self.abspath(temp))
        return [p for p in pointers if os.path.isfile(self.abspath(p))
                or os.path.isdir(self.abspath(p))]

    def remove_leftovers_beside(self, rels: list[str]) -> None:
        """Remove temp files that interrupted commands left in the folders of these paths."""
        for folder in {self.abspath(rel.rpartition("/")[0]) for rel in rels}:
            try:
                with os.scandir(folder) as entries:
                    names = [e.name for e in entries if is_temp_name(e.name)]
            except OSError:
                continue
            for name in names:
                remove_leftover(f"{folder}/{name}")

    def read_pointer(self, pointer_rel: str) -> Pointer:
        try:
            with open(self.abspath(pointer_rel), "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            raise BadPointer(f"{pointer_rel}: pointer file not found",
                             "run 'mlgit ls' to see what is tracked") from None
        except IsADirectoryError:
            raise BadPointer(f"{pointer_rel}: is a folder, not a pointer file",
                             f"rename or move the folder {pointer_rel}") from None
        return pointer_mod.loads(raw, pointer_rel)

    def artifact_rel(self, pointer_rel: str, ptr: Pointer) -> str:
        folder = pointer_rel.rpartition("/")[0]
        rel = f"{folder}/{ptr.path}" if folder else ptr.path
        return check_relpath(rel, pointer_rel)

    def close(self) -> None:
        try:
            if "state" in self.__dict__:
                self.state.close()
        finally:
            if "odb" in self.__dict__:
                self.odb.close()


def check_layout(repo: Repo) -> None:
    """mlgit's own folders must be folders: a file in their place would fail every command
    deep inside (a few stats, cheap enough to do on every start)."""
    for path, hint in (
            (repo.tmp_dir, "it only holds mlgit's scratch files, which are made again"),
            (repo.own_cache_dir, "move it away if it matters; the cache folder is made again"
                                 " and 'mlgit fetch' fills it from a remote")):
        if os.path.lexists(path) and not os.path.isdir(path):
            rel = os.path.relpath(path, repo.root)
            raise ConfigError(f"{rel}: is a file, not a folder",
                              f"remove the file {rel} ({hint})")


def _has_linked_worktrees(root: str) -> bool:
    """Whether `git worktree add` made worktrees that may use this work tree's cache."""
    try:
        return bool(os.listdir(os.path.join(root, ".git", "worktrees")))
    except OSError:
        return False


_MANIFESTS_KEPT = 4
"""Manifests kept in memory once read (a checkout reads its folder's two or three times)."""


def _write_memo(path: str, data: bytes) -> None:
    """Best effort: a memo is only a cache (a full disk, say, just means no memo)."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_atomic(path, data)
    except OSError:
        pass


def _known_keys(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, KEYS, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return "known keys: " + ", ".join(sorted(KEYS))
