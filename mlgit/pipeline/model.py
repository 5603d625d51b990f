"""What a pipeline is, once its files are read: stages with resolved, repo-relative paths.

Everything else in pipeline/ works on these types; only parse.py reads mlgit.yaml. Paths are
POSIX, relative to the repository root, normalised and checked to stay inside it.

Plain classes rather than dataclasses: the dataclasses module and the code it generates cost
a no-op status or repro ~10 ms of its ~60."""

from __future__ import annotations

from typing import Any

PIPELINE_FILE = "mlgit.yaml"
LOCK_FILE = "mlgit.lock"
DEFAULT_PARAMS_FILE = "params.yaml"


class Out:
    """A path a stage writes. `kind` is "out", "metric" or "plot" (the key it was listed
    under); metrics and plots are outs too. `push` False: push leaves it out; `remote`: the
    remote it goes to ("" for the default). `options`: the other keys written for it, kept
    as they are (type, labels, meta, plot options); they take no part in comparisons."""

    __slots__ = FIELDS_OUT = ("path", "cache", "persist", "desc", "kind", "push", "remote",
                              "options")

    def __init__(self, path: str, cache: bool = True, persist: bool = False, desc: str = "",
                 kind: str = "out", push: bool = True, remote: str = "",
                 options: dict[str, Any] | None = None) -> None:
        self.path, self.cache, self.persist, self.desc = path, cache, persist, desc
        self.kind, self.push, self.remote = kind, push, remote
        self.options = {} if options is None else options

    def _key(self) -> tuple[Any, ...]:
        return (self.path, self.cache, self.persist, self.desc, self.kind, self.push,
                self.remote)

    def astuple(self) -> tuple[Any, ...]:
        return (*self._key(), self.options)

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Out and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return _repr(self, self.FIELDS_OUT)


class ParamRef:
    """Keys a stage reads from one params file; `keys` None means the whole file."""

    __slots__ = ("file", "keys")

    def __init__(self, file: str, keys: tuple[str, ...] | None) -> None:
        self.file, self.keys = file, keys

    def astuple(self) -> tuple[Any, ...]:
        return (self.file, self.keys)

    def __eq__(self, other: object) -> bool:
        return other.__class__ is ParamRef and self.astuple() == other.astuple()

    def __hash__(self) -> int:
        return hash(self.astuple())

    def __repr__(self) -> str:
        return _repr(self, self.__slots__)


class Stage:
    """One stage. `name` is unique within its file (generated stages: "NAME@KEY");
    `file` is the repo-relative path of the mlgit.yaml that declares it and `wdir` the
    repo-relative folder its commands run in ("" for the root). `meta` takes no part in
    comparisons."""

    __slots__ = FIELDS = ("name", "file", "wdir", "cmd", "deps", "outs", "params", "frozen",
                          "always_changed", "desc", "meta")

    def __init__(self, name: str, file: str, wdir: str, cmd: tuple[str, ...],
                 deps: tuple[str, ...] = (), outs: tuple[Out, ...] = (),
                 params: tuple[ParamRef, ...] = (), frozen: bool = False,
                 always_changed: bool = False, desc: str = "", meta: Any = None) -> None:
        self.name, self.file, self.wdir, self.cmd = name, file, wdir, cmd
        self.deps, self.outs, self.params = deps, outs, params
        self.frozen, self.always_changed, self.desc, self.meta = (frozen, always_changed,
                                                                   desc, meta)

    def _key(self) -> tuple[Any, ...]:
        return (self.name, self.file, self.wdir, self.cmd, self.deps, self.outs, self.params,
                self.frozen, self.always_changed, self.desc)

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Stage and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return _repr(self, self.FIELDS)

    @property
    def address(self) -> str:
        """How the user names it: "train" in the root file, "sub/mlgit.yaml:train" else."""
        return self.name if self.file == PIPELINE_FILE else f"{self.file}:{self.name}"

    @property
    def lock_file(self) -> str:
        """The mlgit.lock beside the stage's mlgit.yaml."""
        folder = self.file.rpartition("/")[0]
        return f"{folder}/{LOCK_FILE}" if folder else LOCK_FILE


class Pipeline:
    """Every stage of every mlgit.yaml in the repository, in file order, and the top-level
    keys kept for display (`vars`, `params`, `metrics`, `plots`, `artifacts`) per file."""

    __slots__ = ("files", "stages", "top_level")

    def __init__(self, stages: list[Stage] | None = None, files: list[str] | None = None,
                 top_level: dict[str, dict[str, Any]] | None = None) -> None:
        self.stages: list[Stage] = [] if stages is None else stages
        self.files: list[str] = [] if files is None else files
        self.top_level: dict[str, dict[str, Any]] = {} if top_level is None else top_level

    def __eq__(self, other: object) -> bool:
        return (other.__class__ is Pipeline and (self.stages, self.files, self.top_level)
                == (other.stages, other.files, other.top_level))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return _repr(self, self.__slots__)

    def by_address(self) -> dict[str, Stage]:
        return {stage.address: stage for stage in self.stages}


def _repr(obj: object, names: tuple[str, ...]) -> str:
    return f"{type(obj).__name__}({', '.join(f'{n}={getattr(obj, n)!r}' for n in names)})"
