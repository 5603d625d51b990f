"""${...} in mlgit.yaml: where values come from, how they are written, and every error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlgit.pipeline.errors import Problem
from mlgit.pipeline.interpolate import resolve_str
from tests.pipeline.loading import refused, stages

PARAMS = """
train:
  epochs: 10
  lr: 1e-3
  layers: [64, 32]
  fast: true
  name: my model
  opts: {depth: 2, on: false, sizes: [1, 2], tag: a b}
models:
  - {name: tree, depth: 2}
"""


def test_values_from_params_yaml_and_vars(gitrepo: Path) -> None:
    s = stages(gitrepo, {
        "params.yaml": PARAMS,
        "conf/extra.json": '{"data": {"dir": "data", "n": 3}, "unused": 1}',
        "conf/more.toml": 'seed = 42\n[data]\nsplit = 0.2\n',
        "mlgit.yaml": """
            vars:
              - conf/extra.json:data
              - conf/more.toml
              - out: models
            stages:
              t:
                cmd: >-
                  python train.py --epochs ${train.epochs} --lr ${train.lr}
                  --first ${train.layers[0]} --depth ${models[0].depth} --d2 ${models.0.depth}
                  --fast ${train.fast} --seed ${seed} --split ${data.split} \\${literal}
                deps: ["${data.dir}/x"]
                outs: ["${out}/${train.name}.pkl"]
                desc: ${train.name}
            """})["t"]
    assert s.cmd == ("python train.py --epochs 10 --lr 0.001 --first 64 --depth 2 --d2 2"
                     " --fast true --seed 42 --split 0.2 ${literal}",)
    assert s.deps == ("data/x",)
    assert s.outs[0].path == "models/my model.pkl"
    assert s.desc == "my model"


def test_a_whole_value_keeps_its_type(gitrepo: Path) -> None:
    s = stages(gitrepo, {"params.yaml": PARAMS, "mlgit.yaml": """
        vars:
          - flags: {frozen: true, deps: [a, b]}
        stages:
          t:
            cmd: echo
            frozen: ${flags.frozen}
            deps: ${flags.deps}
        """})["t"]
    assert s.frozen is True
    assert s.deps == ("a", "b")


def test_a_mapping_in_cmd_is_unpacked_as_options(gitrepo: Path) -> None:
    s = stages(gitrepo, {"params.yaml": PARAMS, "mlgit.yaml": """
        stages:
          t:
            cmd: python train.py ${train.opts}
        """})["t"]
    assert s.cmd == ("python train.py --depth 2 --sizes 1 2 --tag 'a b'",)


def test_yaml_1_2_rules_for_values(gitrepo: Path) -> None:
    s = stages(gitrepo, {"params.yaml": "a: yes\nb: 1e-3\nc: 2020-01-01\nd: 012\n",
                         "mlgit.yaml": "stages:\n  t:\n    cmd: x ${a} ${b} ${c} ${d}\n"})["t"]
    assert s.cmd == ("x yes 0.001 2020-01-01 12",)


def test_stage_vars_are_read_from_the_stage_wdir_and_stay_in_the_stage(gitrepo: Path) -> None:
    got = stages(gitrepo, {
        "src/local.yaml": "model: {file: m.pkl}\n",
        "mlgit.yaml": """
            vars: [{g: 1}]
            stages:
              a:
                wdir: src
                vars: [local.yaml, {x: 5}]
                cmd: echo ${g} ${x} ${model.file}
              b:
                cmd: echo ${g}
            """})
    assert got["a"].cmd == ("echo 1 5 m.pkl",)
    refused(gitrepo, {"mlgit.yaml": """
        stages:
          a:
            vars: [{x: 5}]
            cmd: echo ${x}
          b:
            cmd: echo ${x}
        """}, "mlgit.yaml:6: stages.b.cmd: '${x}': 'x' is not defined")


def test_mappings_merge_across_sources(gitrepo: Path) -> None:
    s = stages(gitrepo, {"params.yaml": "grp: {a: 1}\n", "mlgit.yaml": """
        vars:
          - grp: {b: 2}
          - params.yaml
        stages:
          t:
            cmd: echo ${grp.a} ${grp.b}
        """})["t"]
    assert s.cmd == ("echo 1 2",)


ERRORS = [
    ("cmd: python ${trian.lr}",
     "mlgit.yaml:3: stages.t.cmd: '${trian.lr}': 'trian' is not defined (defined: models,"
     " train)"),
    ("cmd: python ${train.lrr}", "'${train.lrr}': 'train' has no key 'lrr' (keys: epochs,"),
    ("cmd: python ${train.layers[5]}", "index 5 is past the end of 'train.layers' (2 items)"),
    ("cmd: python ${train.layers.x}", "'train.layers' is a list: index it with a number"),
    ("cmd: python ${train.epochs.x}", "'train.epochs' is a number, not a mapping or list"),
    ("cmd: python ${train.lr", "'python ${train.lr': '${' without a closing '}'"),
    ("cmd: python ${}", "'${}': not a name"),
    ("cmd: python ${a..b}", "'${a..b}': not a name"),
    ("cmd: python ${train.layers}", "'${train.layers}' is a list, which cannot be written"
     " into a string"),
    ("cmd: x\n    desc: about ${train}", "mlgit.yaml:4: stages.t.desc: '${train}' is a"
     " mapping, which cannot be written into a string outside 'cmd'"),
    ("cmd: x\n    deps: [\"d/${nothing}\"]", "stages.t.deps[0]: '${nothing}': 'nothing' is not"
     " defined"),
]


def test_interpolation_errors(gitrepo: Path) -> None:
    for line, expected in ERRORS:
        refused(gitrepo, {"params.yaml": PARAMS,
                          "mlgit.yaml": f"stages:\n  t:\n    {line}\n"}, expected)


def test_null_is_not_written_into_text(gitrepo: Path) -> None:
    refused(gitrepo, {"params.yaml": "a:\n", "mlgit.yaml": "stages:\n  t:\n    cmd: x ${a}\n"},
            "stages.t.cmd: '${a}' is null, which cannot be written into text")
    refused(gitrepo, {"params.yaml": "a: {b: 1, c: }\n",
                      "mlgit.yaml": "stages:\n  t:\n    cmd: x ${a}\n"},
            "stages.t.cmd: '${a}': 'c' is null, which cannot be written as an option")


VARS_ERRORS = [
    ("vars: [missing.yaml]", "mlgit.yaml:1: vars[0]: missing.yaml: no such file"),
    ("vars: [p.json:nokey]", "vars[0]: 'nokey' is not a key of p.json"),
    ("vars: [p.json, p.json:nokey]", "vars[1]: 'nokey' is not a key of p.json"),
    ("vars: [params.yaml:nokey]", "vars[0]: 'nokey' is not a key of params.yaml"),
    ("vars: [p.txt]", "vars[0]: p.txt: cannot read values from this kind of file"),
    ("vars: [bad.yaml]", "vars[0]: bad.yaml:2: invalid YAML"),
    ("vars: [list.yaml]", "vars[0]: list.yaml: expected a mapping at the top of the file"),
    ("vars: [/etc/x.yaml]", "vars[0]: '/etc/x.yaml': expected a file path relative"),
    ("vars: [../../x.yaml]", "vars[0]: path '../../x.yaml' is outside the repository"),
    ("vars: [3]", "vars[0]: expected a file name or a mapping"),
    ("vars: {a: 1}", "mlgit.yaml:1: vars: expected a list of file names and mappings"),
    ("vars: [{a: '${b}'}]", "vars[0]: ${...} cannot be used in vars"),
    ("vars: [{k: 1}, {k: 2}]", "vars[1]: 'k' is defined twice: in vars[0] and in vars[1]"),
]


def test_a_broken_params_yaml_is_not_blamed_on_vars(gitrepo: Path) -> None:
    error = refused(gitrepo, {"params.yaml": "a: [\n", "mlgit.yaml": "stages:\n  t:\n    cmd: x\n"},
                    "mlgit.yaml: params.yaml:2: invalid YAML")
    assert "vars" not in error.message


def test_vars_errors(gitrepo: Path) -> None:
    for line, expected in VARS_ERRORS:
        refused(gitrepo, {"p.json": '{"k": 1}', "params.yaml": "q: 1\n", "bad.yaml": "a: [\n",
                          "list.yaml": "- a\n",
                          "mlgit.yaml": f"{line}\nstages:\n  t:\n    cmd: x\n"}, expected)


scalars = st.one_of(st.integers(), st.booleans(),
                    st.text(st.characters(blacklist_characters="$\\{}", codec="utf-8")),
                    st.floats(allow_nan=False, allow_infinity=False))
names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)


@given(name=names, value=scalars)
def test_a_whole_expression_is_the_value_itself(name: str, value: Any) -> None:
    assert resolve_str("${" + name + "}", {name: value}) == value


@given(name=names, value=scalars, before=st.text(alphabet="ab /-"),
       after=st.text(alphabet="ab /-"))
def test_an_embedded_expression_is_the_value_as_text(name: str, value: Any, before: str,
                                                     after: str) -> None:
    expected = ("true" if value else "false") if isinstance(value, bool) else str(value)
    text = before + "${" + name + "}" + after + "!"
    assert resolve_str(text, {name: value}) == before + expected + after + "!"


@given(path=st.lists(st.one_of(names, st.integers(0, 3)), min_size=1, max_size=4),
       value=scalars)
def test_nested_keys_and_indexes_reach_the_value(path: list[Any], value: Any) -> None:
    if isinstance(path[0], int):
        path[0] = "root"
    data: Any = value
    for part in reversed(path[1:]):
        data = [None] * part + [data] if isinstance(part, int) else {part: data}
    expression = str(path[0]) + "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                                        for p in path[1:])
    assert resolve_str("${" + expression + "}", {str(path[0]): data}) == value


@given(text=st.text(alphabet="ab${}.\\[]0 "))
def test_any_text_resolves_or_raises_a_problem(text: str) -> None:
    try:
        resolve_str(text, {"a": {"b": [1]}, "b": "x"})
    except Problem as exc:
        assert exc.message and "\n" not in exc.message


def test_unclosed_after_a_closed_one() -> None:
    with pytest.raises(Problem, match="without a closing"):
        resolve_str("${b} ${b", {"b": "x"})
