"""A memo of the loaded pipeline in .mlgit/tmp, so that commands that only need to know the
stages (a no-op status or repro) do not parse YAML again: libyaml alone takes over 100 ms on
a 1,000-stage file, the memo is read in a few.

The memo records the stat stamp (mtime, size, inode) of every file the pipeline was read
from, taken before reading it: the pipeline files, the params and vars files, and the
default params.yaml that was looked for and not found. It is used only when the same
pipeline files are found again and every stamp is unchanged; it is written only when no
input changed in the last two seconds (a file edited twice within the file system's
timestamp resolution could otherwise keep its stamp)."""

from __future__ import annotations

import contextlib
import marshal
import os
import time
from typing import Any

from mlgit.pipeline.model import Out, ParamRef, Pipeline, Stage

Stamp = tuple[int, int, int]
MEMO_NAME = "pipeline.memo"
_FORMAT = 1
_RACY_NS = 2_000_000_000


def read_stamped(path: str) -> tuple[bytes, Stamp]:
    """The bytes of file `path` and its stamp, taken before reading."""
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        return f.read(), (st.st_mtime_ns, st.st_size, st.st_ino)


def stamp(path: str) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _header(files: list[str]) -> tuple[Any, ...]:
    from mlgit import __version__

    return (_FORMAT, __version__, Stage.FIELDS, Out.FIELDS_OUT, tuple(files))


def _memo_path(root: str) -> str | None:
    tmp = os.path.join(root, ".mlgit", "tmp")
    return os.path.join(tmp, MEMO_NAME) if os.path.isdir(tmp) else None


def recall(root: str, files: list[str]) -> Pipeline | None:
    """The pipeline remembered for these pipeline files, if none of its inputs changed."""
    path = _memo_path(root)
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            header, stamps, stages, top_level = marshal.loads(f.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if header != _header(files):
        return None
    for rel, recorded in stamps:
        if stamp(os.path.join(root, rel)) != recorded:
            return None
    return Pipeline(stages=[_stage(s) for s in stages], files=list(files),
                    top_level=top_level)


def remember(root: str, pipeline: Pipeline, stamps: dict[str, Stamp | None]) -> None:
    path = _memo_path(root)
    if path is None:
        return
    recent = time.time_ns() - _RACY_NS
    if any(s is not None and s[0] > recent for s in stamps.values()):
        return
    data = (_header(pipeline.files), tuple(sorted(stamps.items())),
            [_astuple(s) for s in pipeline.stages], pipeline.top_level)
    from mlgit.fileio import write_atomic

    with contextlib.suppress(OSError, ValueError):  # a memo is never needed
        write_atomic(path, marshal.dumps(data))


def _astuple(stage: Stage) -> tuple[Any, ...]:
    """The stage's fields in Stage.FIELDS order, its outs and params as tuples too."""
    values = [getattr(stage, name) for name in Stage.FIELDS]
    values[Stage.FIELDS.index("outs")] = tuple(o.astuple() for o in stage.outs)
    values[Stage.FIELDS.index("params")] = tuple(p.astuple() for p in stage.params)
    return tuple(values)


def _stage(t: tuple[Any, ...]) -> Stage:
    values = dict(zip(Stage.FIELDS, t, strict=True))
    values["outs"] = tuple(Out(*o) for o in values["outs"])
    values["params"] = tuple(ParamRef(*p) for p in values["params"])
    return Stage(**values)
