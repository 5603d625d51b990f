"""foreach/do and matrix: the stages they generate, named as DVC names them, and their
errors."""

from __future__ import annotations

from pathlib import Path

from tests.pipeline.loading import refused, stages


def test_foreach_over_scalars_names_stages_after_the_values(gitrepo: Path) -> None:
    got = stages(gitrepo, {"mlgit.yaml": """
        stages:
          clean:
            foreach: [raw1, labels1, 3, true, 1.5]
            do:
              cmd: clean.py "${item}"
              outs: ["${item}.cln"]
        """})
    assert list(got) == ["clean@raw1", "clean@labels1", "clean@3", "clean@true", "clean@1.5"]
    assert got["clean@true"].cmd == ('clean.py "true"',)
    assert got["clean@raw1"].outs[0].path == "raw1.cln"


def test_foreach_over_a_list_of_mappings_names_stages_by_position(gitrepo: Path) -> None:
    got = stages(gitrepo, {"mlgit.yaml": """
        stages:
          train:
            foreach:
              - epochs: 3
                thresh: 10
              - epochs: 10
                thresh: 15
              - plain
            do:
              cmd: python train.py ${item}
        """.replace("${item}", "x")})
    assert list(got) == ["train@0", "train@1", "train@2"]
    got = stages(gitrepo, {"mlgit.yaml": """
        stages:
          train:
            foreach:
              - {epochs: 3, thresh: 10}
              - {epochs: 10, thresh: 15}
            do:
              cmd: python train.py ${item.epochs} ${item.thresh}
        """})
    assert got["train@1"].cmd == ("python train.py 10 15",)


def test_foreach_over_a_mapping_gives_key_and_item(gitrepo: Path) -> None:
    got = stages(gitrepo, {"mlgit.yaml": """
        stages:
          build:
            foreach:
              uk: {epochs: 3, thresh: 10}
              us: {epochs: 10, thresh: 15}
            do:
              cmd: python train.py '${key}' ${item.epochs} ${item.thresh}
              outs: ["model-${key}.hdfs"]
        """})
    assert list(got) == ["build@uk", "build@us"]
    assert got["build@us"].cmd == ("python train.py 'us' 10 15",)
    assert got["build@uk"].outs[0].path == "model-uk.hdfs"


def test_foreach_over_a_value_from_params(gitrepo: Path) -> None:
    got = stages(gitrepo, {
        "params.yaml": "myobject:\n  a: {prop1: 1, prop2: out-a}\n  b: {prop1: 2, prop2: out-b}\n",
        "mlgit.yaml": """
            stages:
              mystages:
                foreach: ${myobject}
                do:
                  cmd: ./script.py ${key} ${item.prop1}
                  outs: ["${item.prop2}"]
            """})
    assert [(n, s.cmd[0], s.outs[0].path) for n, s in got.items()] == [
        ("mystages@a", "./script.py a 1", "out-a"), ("mystages@b", "./script.py b 2", "out-b")]


def test_matrix_names_and_values(gitrepo: Path) -> None:
    got = stages(gitrepo, {
        "params.yaml": "depths: [2, 8]\n",
        "mlgit.yaml": """
            stages:
              fit:
                matrix:
                  model: [tree, forest]
                  depth: ${depths}
                  opts: [{a: 1}, [1, 2]]
                cmd: python fit.py ${item.model} ${item.depth} ${key}
                outs: ["models/${item.model}-${item.depth}.pkl"]
            """})
    assert list(got) == [f"fit@{m}-{d}-opts{i}" for m in ("tree", "forest") for d in (2, 8)
                         for i in (0, 1)]
    assert got["fit@forest-8-opts1"].cmd == ("python fit.py forest 8 forest-8-opts1",)
    assert got["fit@tree-2-opts0"].outs[0].path == "models/tree-2.pkl"


def test_generated_stages_report_errors_under_their_own_name(gitrepo: Path) -> None:
    refused(gitrepo, {"mlgit.yaml": """
        stages:
          build:
            foreach: {us: 1}
            do:
              cmd: x
              deps:
                - a
                - {b: 1}
        """}, "mlgit.yaml:8: stages.build@us.deps[1]: expected a path, got a mapping")
    refused(gitrepo, {"mlgit.yaml": """
        stages:
          fit:
            matrix: {m: [a]}
            cmd: x
            outs: [/abs]
        """}, "mlgit.yaml:5: stages.fit@a.outs[0]: absolute path '/abs' is not allowed")


ERRORS = [
    ("foreach: just-a-string\n    do: {cmd: x}",
     "mlgit.yaml:3: stages.t.foreach: foreach needs a list or a mapping, got 'just-a-string'"),
    ("foreach: 3\n    do: {cmd: x}", "stages.t.foreach: foreach needs a list or a mapping"),
    ("foreach: ${n}\n    do: {cmd: x}", "stages.t.foreach: foreach needs a list or a mapping,"
     " got a number"),
    ("foreach:\n    do: {cmd: x}", "foreach needs a list or a mapping, got nothing"),
    ("foreach: [a]", "mlgit.yaml:2: stages.t: 'foreach' and 'do' go together: 'do' is missing"),
    ("do: {cmd: x}", "'foreach' and 'do' go together: 'foreach' is missing"),
    ("foreach: [a]\n    do: {cmd: x}\n    cmd: y", "mlgit.yaml:5: stages.t.cmd: 'cmd' cannot"
     " be beside foreach/do"),
    ("foreach: [a]\n    do: echo", "mlgit.yaml:4: stages.t.do: expected a stage"),
    ("foreach: [a, a]\n    do: {cmd: x}", "stages.t.foreach: two items generate the stage"
     " name 't@a'"),
    ("foreach: [1, '1']\n    do: {cmd: x}", "two items generate the stage name 't@1'"),
    ("foreach: [a, null]\n    do: {cmd: x}", "stages.t.foreach[1]: an item of foreach is null"),
    ("matrix: [a, b]\n    cmd: x", "mlgit.yaml:3: stages.t.matrix: expected a mapping of"
     " names to lists"),
    ("matrix: {}\n    cmd: x", "stages.t.matrix: expected a mapping of names to lists, got an"
     " empty mapping"),
    ("matrix: {m: a}\n    cmd: x", "mlgit.yaml:3: stages.t.matrix.m: expected a list"),
    ("matrix: {m: [a]}\n    foreach: [a]\n    cmd: x", "stages.t.foreach: 'foreach' cannot"
     " be used with 'matrix'"),
    ("matrix: {m: [a, a]}\n    cmd: x", "two items generate the stage name 't@a'"),
    ("foreach: [a]\n    do:\n      cmd: x ${key}", "stages.t@a.cmd: '${key}': 'key' is not"
     " defined"),
]


def test_generation_errors(gitrepo: Path) -> None:
    for lines, expected in ERRORS:
        refused(gitrepo, {"params.yaml": "n: 3\n", "mlgit.yaml": f"stages:\n  t:\n    {lines}\n"},
                expected)
