"""Staleness as data: each reason a Change with what changed, old and new."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgit.errors import MlgitError
from mlgit.pipeline.lockfile import Hashed, LockEntry
from mlgit.pipeline.model import Out, ParamRef, Stage
from mlgit.pipeline.stale import Change, WorkTree, check
from mlgit.repo import Repo
from tests.conftest import write


def stage(**kw: object) -> Stage:
    return Stage(name="s", file="mlgit.yaml", wdir="", cmd=("run",), **kw)  # type: ignore[arg-type]


def test_reasons(repo: Path) -> None:
    write(repo / "in.txt", "now")
    write(repo / "p.yaml", "a: {b: 2}\nc: [1, 2]\n")
    tree = WorkTree(Repo(str(repo)))
    s = stage(deps=("in.txt", "new.txt"), outs=(Out("gone.txt"),),
              params=(ParamRef("p.yaml", ("a", "c")),))
    old = "0" * 32
    entry = LockEntry(("old run",), deps={"in.txt": Hashed(old, 3), "dropped": Hashed(old, 1)},
                      params={"p.yaml": {"a.b": 1, "c": [1, 2]}},
                      outs={"gone.txt": Hashed(old, 1)})
    found = check(tree, s, entry)
    assert found.params == {"p.yaml": {"a.b": 2, "c": [1, 2]}}
    new = found.deps["in.txt"]
    assert new is not None
    assert found.reasons == [
        Change("cmd changed", old="old run", new="run"),
        Change("dep changed", "in.txt", "00000000", new.oid[:8]),
        Change("dep added", "new.txt"),
        Change("dep removed", "dropped"),
        Change("param changed", "p.yaml a.b", "1", "2"),
        Change("out deleted", "gone.txt"),
    ]
    assert check(tree, s, None).reasons == [Change("never run")]
    assert check(tree, stage(frozen=True, deps=("nope",)), None).reasons == []


def test_missing_params(repo: Path) -> None:
    tree = WorkTree(Repo(str(repo)))
    with pytest.raises(MlgitError, match=r"params\.yaml: params file not found"):
        check(tree, stage(params=(ParamRef("params.yaml", ("x",)),)), None)
    write(repo / "params.yaml", "y: 1\n")
    with pytest.raises(MlgitError, match=r"params\.yaml: no parameter 'x'"):
        check(tree, stage(params=(ParamRef("params.yaml", ("x",)),)), None)
