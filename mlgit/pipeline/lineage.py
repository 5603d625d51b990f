"""Where a path comes from: the stage that made it (its recorded cmd, dependency hashes and
param values, and the commit of its mlgit.lock entry), up through the dependencies that
stages made, down to the raw inputs: files `mlgit add` tracks, files Git tracks, or
neither (docs/pipelines.md, "Lineage").

Data only: the graph comes from dag.py, the records from lockfile.py, history from git/."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from mlgit.errors import BadPath, MlgitError
from mlgit.git.history import Commit, changed_paths, last_commit
from mlgit.git.repository import tracked_under
from mlgit.paths import at_or_under, pointer_path_for, shell_command
from mlgit.pipeline.dag import Graph, build_graph, producers
from mlgit.pipeline.load import load_pipeline
from mlgit.pipeline.lock_history import LockHistory
from mlgit.pipeline.lockfile import Hashed, LockEntry, LockFiles
from mlgit.pipeline.model import Stage
from mlgit.pipeline.stale import Change, WorkTree, check
from mlgit.repo import Repo
from mlgit.storage.manifests import Manifest
from mlgit.workspace.targets import Target, check_part_exists, containing_pointer, load

MATCHES = "matches"
MODIFIED = "modified since recorded"
MISSING = "missing"
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class Recorded:
    """A recorded hash and the path it is of: the node's own path, or, for a path inside a
    recorded folder whose manifest is not in the cache (or a folder inside one), that
    folder. `workspace` compares this path with the record."""

    path: str
    hashed: Hashed


@dataclass
class Output:
    """`path`, at or inside `out`, an output of `stage`. `entry` is the stage's record
    (None: never run, and `recorded` None too); `commit` the commit that last changed the
    entry (None: not committed); `stale` why `mlgit repro` would run the stage now (empty:
    up to date); `deps` None when the stage's deps are listed at an earlier occurrence of
    it in the same lineage."""

    path: str
    out: str
    stage: Stage
    entry: LockEntry | None
    recorded: Recorded | None
    workspace: str
    commit: Commit | None
    stale: list[Change] = field(default_factory=list)
    deps: list[Dep] | None = None
    checked: bool = True  # False: a lineage as of a revision, not checked for staleness

    @property
    def cmd(self) -> tuple[str, ...]:
        """The recorded command; the declared one for a stage that never ran."""
        return self.entry.cmd if self.entry is not None else self.stage.cmd

    @property
    def params(self) -> dict[str, dict[str, Any]]:
        return self.entry.params if self.entry is not None else {}


@dataclass
class TrackedInput:
    """`path`, at or inside `artifact`, which `mlgit add` tracks with `pointer`; `commit`
    the commit that last changed the pointer (None: the pointer differs from HEAD's or is
    not committed); `recorded` as for Output."""

    path: str
    artifact: str
    pointer: str
    recorded: Recorded | None
    workspace: str
    commit: Commit | None


@dataclass
class GitInput:
    """A file or folder Git tracks: the last commit that changed it (None: only staged),
    and whether the work tree differs from HEAD there."""

    path: str
    commit: Commit | None
    uncommitted_changes: bool


@dataclass
class UntrackedInput:
    """A dependency no stage makes and neither mlgit nor Git tracks."""

    path: str


Source = Output | TrackedInput | GitInput | UntrackedInput


@dataclass
class Dep:
    """A dependency as the stage's record has it (`recorded` None: the stage never ran),
    and where it comes from: the outputs of the stages that make it, or one raw input."""

    path: str
    recorded: Recorded | None
    workspace: str
    sources: list[Source] = field(default_factory=list)


def lineage(repo: Repo, rel: str, named: str) -> Output | TrackedInput:
    """The lineage of the repo-relative `rel` (`named` as the user typed it): a stage
    output, or a file or folder `mlgit add` tracks (or a path inside one)."""
    pipeline = load_pipeline(repo.root)
    graph = build_graph(repo.root, pipeline) if pipeline.files else Graph([])
    holder = _out_holding(graph, rel)
    tracer = _Tracer(repo, graph)
    if holder is not None:
        tracer.check_part(rel, holder, named)
        return output_lineage(repo, graph, rel, holder)
    pointer = tracer.pointer_of(rel)
    if pointer is not None:
        item = load(repo, pointer)
        check_part_exists(repo, Target(item, rel[len(item.rel) + 1:]))
        found = tracer.tracked(rel, pointer)
        tracer.settle()
        return found
    raise _unknown(repo, graph, rel, named)


def output_lineage(repo: Repo, graph: Graph, rel: str, out: str) -> Output:
    """The lineage of `rel`, at or inside the output `out` of a stage of `graph`."""
    tracer = _Tracer(repo, graph)
    top = tracer.trace(tracer.output(rel, out))
    tracer.settle()
    return top


def _out_holding(graph: Graph, rel: str) -> str | None:
    """The declared output at or above `rel`."""
    top = rel
    while top:
        if top in graph.writer:
            return top
        top = top.rpartition("/")[0]
    return None


def _unknown(repo: Repo, graph: Graph, rel: str, named: str) -> BadPath:
    inside = sorted(out for out in graph.writer if at_or_under(out, rel))
    if inside:
        hint = f"it holds outputs of stages: name one of them ({', '.join(inside[:3])})"
    elif tracked_under(repo.root, [rel]):
        hint = (f"it is a plain Git file: {shell_command('git log --', rel)} shows its history;"
                " lineage follows stage outputs and what 'mlgit add' tracks")
    else:
        hint = ("name an output of a stage ('mlgit dag --json' lists them) or what"
                " 'mlgit ls' lists")
    return BadPath(f"{named}: not an output of a stage and not tracked by mlgit", hint)


class _Tracer:
    """Builds the nodes of one lineage; each stage's deps are followed once. What Git
    says of the raw inputs and pointer files is asked at the end, in one go where Git
    allows it (`settle`)."""

    def __init__(self, repo: Repo, graph: Graph) -> None:
        self.repo, self.graph = repo, graph
        self.tree = WorkTree(repo)
        self.locks = LockFiles(repo.root)
        self.histories: dict[str, LockHistory] = {}
        self.pointers: list[str] | None = None
        self.followed: set[str] = set()
        self.stale: dict[str, list[Change]] = {}
        self.raw: list[Dep] = []
        self.tracked_inputs: list[TrackedInput] = []
        self.rev = "HEAD"  # whose history says which commit recorded an entry

    def trace(self, top: Output) -> Output:
        """`top` with its deps followed, depth first, without recursion: a stage met
        again (two paths to it; a cycle, which the graph refuses anyway) is not followed
        again."""
        todo = [top]
        while todo:
            node = todo.pop()
            if node.stage.address in self.followed:
                continue
            self.followed.add(node.stage.address)
            node.deps = self.deps(node)
            made = [s for dep in node.deps for s in dep.sources if isinstance(s, Output)]
            todo += reversed(made)
        return top

    def output(self, rel: str, out: str) -> Output:
        stage = self.graph.writer[out]
        entry = self.locks.entries(stage.lock_file).get(stage.name)
        whole = entry.outs.get(out) if entry is not None else None
        recorded, state = self.state(rel, out, whole)
        commit = None
        if entry is not None:
            history = self.histories.setdefault(
                stage.lock_file, LockHistory(self.repo.root, stage.lock_file, self.rev))
            commit = history.entry_commit(stage.name, entry)
        return Output(rel, out, stage, entry, recorded, state, commit, self.reasons(stage))

    def reasons(self, stage: Stage) -> list[Change]:
        """Why the stage is stale, as `mlgit status` says it (a stage that cannot be
        checked, say for a missing params file: that error)."""
        if stage.address not in self.stale:
            entry = self.locks.entries(stage.lock_file).get(stage.name)
            try:
                self.stale[stage.address] = check(self.tree, stage, entry).reasons
            except MlgitError as exc:  # a params file missing or unreadable
                shown = exc.message.removeprefix(f"{stage.file}: stages.{stage.name}.params: ")
                self.stale[stage.address] = [Change(shown)]
        return self.stale[stage.address]

    def deps(self, node: Output) -> list[Dep]:
        """The recorded deps of a stage that ran; the declared ones, unhashed, else."""
        if node.entry is None:
            recorded: dict[str, Hashed | None] = dict.fromkeys(node.stage.deps)
        else:
            recorded = dict(node.entry.deps)
        found = [Dep(path, *self.state(path, path, h), self.sources(path))
                 for path, h in recorded.items()]
        self.raw += [dep for dep in found if not dep.sources]
        return found

    def sources(self, path: str) -> list[Source]:
        """The outputs that make `path`, or what `mlgit add` tracks there; none for
        a file Git tracks or nothing tracks (found out by `settle`)."""
        made = producers(self.graph, path)
        if made:
            return [self.output(path if at_or_under(path, out) else out, out)
                    for out, _ in made]
        pointer = self.pointer_of(path)
        return [self.tracked(path, pointer)] if pointer is not None else []

    def settle(self) -> None:
        """The raw inputs that are Git files (or nothing tracked), and the commits of
        them and of the pointer files met."""
        root = self.repo.root
        raw = sorted({dep.path for dep in self.raw})
        pointers = sorted({t.pointer for t in self.tracked_inputs})
        in_git = tracked_under(root, raw)
        changed = changed_paths(root, raw + pointers)
        commits: dict[str, Commit | None] = {}
        for path in [p for p in raw if p in in_git] + pointers:
            commits[path] = last_commit(root, path)
        for dep in self.raw:
            dep.sources = [GitInput(dep.path, commits[dep.path], dep.path in changed)
                           if dep.path in in_git else UntrackedInput(dep.path)]
        for item in self.tracked_inputs:
            item.commit = None if item.pointer in changed else commits[item.pointer]

    def pointer_of(self, rel: str) -> str | None:
        """The pointer file of the tracked artifact at or above `rel`."""
        pointer = pointer_path_for(rel)
        if os.path.isfile(self.repo.abspath(pointer)):
            return pointer
        if self.pointers is None:
            self.pointers = self.repo.pointer_files()
        return containing_pointer(self.repo, rel, self.pointers)

    def tracked(self, rel: str, pointer: str) -> TrackedInput:
        item = load(self.repo, pointer)
        ptr = item.ptr
        recorded, state = self.state(rel, item.rel, Hashed(ptr.oid, ptr.size, ptr.files))
        found = TrackedInput(rel, item.rel, pointer, recorded, state, None)
        self.tracked_inputs.append(found)
        return found

    def state(self, rel: str, whole_rel: str, whole: Hashed | None
              ) -> tuple[Recorded | None, str]:
        """What was recorded for `rel` (at or inside `whole_rel`, recorded as `whole`) and
        whether the work tree still has it. Inside a folder: the file's manifest entry
        when the cache has it, else the whole folder is compared."""
        part = self.part(rel, whole_rel, whole)
        if part is not None:
            return Recorded(rel, part), _compared(self.tree.hash(rel), part)
        if whole is None:
            return None, NOT_RECORDED
        return Recorded(whole_rel, whole), _compared(self.tree.hash(whole_rel), whole)

    def part(self, rel: str, folder: str, whole: Hashed | None) -> Hashed | None:
        """The manifest entry of the file `rel` inside the recorded folder `folder`."""
        manifest = self.manifest(rel, folder, whole)
        if manifest is None:
            return None
        sub = rel[len(folder) + 1:]
        for path, oid, size in zip(manifest.paths, manifest.oids, manifest.sizes,
                                   strict=True):
            if path == sub:
                return Hashed(oid, size)
        return None

    def manifest(self, rel: str, folder: str, whole: Hashed | None) -> Manifest | None:
        """The manifest of the recorded folder `folder` that `rel` is inside, if the
        cache has it."""
        if rel == folder or whole is None or whole.nfiles is None:
            return None
        try:
            return self.repo.manifest(whole.oid, f"{folder} (manifest {whole.oid[:12]})")
        except MlgitError:  # not in the cache, corrupt or unsafe: compare the folder
            return None

    def check_part(self, rel: str, out: str, named: str) -> None:
        """A path inside an output must be on disk or in the output's recorded manifest
        (when the cache has it)."""
        stage = self.graph.writer[out]
        entry = self.locks.entries(stage.lock_file).get(stage.name)
        manifest = self.manifest(rel, out, entry.outs.get(out) if entry else None)
        if manifest is None or os.path.lexists(self.repo.abspath(rel)):
            return
        sub = rel[len(out) + 1:]
        if not any(at_or_under(path, sub) for path in manifest.paths):
            raise BadPath(f"{named}: no such file or folder in {out}, the output of stage"
                          f" {stage.address}", f"run {shell_command('mlgit lineage', out)} for the"
                          " whole output")


def _compared(now: Hashed | None, recorded: Hashed) -> str:
    if now is None:
        return MISSING
    return MATCHES if now.oid == recorded.oid else MODIFIED
