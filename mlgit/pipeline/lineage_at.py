"""The lineage of a path as a Git revision has it (`mlgit lineage PATH --rev REV`): the same
tree as lineage.py builds, from the revision's mlgit.yaml, mlgit.lock and pointer files
read from Git's objects. Nothing is compared with the work tree (its state reads "as of
REV"), no stage is checked for staleness, and commits are found in REV's history."""

from __future__ import annotations

from typing import Any

from mlgit import pointer as pointer_mod
from mlgit.errors import BadPath, MlgitError
from mlgit.git.history import last_commit
from mlgit.git.revisions import RevisionFiles, RevisionTrees
from mlgit.paths import artifact_path_for, pointer_path_for, shell_command
from mlgit.pipeline.at_revision import at_revision_error
from mlgit.pipeline.dag import Graph
from mlgit.pipeline.lineage import (
    NOT_RECORDED,
    GitInput,
    Output,
    Recorded,
    TrackedInput,
    UntrackedInput,
    _out_holding,
    _Tracer,
)
from mlgit.pipeline.lockfile import Hashed, LockEntry, loads
from mlgit.pipeline.model import Stage
from mlgit.pipeline.stale import Change
from mlgit.repo import Repo
from mlgit.workspace.targets import Tracked, select_part


def lineage_at(repo: Repo, rel: str, named: str, rev: str) -> Output | TrackedInput:
    """The lineage of the repo-relative `rel` as revision `rev` has it."""
    trees = RevisionTrees(repo.root)
    files = trees.files(rev)
    graph = _graph(repo.root, files, rev)
    tracer = _RevisionTracer(repo, graph, rev, files, trees)
    holder = _out_holding(graph, rel)
    if holder is not None:
        tracer.check_part(rel, holder, named)
        top = tracer.trace(tracer.output(rel, holder))
        tracer.settle()
        return top
    pointer = tracer.pointer_of(rel)
    if pointer is not None:
        found = tracer.tracked(rel, pointer)
        tracer.settle()
        return found
    raise BadPath(f"{named}: not an output of a stage and not tracked by mlgit at {rev}",
                  f"run 'mlgit diff {rev}' to see what it tracks, or name an output of a"
                  " stage of that revision")


def _graph(root: str, files: RevisionFiles, rev: str) -> Graph:
    """The stages of the revision's mlgit.yaml files and who writes each output (the
    checks of a runnable pipeline are repro's business, not history's)."""
    from mlgit.pipeline.parse import load_text

    stages: list[Stage] = []
    for file, text in sorted(files.pipelines, key=lambda f: (f[0] != "mlgit.yaml", f[0])):
        try:
            found, _ = load_text(root, file, text, {})
        except MlgitError as exc:
            raise at_revision_error(exc, rev) from None
        stages += found
    return Graph(stages, writer={out.path: s for s in stages for out in s.outs})


class _RevisionLocks:
    """The revision's lock files, as LockFiles offers the work tree's."""

    def __init__(self, files: RevisionFiles, rev: str) -> None:
        self._texts = dict(files.locks)
        self._rev = rev
        self._parsed: dict[str, dict[str, LockEntry]] = {}

    def entries(self, rel: str) -> dict[str, LockEntry]:
        if rel not in self._parsed:
            text = self._texts.get(rel)
            try:
                self._parsed[rel] = loads(text, rel) if text is not None else {}
            except MlgitError as exc:
                raise at_revision_error(exc, self._rev) from None
        return self._parsed[rel]


class _RevisionTracer(_Tracer):
    def __init__(self, repo: Repo, graph: Graph, rev: str, files: RevisionFiles,
                 trees: RevisionTrees) -> None:
        super().__init__(repo, graph)
        self.rev = rev
        self.locks = _RevisionLocks(files, rev)  # type: ignore[assignment]
        self.pointer_blobs = dict(files.pointers)
        self.trees = trees
        self.as_of = f"not compared (lineage as of {rev})"

    def output(self, rel: str, out: str) -> Output:
        found = super().output(rel, out)
        found.checked = False  # staleness is about the work tree now
        return found

    def reasons(self, stage: Stage) -> list[Change]:
        return []

    def state(self, rel: str, whole_rel: str, whole: Hashed | None
              ) -> tuple[Recorded | None, str]:
        part = self.part(rel, whole_rel, whole)
        if part is not None:
            return Recorded(rel, part), self.as_of
        if whole is None:
            return None, NOT_RECORDED
        return Recorded(whole_rel, whole), self.as_of

    def pointer_of(self, rel: str) -> str | None:
        pointer = pointer_path_for(rel)
        if pointer in self.pointer_blobs:
            return pointer
        return next((p for p in self.pointer_blobs
                     if rel.startswith(artifact_path_for(p) + "/")), None)

    def item(self, pointer: str) -> Tracked:
        try:
            ptr = pointer_mod.loads(self.pointer_blobs[pointer], pointer)
        except MlgitError as exc:
            raise at_revision_error(exc, self.rev) from None
        return Tracked(pointer, self.repo.artifact_rel(pointer, ptr), ptr)

    def tracked(self, rel: str, pointer: str) -> TrackedInput:
        item = self.item(pointer)
        ptr = item.ptr
        if rel != item.rel:
            manifest = self.manifest(rel, item.rel, Hashed(ptr.oid, ptr.size, ptr.files))
            if manifest is not None:
                select_part(manifest, rel[len(item.rel) + 1:], item.rel)
        recorded, state = self.state(rel, item.rel, Hashed(ptr.oid, ptr.size, ptr.files))
        found = TrackedInput(rel, item.rel, pointer, recorded, state, None)
        self.tracked_inputs.append(found)
        return found

    def settle(self) -> None:
        root = self.repo.root
        commits: dict[str, Any] = {}
        for dep in self.raw:
            if dep.path not in commits:
                in_tree = self.trees.has_path(self.rev, dep.path)
                commits[dep.path] = last_commit(root, dep.path, self.rev) if in_tree else False
            found = commits[dep.path]
            dep.sources = [UntrackedInput(dep.path) if found is False
                           else GitInput(dep.path, found, False)]
        for item in self.tracked_inputs:
            item.commit = last_commit(root, item.pointer, self.rev)

    def check_part(self, rel: str, out: str, named: str) -> None:
        stage = self.graph.writer[out]
        entry = self.locks.entries(stage.lock_file).get(stage.name)
        manifest = self.manifest(rel, out, entry.outs.get(out) if entry else None)
        if manifest is None:
            return
        sub = rel[len(out) + 1:]
        if not any(p == sub or p.startswith(sub + "/") for p in manifest.paths):
            raise BadPath(f"{named}: no such file or folder in {out} at {self.rev}, the output"
                          f" of stage {stage.address}", f"run"
                          f" {shell_command(f'mlgit lineage --rev {self.rev}', out)} for the"
                          " whole output")
