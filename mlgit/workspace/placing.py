"""Writing a checkout's files into the work tree: linked or copied from the store in parallel,
new folders built under .mlgit/tmp and renamed into place whole, each file remembered in the
state DB, and a full disk stopped cleanly."""

from __future__ import annotations

import os
import threading
import time

from mlgit.fileio import disk_full_error, is_disk_full
from mlgit.parallel import chunked_map
from mlgit.paths import at_or_under
from mlgit.progress import ProgressCallback
from mlgit.repo import Repo
from mlgit.storage.objects import CorruptObject
from mlgit.storage.state import Stat, slim
from mlgit.workspace.checkout_result import CORRUPT, NOT_IN_CACHE, CheckoutResult, Place
from mlgit.workspace.damage import quarantine_folder
from mlgit.workspace.linker import Linker
from mlgit.workspace.scan import COMPACT_EVERY

CHECKOUT_TMP = "checkout-"
"""Prefix of the folders in .mlgit/tmp where new workspace folders are built."""


def corrupt_reason(repo: Repo, exc: CorruptObject) -> str:
    """Why a corrupt cache object was not used, and where it went."""
    reason = f"cache object {CORRUPT}"
    if exc.set_aside:
        reason += f"; set aside in {quarantine_folder(repo)}"
    return reason


def place_all(repo: Repo, linker: Linker, todo: list[Place], result: CheckoutResult,
               progress: ProgressCallback) -> None:
    if not todo:
        return
    missing = repo.odb.missing({p.oid for p in todo})
    for p in todo:
        if p.oid in missing:
            result.failed.append((p.rel, NOT_IN_CACHE))
    ready = [p for p in todo if p.oid not in missing]
    building = _NewFolders(repo, result.path)
    full: list[OSError] = []

    def place(p: Place) -> tuple[Place, Stat | str]:
        if full:
            return p, _NOT_TRIED
        try:
            placed, outcome = _place_one(p)
            # four fields of the stat result kept, not all of it: a million wait for _record
            return placed, outcome if isinstance(outcome, str) else slim(outcome)
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            full.append(exc)
            return p, _NOT_TRIED

    def _place_one(p: Place) -> tuple[Place, os.stat_result | str]:
        built = building.temp_path(p.rel)
        dest = built or repo.abspath(p.rel)
        write = linker.create if built else linker.place
        try:
            try:
                return p, write(p.oid, dest, p.exec)
            except FileNotFoundError:
                # Folders are made as their first file is written, not all up front: ext4
                # spreads new folders over the disk, and filling each one right away keeps
                # its files' inodes together (20k files: 1.6 s instead of 2.3 s).
                os.makedirs(dest.rpartition("/")[0], exist_ok=True)
                return p, write(p.oid, dest, p.exec)
        except CorruptObject as exc:
            return p, corrupt_reason(repo, exc)
        except OSError as exc:
            if is_disk_full(exc):
                raise
            if isinstance(exc, FileNotFoundError) and p.oid in repo.odb.set_aside_oids:
                # another file with the same content found it corrupt a moment ago
                return p, corrupt_reason(repo, CorruptObject(p.oid, "", "set aside"))
            return p, exc.strerror or str(exc)

    few = len(ready) < _FEW_FILES and sum(p.size for p in ready) < _FEW_BYTES
    outcomes = chunked_map(place, ready, 1 if few else repo.config.get("core.jobs"))
    if full:
        _stop_on_full_disk(repo, building, outcomes, full[0], result, progress)
    for folder, problem in building.move_into_place():
        result.failed.append((folder, problem))
        outcomes = [(p, problem) if p.rel.startswith(folder + "/") else (p, st)
                    for p, st in outcomes]
    _record(repo, outcomes, result, progress)


_NOT_TRIED = "not written: the disk is full"
_FEW_FILES = 500
_FEW_BYTES = 8 << 20
"""Fewer files than this, with less content, are written without threads: starting them
costs more than they save (a branch switch that changes 100 small files)."""


def _stop_on_full_disk(repo: Repo, building: _NewFolders,
                       outcomes: list[tuple[Place, Stat | str]], exc: OSError,
                       result: CheckoutResult, progress: ProgressCallback) -> None:
    """Keep the files already written in place (each is complete), drop the folders still
    being built (they would appear incomplete), and stop with one error for the disk."""
    building.discard()
    placed: list[tuple[Place, Stat | str]] = [(p, st) for p, st in outcomes
              if not isinstance(st, str) and building.temp_path(p.rel) is None]
    _record(repo, placed, result, progress)
    done = {p.rel for p, _ in placed}
    needed = sum(p.size for p, _ in outcomes if p.rel not in done)
    raise disk_full_error(exc, repo.abspath(result.path), needed)


class _NewFolders:
    """Folders of an artifact that do not exist yet are built under a temporary name in
    .mlgit/tmp and renamed into place when complete: their files are written straight to
    their final names inside (no rename per file: 20k files 0.2 s faster), and a folder
    appears in the workspace only whole. Leftovers of an interrupted run are removed by
    the next checkout."""

    def __init__(self, repo: Repo, artifact: str) -> None:
        self.repo = repo
        self.artifact = artifact
        self.base = os.path.join(repo.tmp_dir, f"{CHECKOUT_TMP}{os.getpid()}")
        self._roots: dict[str, str] = {}  # new folder rel -> its temporary path
        self._known: dict[str, str | None] = {}  # folder rel -> new root containing it
        self._lock = threading.Lock()

    def temp_path(self, rel: str) -> str | None:
        """Where to write the file `rel` if it belongs in a new folder, else None."""
        folder = rel.rpartition("/")[0]
        if folder in self._known:
            root = self._known[folder]
        else:
            with self._lock:
                root = self._root_of(folder)
        if root is None:
            return None
        return self._roots[root] + rel[len(root):]

    def _root_of(self, folder: str) -> str | None:
        """The shallowest missing folder at or above `folder`, within the artifact."""
        if folder in self._known:
            return self._known[folder]
        root: str | None = None
        if at_or_under(folder, self.artifact):
            above = self._root_of(folder.rpartition("/")[0]) \
                if folder != self.artifact else None
            if above is not None:
                root = above
            elif not os.path.lexists(self.repo.abspath(folder)):
                self._roots[folder] = f"{self.base}/{len(self._roots)}"
                os.makedirs(self._roots[folder])
                root = folder
        self._known[folder] = root
        return root

    def move_into_place(self) -> list[tuple[str, str]]:
        """Rename every built folder to its final place; returns (folder, problem) for any
        that could not be (its files are then reported as not restored)."""
        problems = []
        for folder, temp in self._roots.items():
            try:
                os.rename(temp, self.repo.abspath(folder))
            except OSError as exc:
                problems.append((folder, f"cannot move the restored folder into place:"
                                         f" {exc.strerror}"))
        self.discard()
        return problems

    def discard(self) -> None:
        """Remove what is left of the folders being built."""
        if os.path.isdir(self.base):
            import shutil  # (rarely needed: ~3 ms of imports)

            shutil.rmtree(self.base, ignore_errors=True)


def make_dirs(repo: Repo, folder: str, result: CheckoutResult) -> None:
    try:
        os.makedirs(repo.abspath(folder), exist_ok=True)
    except OSError as exc:
        result.failed.append((folder, f"cannot create folder: {exc.strerror}"))


def _record(repo: Repo, outcomes: list[tuple[Place, Stat | str]], result: CheckoutResult,
            progress: ProgressCallback) -> None:
    # Recorded as of now, after every write: files older than the racy window are trusted.
    now = time.time_ns()
    remember = repo.state.remember
    files = nbytes = 0
    for i, (p, outcome) in enumerate(outcomes, 1):
        if i % COMPACT_EVERY == 0:
            repo.state.compact()
            progress(files, nbytes)
            files = nbytes = 0
        if isinstance(outcome, str):
            result.failed.append((p.rel, outcome))
            continue
        result.restored.append(p.rel)
        files += 1
        nbytes += p.size
        remember(p.rel, outcome, p.oid, now)
    progress(files, nbytes)
