"""The graph of a pipeline: which stage writes each output, which stages each stage reads
from, the order they run in, and the errors that make a pipeline impossible to run (two
writers of one path, a cycle, a dependency nothing provides...)."""

from __future__ import annotations

import bisect
import os
from collections.abc import Callable

from mlgit.paths import POINTER_SUFFIX, shell_command
from mlgit.pipeline.errors import PipelineError
from mlgit.pipeline.load import load_pipeline
from mlgit.pipeline.model import LOCK_FILE, PIPELINE_FILE, Pipeline, Stage


class Graph:
    """Stages in a dependency order (every stage after those it reads from), and the edges
    by stage address."""

    __slots__ = ("downstream", "order", "upstream", "writer")

    def __init__(self, order: list[Stage], upstream: dict[str, list[str]] | None = None,
                 downstream: dict[str, list[str]] | None = None,
                 writer: dict[str, Stage] | None = None) -> None:
        self.order = order
        self.upstream: dict[str, list[str]] = {} if upstream is None else upstream
        self.downstream: dict[str, list[str]] = {} if downstream is None else downstream
        self.writer: dict[str, Stage] = {} if writer is None else writer

    def stage(self, address: str) -> Stage:
        return next(s for s in self.order if s.address == address)


def load_graph(root: str) -> Graph:
    """The graph of the repository's pipeline files; an error if there are none."""
    pipeline = load_pipeline(root)
    if not pipeline.files:
        raise PipelineError(f"{root}: no {PIPELINE_FILE} in this repository",
                            f"write the stages in {PIPELINE_FILE} at the top of the"
                            " repository")
    return build_graph(root, pipeline)


def targeted(graph: Graph, root: str, targets: list[str], *, downstream: bool = False,
             single: bool = False) -> list[Stage]:
    """`select` of the stages the user named (paths taken from the current folder)."""
    chosen = resolve_targets(graph, root, targets, os.getcwd()) if targets else None
    return select(graph, chosen, downstream=downstream, single=single)


def build_graph(root: str, pipeline: Pipeline, *, deps_must_exist: bool = True) -> Graph:
    """The graph of `pipeline`, or a PipelineError naming the file, stage and path that make
    it impossible (`deps_must_exist` False: a dependency nothing provides is not one)."""
    writer = _writers(root, pipeline.stages)
    outs = sorted(writer)
    _check_pipeline_files_kept(pipeline.files, writer)
    upstream: dict[str, list[str]] = {}
    for stage in pipeline.stages:
        found: list[str] = []
        # a params file another stage writes is read like a dep: that stage runs first
        params_files = [ref.file for ref in stage.params if ref.file not in stage.deps]
        for i, dep in enumerate([*stage.deps, *params_files]):
            producers = _producers(dep, writer, outs)
            if not producers and deps_must_exist and i < len(stage.deps):
                _check_dep_exists(root, stage, i, dep)
            for out, producer in producers:
                if producer is stage:
                    raise PipelineError(
                        f"{_where(stage)}: cycle: the stage reads {dep}, which it writes"
                        f" itself (out {out})",
                        "a stage cannot depend on its own output: remove the dep, or"
                        " write the output elsewhere")
                if producer.address not in found:
                    found.append(producer.address)
        upstream[stage.address] = found
    order = _ordered(pipeline.stages, upstream)
    downstream: dict[str, list[str]] = {s.address: [] for s in order}
    for stage in order:
        for up in upstream[stage.address]:
            downstream[up].append(stage.address)
    return Graph(order, upstream, downstream, writer)


def _where(stage: Stage) -> str:
    return f"{stage.file}: stages.{stage.name}"


def _writers(root: str, stages: list[Stage]) -> dict[str, Stage]:
    """Each output path -> the stage that writes it, checked: one writer per path, no output
    inside another, none that `mlgit add` tracks."""
    writer: dict[str, Stage] = {}
    for stage in stages:
        for out in stage.outs:
            other = writer.get(out.path)
            if other is not None:
                who = "the stage itself" if other is stage else f"stage {other.address}"
                raise PipelineError(f"{_where(stage)}.outs: {out.path} is also written by {who}",
                                    "one stage writes each path: remove it from one of them")
            _check_not_tracked(root, stage, out.path)
            writer[out.path] = stage
    outs = sorted(writer)
    for path in outs:
        inner = _under(path, outs)
        if inner:
            stage = writer[inner[0]]
            owner = writer[path]
            who = "it" if owner is stage else f"stage {owner.address}"
            raise PipelineError(f"{_where(stage)}.outs: {inner[0]} is inside {path}, which"
                                f" {who} writes", "declare only the folder, or write the"
                                " file outside it")
    return writer


def _check_pipeline_files_kept(files: list[str], writer: dict[str, Stage]) -> None:
    """No output is a file mlgit itself keeps (a pipeline, lock, pointer or .gitignore
    file: outputs are git-ignored there), nor a folder holding a pipeline file or its lock:
    a stage's outputs are removed before it runs."""
    for path, stage in writer.items():
        name = path.rpartition("/")[2]
        if name in (PIPELINE_FILE, LOCK_FILE, ".gitignore") or name.endswith(POINTER_SUFFIX):
            raise PipelineError(f"{_where(stage)}.outs: {path} is a file mlgit keeps, not an"
                                " output", "write the output to another file name")
    for file in files:
        folder = file.rpartition("/")[0]
        for kept in (file, f"{folder}/{LOCK_FILE}" if folder else LOCK_FILE):
            parts = kept.split("/")
            holder = next((h for h in ("/".join(parts[:i]) for i in range(1, len(parts)))
                           if h in writer), None)
            if holder is not None:
                raise PipelineError(
                    f"{_where(writer[holder])}.outs: {holder} holds {kept}, which running"
                    " the stage would delete", "write the output to a folder of its own")


def _check_not_tracked(root: str, stage: Stage, path: str) -> None:
    """An output must not be an artifact `mlgit add` tracks, nor be inside one."""
    top = path
    while top:
        pointer = top + POINTER_SUFFIX
        if os.path.isfile(os.path.join(root, pointer)):
            if top == path:
                raise PipelineError(f"{_where(stage)}.outs: {path} is already tracked by"
                                    f" 'mlgit add' ({pointer})",
                                    f"let the stage record it: {shell_command('mlgit rm', path)},"
                                    " or remove it from the stage's outs")
            raise PipelineError(f"{_where(stage)}.outs: {path} is inside {top}, which"
                                f" 'mlgit add' tracks ({pointer})",
                                "write the output outside the tracked folder")
        top = top.rpartition("/")[0]


def _under(path: str, outs: list[str]) -> list[str]:
    """The paths of sorted `outs` strictly inside `path`."""
    prefix = path + "/"
    start = bisect.bisect_left(outs, prefix)
    found = []
    for other in outs[start:]:
        if not other.startswith(prefix):
            break
        found.append(other)
    return found


def producers(graph: Graph, dep: str) -> list[tuple[str, Stage]]:
    """The outputs (and their stages) that the dependency `dep` reads."""
    return _producers(dep, graph.writer, sorted(graph.writer))


def _producers(dep: str, writer: dict[str, Stage], outs: list[str]
               ) -> list[tuple[str, Stage]]:
    """The outputs (and their stages) a dependency reads: the output at the dep's path, one
    that holds it, or ones inside it."""
    found = []
    top = dep
    while top:
        if top in writer:
            found.append((top, writer[top]))
        top = top.rpartition("/")[0]
    found += [(out, writer[out]) for out in _under(dep, outs)]
    return found


def _check_dep_exists(root: str, stage: Stage, index: int, dep: str) -> None:
    """A dependency no stage writes must be in the work tree, or be (inside) an artifact
    `mlgit add` tracks (its data may simply not be checked out)."""
    if os.path.lexists(os.path.join(root, dep)):
        return
    top = dep
    while top:
        if os.path.isfile(os.path.join(root, top + POINTER_SUFFIX)):
            return
        top = top.rpartition("/")[0]
    raise PipelineError(f"{_where(stage)}.deps[{index}]: {dep} does not exist and no stage"
                        " writes it", "create it, add the stage that writes it, or fix the"
                        " path (paths are relative to the stage's wdir)")


def _ordered(stages: list[Stage], upstream: dict[str, list[str]]) -> list[Stage]:
    """`stages` in a dependency order (file order where the graph leaves a choice), or a
    PipelineError naming the stages of a cycle."""
    by_address = {s.address: s for s in stages}
    done: set[str] = set()
    order: list[Stage] = []
    for stage in stages:
        if stage.address in done:
            continue
        path = [stage.address]
        todo = [iter(upstream[stage.address])]
        while todo:
            nxt = next(todo[-1], None)
            if nxt is None:
                todo.pop()
                finished = path.pop()
                done.add(finished)
                order.append(by_address[finished])
            elif nxt in path:
                _raise_cycle(by_address[nxt], [*path[path.index(nxt):], nxt])
            elif nxt not in done:
                path.append(nxt)
                todo.append(iter(upstream[nxt]))
    return order


def _raise_cycle(stage: Stage, reading: list[str]) -> None:
    """`reading`: a list of stages where each reads an output of the next, back to the
    first."""
    shown = " -> ".join(reversed(reading))
    raise PipelineError(f"{stage.file}: cycle between stages: {shown}",
                        "each arrow means 'writes what the next one reads': remove one of"
                        " these deps to break the cycle")


def select(graph: Graph, targets: list[Stage] | None, *, downstream: bool = False,
           single: bool = False) -> list[Stage]:
    """The stages a repro of `targets` considers, in dependency order: all of them without
    targets; else the targets and what they read from (`single`: the targets only;
    `downstream`: the targets and every stage that reads from them)."""
    if targets is None:
        return list(graph.order)
    wanted = {t.address for t in targets}
    if not single:
        edges = graph.downstream if downstream else graph.upstream
        todo = list(wanted)
        while todo:
            for other in edges[todo.pop()]:
                if other not in wanted:
                    wanted.add(other)
                    todo.append(other)
    return [s for s in graph.order if s.address in wanted]


def resolve_targets(graph: Graph, root: str, targets: list[str], cwd: str) -> list[Stage]:
    """The stages the user named: a stage's address (`train`, `sub/mlgit.yaml:train`), a
    pipeline file (all its stages), or a generated stage's base name (`build` for every
    `build@...`)."""
    found: list[Stage] = []
    for target in targets:
        for stage in _resolve_one(graph, root, target, cwd):
            if stage not in found:
                found.append(stage)
    return found


def _resolve_one(graph: Graph, root: str, target: str, cwd: str) -> list[Stage]:
    here = os.path.relpath(os.path.realpath(cwd), os.path.realpath(root)).replace(os.sep, "/")
    here_file = PIPELINE_FILE if here == "." else f"{here}/{PIPELINE_FILE}"
    matches = _named(graph.order, target, here_file)
    if not matches:
        file, name = _file_and_name(target)
        if file is not None:
            file = os.path.relpath(os.path.normpath(os.path.join(cwd, file)), root)
            file = file.replace(os.sep, "/")
            stages = [s for s in graph.order if s.file == file]
            matches = stages if not name else (
                [s for s in stages if s.name == name]
                or [s for s in stages if s.name.partition("@")[0] == name])
    if not matches:
        known = ", ".join(s.address for s in graph.order) or "none"
        raise PipelineError(f"{target}: no such stage", f"stages: {known}")
    return matches


def _named(stages: list[Stage], name: str, here_file: str) -> list[Stage]:
    """The stages a bare name means: a stage of the current folder's pipeline file, else
    one whose address it is (the top file's), else one of that name in any file; then the
    same for a foreach/matrix group. The whole name is tried first: a generated name may
    hold ':' or '/' (`build@x:y`)."""
    picks: tuple[Callable[[Stage], bool], ...] = (
        lambda s: s.file == here_file and s.name == name,
        lambda s: s.address == name,
        lambda s: s.name == name,
        lambda s: s.file == here_file and s.name.partition("@")[0] == name,
        lambda s: s.name.partition("@")[0] == name)
    for pick in picks:
        found = [s for s in stages if pick(s)]
        if found:
            return found
    return []


def _file_and_name(target: str) -> tuple[str | None, str]:
    """`sub/mlgit.yaml:train` -> (`sub/mlgit.yaml`, `train`); a pipeline file alone -> (it,
    ""); anything else -> (None, target)."""
    if target == PIPELINE_FILE or target.endswith(f"/{PIPELINE_FILE}"):
        return target, ""
    at = 0
    while (at := target.find(f"{PIPELINE_FILE}:", at)) != -1:
        if at == 0 or target[at - 1] == "/":
            end = at + len(PIPELINE_FILE)
            return target[:end], target[end + 1:]
        at += 1
    return None, target
