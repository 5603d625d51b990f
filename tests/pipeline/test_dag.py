"""The pipeline graph: edges from outputs to the stages that read them, the order, the
selection of targets, and every error that makes a pipeline impossible."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgit.pipeline.dag import Graph, build_graph, resolve_targets, select
from mlgit.pipeline.errors import PipelineError
from mlgit.pipeline.load import load_pipeline
from mlgit.pipeline.model import Pipeline, Stage
from tests.conftest import write


def graph_of(root: Path, yaml: str, files: tuple[str, ...] = ()) -> Graph:
    write(root / "mlgit.yaml", yaml)
    for f in files:
        write(root / f, f)
    return build_graph(str(root), load_pipeline(str(root)))


def error_of(root: Path, yaml: str, files: tuple[str, ...] = ()) -> str:
    with pytest.raises(PipelineError) as info:
        graph_of(root, yaml, files)
    message = info.value.message
    assert "\n" not in message and info.value.hint
    return message


CHAIN = """
stages:
  train:
    cmd: t
    deps: [data/features, src/train.py]
    outs: [model.pkl]
  featurize:
    cmd: f
    deps: [data/prepared/part1.csv]
    outs: [data/features]
  prepare:
    cmd: p
    deps: [raw.csv]
    outs: [data/prepared]
  other:
    cmd: o
    deps: [raw.csv]
"""


def test_order_puts_writers_first(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, CHAIN, ("raw.csv", "src/train.py"))
    assert [s.name for s in graph.order] == ["prepare", "featurize", "train", "other"]
    assert graph.upstream["train"] == ["featurize"]
    assert graph.upstream["featurize"] == ["prepare"]  # a dep inside an out
    assert graph.downstream["prepare"] == ["featurize"]


def test_dep_above_an_out_reads_it(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, """
stages:
  a: {cmd: a, outs: [data/a.csv]}
  b: {cmd: b, outs: [data/b.csv]}
  c: {cmd: c, deps: [data]}
""")
    assert graph.upstream["c"] == ["a", "b"]


def test_a_params_file_another_stage_writes_orders_that_stage_first(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, """
stages:
  train: {cmd: t, params: [{conf/gen.json: [lr]}, seed], outs: [model.pkl]}
  gen: {cmd: g, outs: [conf/gen.json]}
  tune: {cmd: u, outs: [params.yaml]}
""")
    assert [s.name for s in graph.order] == ["gen", "tune", "train"]
    assert graph.upstream["train"] == ["gen", "tune"]
    assert "stages.t: cycle: the stage reads params.yaml, which it writes itself" in error_of(
        tmp_path, "stages:\n  t: {cmd: t, params: [lr], outs: [params.yaml]}\n")


def test_select(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, CHAIN, ("raw.csv", "src/train.py"))
    featurize = graph.stage("featurize")
    names = lambda stages: [s.name for s in stages]  # noqa: E731
    assert names(select(graph, None)) == ["prepare", "featurize", "train", "other"]
    assert names(select(graph, [featurize])) == ["prepare", "featurize"]
    assert names(select(graph, [featurize], single=True)) == ["featurize"]
    assert names(select(graph, [featurize], downstream=True)) == ["featurize", "train"]


def test_targets(tmp_path: Path) -> None:
    # built directly: generated stages (foreach) are named NAME@KEY
    stages = [Stage(name, "mlgit.yaml", "", (name,)) for name in ("build@a", "build@b", "train")]
    stages.append(Stage("train", "sub/mlgit.yaml", "sub", ("t",)))
    graph = build_graph(str(tmp_path), Pipeline(stages, ["mlgit.yaml", "sub/mlgit.yaml"]))
    root = str(tmp_path)

    def named(*targets: str, cwd: str = root) -> list[str]:
        return [s.address for s in resolve_targets(graph, root, list(targets), cwd)]

    assert named("build") == ["build@a", "build@b"]
    assert named("train") == ["train"]
    assert named("mlgit.yaml:train") == ["train"]
    assert named("sub/mlgit.yaml:train") == ["sub/mlgit.yaml:train"]
    assert named("mlgit.yaml:train", cwd=str(tmp_path / "sub")) == ["sub/mlgit.yaml:train"]
    assert len(named("mlgit.yaml")) == 3
    with pytest.raises(PipelineError, match="nope: no such stage"):
        named("nope")


def test_targets_from_a_subfolder_and_generated_names_with_colons(tmp_path: Path) -> None:
    stages = [Stage(name, "mlgit.yaml", "", (name,)) for name in ("fit@x:y", "fit@a/b", "train")]
    stages += [Stage(name, "sub/mlgit.yaml", "sub", ("t",)) for name in ("train", "only")]
    graph = build_graph(str(tmp_path), Pipeline(stages, ["mlgit.yaml", "sub/mlgit.yaml"]))
    root, sub = str(tmp_path), str(tmp_path / "sub")
    (tmp_path / "sub").mkdir()

    def named(*targets: str, cwd: str = root) -> list[str]:
        return [s.address for s in resolve_targets(graph, root, list(targets), cwd)]

    assert named("train", cwd=sub) == ["sub/mlgit.yaml:train"]  # as DVC: the folder's file
    assert named("train") == ["train"]
    assert named("only") == ["sub/mlgit.yaml:only"]
    assert named("fit@x:y") == ["fit@x:y"]
    assert named("mlgit.yaml:fit@x:y") == ["fit@x:y"]
    assert named("fit@a/b", "fit", cwd=sub) == ["fit@a/b", "fit@x:y"]
    assert named("../mlgit.yaml:train", cwd=sub) == ["train"]


def test_cycle_names_its_stages(tmp_path: Path) -> None:
    message = error_of(tmp_path, """
stages:
  a: {cmd: a, deps: [c.txt], outs: [a.txt]}
  b: {cmd: b, deps: [a.txt], outs: [b.txt]}
  c: {cmd: c, deps: [b.txt], outs: [c.txt]}
""")
    assert message.startswith("mlgit.yaml: cycle")
    assert "a -> b -> c -> a" in message


def test_self_loop_names_the_path(tmp_path: Path) -> None:
    message = error_of(tmp_path, """
stages:
  a: {cmd: a, deps: [data/x.csv], outs: [data]}
""")
    assert message == ("mlgit.yaml: stages.a: cycle: the stage reads data/x.csv, which it"
                       " writes itself (out data)")


def test_two_writers_of_one_out(tmp_path: Path) -> None:
    message = error_of(tmp_path, """
stages:
  a: {cmd: a, outs: [model.pkl]}
  b: {cmd: b, outs: [model.pkl]}
""")
    assert message == "mlgit.yaml: stages.b.outs: model.pkl is also written by stage a"


def test_out_inside_another_out(tmp_path: Path) -> None:
    message = error_of(tmp_path, """
stages:
  a: {cmd: a, outs: [data]}
  b: {cmd: b, outs: [data/b.csv]}
""")
    assert message == "mlgit.yaml: stages.b.outs: data/b.csv is inside data, which stage a writes"


def test_out_tracked_by_add(tmp_path: Path) -> None:
    write(tmp_path / "model.pkl.mlgit", "pointer")
    message = error_of(tmp_path, "stages:\n  a: {cmd: a, outs: [model.pkl]}\n")
    assert message == ("mlgit.yaml: stages.a.outs: model.pkl is already tracked by"
                       " 'mlgit add' (model.pkl.mlgit)")


def test_out_inside_a_tracked_folder(tmp_path: Path) -> None:
    write(tmp_path / "data.mlgit", "pointer")
    message = error_of(tmp_path, "stages:\n  a: {cmd: a, outs: [data/x.csv]}\n")
    assert message == ("mlgit.yaml: stages.a.outs: data/x.csv is inside data, which"
                       " 'mlgit add' tracks (data.mlgit)")


def test_missing_dep(tmp_path: Path) -> None:
    message = error_of(tmp_path, "stages:\n  a: {cmd: a, deps: [here.txt, gone.txt]}\n",
                       ("here.txt",))
    assert message == "mlgit.yaml: stages.a.deps[1]: gone.txt does not exist and no stage writes it"


def test_dep_in_a_tracked_folder_not_checked_out_is_fine(tmp_path: Path) -> None:
    write(tmp_path / "data.mlgit", "pointer")
    graph = graph_of(tmp_path, "stages:\n  a: {cmd: a, deps: [data/x.csv, data]}\n")
    assert graph.upstream["a"] == []
