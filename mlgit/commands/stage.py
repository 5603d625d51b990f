"""mlgit stage add / mlgit stage list: write a stage into the mlgit.yaml of the current
folder; list the stages of every mlgit.yaml."""

from __future__ import annotations

import os
import string
from dataclasses import dataclass, field
from typing import Any

from mlgit.paths import RESERVED, to_rel
from mlgit.pipeline.errors import PipelineError
from mlgit.pipeline.model import PIPELINE_FILE, Pipeline, Stage
from mlgit.repo import Repo

# DVC's rule for new stage names: no punctuation but '_' and '-'; mlgit also refuses spaces
_NOT_IN_NAMES = set(string.punctuation) - {"_", "-"}


@dataclass
class StageSpec:
    """What `mlgit stage add` was given, as typed."""

    name: str
    cmd: list[str]
    deps: list[str] = field(default_factory=list)
    outs: list[str] = field(default_factory=list)
    outs_no_cache: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    metrics_no_cache: list[str] = field(default_factory=list)
    plots: list[str] = field(default_factory=list)
    wdir: str | None = None
    desc: str | None = None


@dataclass
class AddedStage:
    file: str
    name: str
    replaced: bool
    stage: Stage
    gitignores: list[str] = field(default_factory=list)  # .gitignore files written


@dataclass
class ListedStage:
    address: str
    file: str
    desc: str
    cmd: list[str]
    outs: list[str]
    deps: list[str]


def stage_add(repo: Repo, spec: StageSpec, force: bool, cwd: str | None = None) -> AddedStage:
    """Write stage `spec` into the mlgit.yaml of `cwd` (created when missing)."""
    from mlgit.fileio import read_text_or_empty, write_atomic
    from mlgit.pipeline.edit import with_stage
    from mlgit.pipeline.parse import load_text

    check_name(spec.name)
    folder = to_rel(repo.root, os.path.realpath(cwd or os.getcwd()))
    if any(part in RESERVED for part in folder.split("/")):
        raise PipelineError(f"{folder}: mlgit never writes a pipeline file inside .git or"
                            " .mlgit", "run 'mlgit stage add' in a folder of your work tree")
    file = PIPELINE_FILE if folder == "." else f"{folder}/{PIPELINE_FILE}"
    path = os.path.join(repo.root, file)
    old = read_text_or_empty(path)
    before, _ = load_text(repo.root, file, old.encode(), {}) if old else ([], {})
    replaced = any(s.name == spec.name for s in before)
    text = with_stage(old, file, spec.name, stage_body(spec), force)
    try:
        stages, _ = load_text(repo.root, file, text.encode(), {})
    except PipelineError as exc:  # the new stage is at fault: the file loaded before
        detail = exc.message.split(": ", 1)[1] if exc.message.startswith(file) else exc.message
        raise PipelineError(f"{file}: stage '{spec.name}' not written: {detail}",
                            exc.hint) from None
    _check_graph(repo, file, spec.name, stages)
    write_atomic(path, text.encode())
    stage = next(s for s in stages if s.name == spec.name)
    from mlgit.pipeline.record import ignore_outputs

    # from the start: what a failed run leaves, or one before the first, is kept out of Git
    return AddedStage(file, spec.name, replaced, stage, ignore_outputs(repo, stage))


def _check_graph(repo: Repo, file: str, name: str, stages: list[Stage]) -> None:
    """Refuse a stage that would make the pipeline impossible to run (an output another
    stage writes, an output inside another, a cycle...). A dependency that is not there yet
    is fine: it may be made before the stage runs. When the pipeline is impossible already,
    the new stage is not to blame, and this says nothing."""
    from mlgit.pipeline.dag import build_graph
    from mlgit.pipeline.load import load_pipeline

    try:
        before = load_pipeline(repo.root)
        build_graph(repo.root, before, deps_must_exist=False)
    except PipelineError:
        return
    others = [s for s in before.stages if s.file != file]
    after = Pipeline(stages=[*stages, *others] if file == PIPELINE_FILE else [*others, *stages],
                     files=sorted({*before.files, file}))
    try:
        build_graph(repo.root, after, deps_must_exist=False)
    except PipelineError as exc:
        detail = exc.message.removeprefix(f"{file}: ")
        raise PipelineError(f"{file}: stage '{name}' not written: {detail}", exc.hint) from None


def check_name(name: str) -> None:
    bad = sorted({c for c in name if c in _NOT_IN_NAMES or c.isspace() or not c.isprintable()})
    if not name or bad:
        shown = "".join(bad).encode("unicode_escape").decode() if bad else ""
        what = f"contains {shown!r}" if bad else "is empty"
        raise PipelineError(f"'{name}': invalid stage name: it {what}",
                            "use letters, digits, '_' and '-' only")


def stage_body(spec: StageSpec) -> dict[str, Any]:
    """The stage as it is written in mlgit.yaml (keys in DVC's order)."""
    body: dict[str, Any] = {"cmd": spec.cmd[0] if len(spec.cmd) == 1 else list(spec.cmd)}
    if spec.wdir:
        body["wdir"] = spec.wdir
    if spec.deps:
        body["deps"] = list(spec.deps)
    if spec.params:
        body["params"] = _params(spec.params)
    for key, cached, uncached in (("outs", spec.outs, spec.outs_no_cache),
                                  ("metrics", spec.metrics, spec.metrics_no_cache),
                                  ("plots", spec.plots, [])):
        items: list[Any] = [*cached, *({p: {"cache": False}} for p in uncached)]
        if items:
            body[key] = items
    if spec.desc:
        body["desc"] = spec.desc
    return body


def _params(args: list[str]) -> list[Any]:
    """`-p a,b` (keys of params.yaml), `-p file.json:a,b`, `-p file.json:` (all of it)."""
    keys: list[str] = []
    files: dict[str, list[str] | None] = {}
    for arg in args:
        file, colon, names = arg.rpartition(":")
        wanted = [n.strip() for n in names.split(",") if n.strip()]
        if not colon:
            keys.extend(k for k in wanted if k not in keys)
        elif not wanted:
            files[file] = None
        elif files.get(file, []) is not None:
            files[file] = [*(files.get(file) or []), *wanted]
    return [*keys, *({f: k} for f, k in files.items())]


def stage_list(repo: Repo) -> list[ListedStage]:
    from mlgit.pipeline.load import load_pipeline

    return [ListedStage(s.address, s.file, s.desc, list(s.cmd), [o.path for o in s.outs],
                        list(s.deps))
            for s in load_pipeline(repo.root).stages]

