"""Whether a stage is stale, and why: its record in mlgit.lock against what the work tree
holds now (docs/pipelines.md, "When a stage is stale")."""

from __future__ import annotations

import os
import stat
from typing import Any

from mlgit.pipeline import textmemo
from mlgit.pipeline.lockfile import Hashed, LockEntry
from mlgit.pipeline.model import Stage
from mlgit.pipeline.params import canonical, read_params_file, used_values
from mlgit.pipeline.valuefiles import ValuesFileError
from mlgit.repo import Repo
from mlgit.storage.state_entries import KnownRow, entries_in, fresh_oid, split
from mlgit.workspace.build import build


class Change:
    """One reason a stage runs. `kind` is what changed ("dep changed", "never run", ...);
    `subject` the path (or "FILE KEY" for a param); `old` and `new` shown values."""

    __slots__ = ("kind", "new", "old", "subject")

    def __init__(self, kind: str, subject: str = "", old: str = "", new: str = "") -> None:
        self.kind, self.subject, self.old, self.new = kind, subject, old, new

    def _key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.subject, self.old, self.new)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Change) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return "Change(kind={!r}, subject={!r}, old={!r}, new={!r})".format(*self._key())

    def __str__(self) -> str:
        text = f"{self.kind}: {self.subject}" if self.subject else self.kind
        if self.kind == "cmd changed":
            return f"{self.kind}: {self.old} -> {self.new}"
        if self.old or self.new:
            text += f" ({self.old or 'none'} -> {self.new or 'none'})"
        return text


class Check:
    """What a stage reads and writes now, and why it is stale (no reasons: up to date)."""

    __slots__ = ("deps", "outs", "params", "reasons", "stage")

    def __init__(self, stage: Stage, reasons: list[Change] | None = None,
                 deps: dict[str, Hashed | None] | None = None,
                 params: dict[str, dict[str, Any]] | None = None,
                 outs: dict[str, Hashed | None] | None = None) -> None:
        self.stage = stage
        self.reasons: list[Change] = [] if reasons is None else reasons
        self.deps: dict[str, Hashed | None] = {} if deps is None else deps
        self.params: dict[str, dict[str, Any]] = {} if params is None else params
        self.outs: dict[str, Hashed | None] = {} if outs is None else outs

    def _key(self) -> tuple[Any, ...]:
        return (self.stage, self.reasons, self.deps, self.params, self.outs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Check) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return ("Check(stage={!r}, reasons={!r}, deps={!r}, params={!r}, outs={!r})"
                .format(*self._key()))

    @property
    def stale(self) -> bool:
        return bool(self.reasons)


def hash_path(repo: Repo, rel: str) -> Hashed | None:
    """The content of the file or folder at `rel` now (None if there is nothing there); the
    state DB answers for files unchanged since they were last hashed."""
    if not os.path.lexists(repo.abspath(rel)):
        return None
    ptr, _ = build(repo, rel, store=False)
    return Hashed(ptr.oid, ptr.size, ptr.files)


class WorkTree:
    """Reads of the work tree for one repro: hashes of paths (a plain file the state DB
    vouches for costs one stat, its folder's entries decoded once) and params files (parsed
    once, again only if they change)."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self._folders: dict[str, dict[str, KnownRow]] = {}
        self._params: dict[str, tuple[tuple[int, int, int], dict[str, Any]]] = {}
        self._memo_dir = textmemo.memo_dir(repo.root)

    def hash(self, rel: str) -> Hashed | None:
        try:
            st = os.lstat(self.repo.abspath(rel))
        except (FileNotFoundError, NotADirectoryError):  # or a file where a folder should be
            return None
        if stat.S_ISREG(st.st_mode):
            folder, name = split(rel)
            entries = self._folders.get(folder)
            if entries is None:
                entries = entries_in(self.repo.state.rows_under(rel), folder)
                self._folders[folder] = entries
            oid = fresh_oid(entries.get(name), st)
            if oid is not None:
                return Hashed(oid, st.st_size)
        return hash_path(self.repo, rel)

    def params(self, file: str) -> dict[str, Any]:
        """The values of a params file as read_params_file gives them, parsed once per run
        (again only if the file changes)."""
        try:
            st = os.stat(os.path.join(self.repo.root, file))
            sig = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            sig = (0, 0, 0)
        known = self._params.get(file)
        if known is None or known[0] != sig:
            known = (sig, read_params_file(self.repo.root, file, memo_dir=self._memo_dir))
            self._params[file] = known
        return known[1]


def check(tree: WorkTree, stage: Stage, entry: LockEntry | None, *,
          allow_missing: bool = False) -> Check:
    """The stage against its lock entry. A frozen stage is never stale (and nothing is
    hashed for it)."""
    if stage.frozen:
        return Check(stage)
    found = Check(stage, deps={p: tree.hash(p) for p in stage.deps},
                  params=stage_params(tree, stage),
                  outs={o.path: tree.hash(o.path) for o in stage.outs})
    if entry is None:
        found.reasons.append(Change("never run"))
        return found
    if stage.always_changed:
        found.reasons.append(Change("always changed"))
    if entry.cmd != stage.cmd:
        found.reasons.append(Change("cmd changed", old=_cmd(entry.cmd), new=_cmd(stage.cmd)))
    found.reasons += _compare_hashes("dep", found.deps, entry.deps, allow_missing)
    found.reasons += _compare_params(found.params, entry.params)
    found.reasons += _compare_hashes("out", found.outs, entry.outs, allow_missing)
    return found


def _cmd(cmd: tuple[str, ...]) -> str:
    return " && ".join(cmd)


def short(h: Hashed | None) -> str:
    return h.oid[:8] if h is not None else ""


def _compare_hashes(what: str, now: dict[str, Hashed | None], then: dict[str, Hashed],
                    allow_missing: bool) -> list[Change]:
    changes = []
    for path, h in now.items():
        if path not in then:
            changes.append(Change(f"{what} added", path))
        elif h is None:
            if not allow_missing:
                changes.append(Change(f"{what} deleted", path))
        elif h.oid != then[path].oid:
            changes.append(Change(f"{what} changed", path, short(then[path]), short(h)))
    changes += [Change(f"{what} removed", path) for path in then if path not in now]
    return changes


def _compare_params(now: dict[str, dict[str, Any]], then: dict[str, dict[str, Any]]
                    ) -> list[Change]:
    changes = []
    for file in sorted(set(now) | set(then)):
        new, old = now.get(file, {}), then.get(file, {})
        for key in sorted(set(new) | set(old)):
            subject = f"{file} {key}"
            if key not in old:
                changes.append(Change("param added", subject, new=show(new[key])))
            elif key not in new:
                changes.append(Change("param removed", subject, old=show(old[key])))
            elif show(new[key]) != show(old[key]):
                changes.append(Change("param changed", subject, show(old[key]),
                                      show(new[key])))
    return changes


def show(value: Any) -> str:
    """A param value as a message shows it: its canonical text."""
    try:
        return canonical(value)
    except (TypeError, ValueError):  # a value from an old lock file that JSON cannot hold
        return repr(value)


def stage_params(tree: WorkTree, stage: Stage) -> dict[str, dict[str, Any]]:
    """The value of each param the stage uses, by params file and flattened key; a params
    file or key that is not there is an error naming the stage that uses it."""
    try:
        return {ref.file: used_values(tree.params(ref.file), ref) for ref in stage.params}
    except ValuesFileError as exc:
        raise ValuesFileError(exc.file, f"{stage.file}: stages.{stage.name}.params:"
                              f" {exc.message}", exc.hint) from None
