"""Which files are metrics (and params) files, and how their values compare between sides."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from mlgit.errors import MlgitError
from mlgit.pipeline.load import load_pipeline
from mlgit.pipeline.metrics import metrics_files
from mlgit.pipeline.model import ParamRef, Pipeline, Stage
from mlgit.pipeline.params import params_files
from mlgit.pipeline.sides import Side
from mlgit.pipeline.valuefiles import METRICS, PARAMS
from mlgit.pipeline.values import compare, numeric_change, show
from tests.conftest import write


def stage(name: str, file: str = "mlgit.yaml", **fields: object) -> Stage:
    return Stage(name=name, file=file, wdir="", cmd=("true",), **fields)


def side(name: str, files: dict[str, str]) -> Side:
    return Side(name, lambda rel: files[rel].encode() if rel in files else None)


def test_metrics_are_stage_metrics_then_top_level_ones_each_once(gitrepo: Path) -> None:
    write(gitrepo / "mlgit.yaml", """
stages:
  a:
    cmd: x
    outs: [model.pkl]
    metrics: [eval/m.json]
    plots: [plot.csv]
metrics: [eval/m.json, extra.toml]
""")
    write(gitrepo / "sub" / "mlgit.yaml", """
stages:
  b:
    cmd: y
    metrics: [s.yaml]
metrics: [../top.json, ./x/y.json]
""")
    assert metrics_files(load_pipeline(str(gitrepo))) == [
        "eval/m.json", "sub/s.yaml", "extra.toml", "top.json", "sub/x/y.json"]


def test_params_files_are_the_used_ones_then_top_level_ones() -> None:
    pipeline = Pipeline(
        stages=[stage("a", params=(ParamRef("params.yaml", ("lr",)),
                                   ParamRef("conf/p.toml", None))),
                stage("b", params=(ParamRef("params.yaml", ("seed",)),))],
        top_level={"mlgit.yaml": {"params": ["more.json"]}})
    assert params_files(pipeline) == ["params.yaml", "conf/p.toml", "more.json"]


@pytest.mark.parametrize(("file", "metrics", "message"), [
    ("mlgit.yaml", "m.json", "mlgit.yaml:1: metrics: expected a list"),
    ("sub/mlgit.yaml", "[../../m.json]", "sub/mlgit.yaml:1: metrics[0]: "),
    ("mlgit.yaml", "[/abs/m.json]", "mlgit.yaml:1: metrics[0]: "),
])
def test_a_bad_top_level_list_names_the_file_and_entry(
        gitrepo: Path, file: str, metrics: str, message: str) -> None:
    write(gitrepo / file, f"metrics: {metrics}\nstages: {{}}\n")
    with pytest.raises(MlgitError) as err:
        metrics_files(load_pipeline(str(gitrepo)))
    assert str(err.value).startswith(message), str(err.value)


def test_show_reads_each_file_on_its_own() -> None:
    here = side("workspace", {"a.json": '{"x": {"y": 1}}', "b.yaml": "[1]"})
    shown = show(here, ["a.json", "b.yaml", "c.toml"], METRICS)
    assert [(f.file, f.values, f.error) for f in shown] == [
        ("a.json", {"x.y": 1}, ""),
        ("b.yaml", {}, "b.yaml: expected a mapping of names to values at the top, got a list"),
        ("c.toml", {}, "c.toml: metrics file not found"),
    ]


def test_compare_lists_changed_added_and_deleted_keys_in_the_new_order() -> None:
    old = side("HEAD", {"p.yaml": "a: 1\nb: x\nc: [1]\nd: 1\n"})
    new = side("workspace", {"p.yaml": "e: 2\nd: 1.0\nc: [1]\nb: y\n"})
    diff = compare(["p.yaml"], PARAMS, old, new, show_all=False)
    assert [(c.key, c.status, c.old, c.new, c.change) for c in diff.changes] == [
        ("e", "added", None, 2, None),
        ("d", "modified", 1, 1.0, 0.0),
        ("b", "modified", "x", "y", None),
        ("a", "deleted", 1, None, None),
    ]
    every = compare(["p.yaml"], PARAMS, old, new, show_all=True)
    assert ("c", "unchanged") in [(c.key, c.status) for c in every.changes]


def test_a_file_unreadable_on_one_side_is_an_error_without_rows() -> None:
    old = side("HEAD", {"p.json": "{"})
    new = side("workspace", {"p.json": '{"a": 1}'})
    diff = compare(["p.json"], PARAMS, old, new, show_all=True)
    assert diff.changes == []
    assert [(e.file, e.side) for e in diff.errors] == [("p.json", "HEAD")]


@pytest.mark.parametrize(("old", "new", "change"), [
    (0.1, 0.3, 0.2), (10, 8, -2), (1, 1.5, 0.5), (1e-9, 2e-9, 1e-9), (True, False, None),
    ("1", "2", None), (None, 1, None), (2, 2, 0),
])
def test_numeric_change_is_exact_in_decimal(old: object, new: object, change: object) -> None:
    found = numeric_change(old, new)
    assert found == change and type(found) is type(change)


def test_numeric_change_of_infinities() -> None:
    assert numeric_change(1.0, math.inf) == math.inf
    assert math.isnan(numeric_change(math.inf, math.inf))
