"""What a pipeline is, once its files are read: stages with resolved, repo-relative paths.

Everything else in pipeline/ works on these types; only parse.py reads mlgit.yaml. Paths are
POSIX, relative to the repository root, normalised and checked to stay inside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PIPELINE_FILE = "mlgit.yaml"
LOCK_FILE = "mlgit.lock"
DEFAULT_PARAMS_FILE = "params.yaml"


@dataclass(frozen=True)
class Out:
    """A path a stage writes. `kind` is "out", "metric" or "plot" (the key it was listed
    under); metrics and plots are outs too. `push` False: push leaves it out; `remote`: the
    remote it goes to ("" for the default)."""

    path: str
    cache: bool = True
    persist: bool = False
    desc: str = ""
    kind: str = "out"
    push: bool = True
    remote: str = ""
    # the other keys written for it, kept as they are: type, labels, meta, plot options
    options: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class ParamRef:
    """Keys a stage reads from one params file; `keys` None means the whole file."""

    file: str
    keys: tuple[str, ...] | None


@dataclass(frozen=True)
class Stage:
    """One stage. `name` is unique within its file (generated stages: "NAME@KEY");
    `file` is the repo-relative path of the mlgit.yaml that declares it and `wdir` the
    repo-relative folder its commands run in ("" for the root)."""

    name: str
    file: str
    wdir: str
    cmd: tuple[str, ...]
    deps: tuple[str, ...] = ()
    outs: tuple[Out, ...] = ()
    params: tuple[ParamRef, ...] = ()
    frozen: bool = False
    always_changed: bool = False
    desc: str = ""
    meta: Any = field(default=None, compare=False, hash=False)

    @property
    def address(self) -> str:
        """How the user names it: "train" in the root file, "sub/mlgit.yaml:train" else."""
        return self.name if self.file == PIPELINE_FILE else f"{self.file}:{self.name}"

    @property
    def lock_file(self) -> str:
        """The mlgit.lock beside the stage's mlgit.yaml."""
        folder = self.file.rpartition("/")[0]
        return f"{folder}/{LOCK_FILE}" if folder else LOCK_FILE


@dataclass
class Pipeline:
    """Every stage of every mlgit.yaml in the repository, in file order, and the top-level
    keys kept for display (`vars`, `params`, `metrics`, `plots`, `artifacts`) per file."""

    stages: list[Stage] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    top_level: dict[str, dict[str, Any]] = field(default_factory=dict)

    def by_address(self) -> dict[str, Stage]:
        return {stage.address: stage for stage in self.stages}
