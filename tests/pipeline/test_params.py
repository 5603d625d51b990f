"""Reading params files into values: the formats, dotted keys, the errors, the normal form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlgit import yamlio
from mlgit.errors import BadPath, MlgitError
from mlgit.pipeline.model import ParamRef
from mlgit.pipeline.params import (
    ParamKeyMissing,
    ParamsFileMissing,
    canonical,
    flatten,
    is_missing,
    lookup,
    param_values,
    read_params_file,
)
from mlgit.pipeline.sides import revision_side
from mlgit.pipeline.valuefiles import PARAMS, ValuesFileError, parse_values
from tests.conftest import git, write

SAME_PARAMS = {
    "params.yaml": "seed: 7\ntrain:\n  lr: 0.01\n  layers: [64, 32]\n  name: tree\n",
    "params.json": '{"seed": 7, "train": {"lr": 0.01, "layers": [64, 32], "name": "tree"}}',
    "params.toml": 'seed = 7\n[train]\nlr = 0.01\nlayers = [64, 32]\nname = "tree"\n',
    "params.py": "seed = 7\n\nclass train:\n    lr = 0.01\n    layers = (64, 32)\n"
                 "    name = 'tree'\n",
}
EXPECTED = {"seed": 7, "train": {"lr": 0.01, "layers": [64, 32], "name": "tree"}}


@pytest.mark.parametrize("name", sorted(SAME_PARAMS))
def test_every_format_reads_the_same_values(tmp_path: Path, name: str) -> None:
    write(tmp_path / name, SAME_PARAMS[name])
    assert read_params_file(str(tmp_path), name) == EXPECTED
    assert param_values(str(tmp_path), ParamRef(name, None)) == {
        "seed": 7, "train.lr": 0.01, "train.layers": [64, 32], "train.name": "tree"}


def test_used_keys_are_flattened_and_a_mapping_key_gives_its_values(tmp_path: Path) -> None:
    write(tmp_path / "conf/params.yaml", SAME_PARAMS["params.yaml"])
    ref = ParamRef("conf/params.yaml", ("train.lr", "seed"))
    assert param_values(str(tmp_path), ref) == {"train.lr": 0.01, "seed": 7}
    ref = ParamRef("conf/params.yaml", ("train",))
    assert param_values(str(tmp_path), ref) == {
        "train.lr": 0.01, "train.layers": [64, 32], "train.name": "tree"}


def test_a_key_written_with_a_dot_is_found_before_nesting(tmp_path: Path) -> None:
    write(tmp_path / "params.yaml", "a.b: 1\na:\n  b: 2\n  c.d: 3\n")
    assert param_values(str(tmp_path), ParamRef("params.yaml", ("a.b", "a.c.d"))) == {
        "a.b": 1, "a.c.d": 3}


def test_python_params_are_read_without_running_the_file(tmp_path: Path) -> None:
    write(tmp_path / "params.py", """
import os
open("ran", "w").write("the file was run")
EPOCHS: int = 10
NEG = -0.5
A = B = {"k": [1, 2]}
DERIVED = EPOCHS * 2
PATH = os.path.join("a", "b")

class Train:
    lr = 0.1
    def __init__(self):
        self.dropout = 0.2
        self.other = compute()
        local = 5

    class Inner:
        depth = 3
""")
    assert read_params_file(str(tmp_path), "params.py") == {
        "EPOCHS": 10, "NEG": -0.5, "A": {"k": [1, 2]}, "B": {"k": [1, 2]},
        "Train": {"lr": 0.1, "Inner": {"depth": 3}, "dropout": 0.2}}
    assert not (tmp_path / "ran").exists()


def test_dates_and_keys_come_out_as_text(tmp_path: Path) -> None:
    write(tmp_path / "params.yaml", "day: 2024-05-01\n2: two\nnull: x\nfalse: no\n")
    write(tmp_path / "params.toml", "when = 2024-05-01T10:00:00Z\n")
    assert read_params_file(str(tmp_path), "params.yaml") == {
        "day": "2024-05-01", "2": "two", "null": "x", "false": False}
    assert read_params_file(str(tmp_path), "params.toml") == {
        "when": "2024-05-01T10:00:00+00:00"}


def test_an_empty_file_has_no_params(tmp_path: Path) -> None:
    write(tmp_path / "params.yaml", "")
    assert param_values(str(tmp_path), ParamRef("params.yaml", None)) == {}


def test_a_missing_params_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ParamsFileMissing) as err:
        param_values(str(tmp_path), ParamRef("conf/train.yaml", ("lr",)))
    assert err.value.message == "conf/train.yaml: params file not found"
    assert err.value.file == "conf/train.yaml" and err.value.hint


def test_a_missing_key_is_named_with_its_file(tmp_path: Path) -> None:
    write(tmp_path / "params.yaml", "train:\n  lr: 0.1\n")
    with pytest.raises(ParamKeyMissing) as err:
        param_values(str(tmp_path), ParamRef("params.yaml", ("train.epochs",)))
    assert err.value.message == "params.yaml: no parameter 'train.epochs'"
    assert err.value.key == "train.epochs"


@pytest.mark.parametrize(("name", "text", "where"), [
    ("params.yaml", "a: 1\nb: [1, 2\nc: 3\n", "params.yaml: line 3, column 2: "),
    ("params.json", '{"a": 1,\n "b": }', "params.json: line 2, column 7: "),
    ("params.toml", "a = 1\nb = = 2\n", "params.toml: line 2, column 5: "),
    ("params.py", "a = 1\nb = (\n", "params.py: line 2, column 5: "),
    ("params.yaml", "a: 1\nb: \xff\n", "params.yaml: line 2: not UTF-8 text"),
])
def test_a_file_that_does_not_parse_is_named_with_its_line(
        tmp_path: Path, name: str, text: str, where: str) -> None:
    write(tmp_path / name, text.encode("latin-1"))
    with pytest.raises(ValuesFileError) as err:
        read_params_file(str(tmp_path), name)
    assert err.value.message.startswith(where), err.value.message
    assert err.value.hint == "fix the file's syntax"


def test_an_unsupported_suffix_is_refused_before_reading(tmp_path: Path) -> None:
    with pytest.raises(ValuesFileError) as err:
        read_params_file(str(tmp_path), "params.ini")
    assert err.value.message == "params.ini: unsupported params file type '.ini'"
    assert ".toml" in err.value.hint


def test_a_top_level_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "params.yaml", "- 1\n- 2\n")
    with pytest.raises(ValuesFileError, match="expected a mapping of names to values"):
        read_params_file(str(tmp_path), "params.yaml")


@pytest.mark.parametrize("rel", ["/etc/passwd.yaml", "../outside.yaml", ".git/config.yaml"])
def test_a_path_outside_the_repository_is_refused(tmp_path: Path, rel: str) -> None:
    with pytest.raises(BadPath):
        read_params_file(str(tmp_path), rel)


def test_canonical_text_ignores_key_order_and_tells_types_apart() -> None:
    assert canonical({"b": 1, "a": [1, 2]}) == canonical({"a": [1, 2], "b": 1})
    assert len({canonical(v) for v in (1, 1.0, True, "1", [1], None)}) == 6


# keys without dots: a dotted key is ambiguous by design (see lookup)
_keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                min_size=1, max_size=8).filter(lambda k: "." not in k)
_scalars = (st.none() | st.booleans() | st.integers() | st.text(max_size=8)
            | st.floats(allow_nan=False, allow_infinity=False))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(_keys, inner, max_size=3), max_leaves=12)
_params = st.dictionaries(_keys, _values, max_size=5)


@settings(max_examples=200, deadline=None)
@given(_params)
def test_every_flattened_key_looks_up_its_value(data: dict) -> None:
    flat = flatten(data)
    for key, value in flat.items():
        found = lookup(data, key)
        assert not is_missing(found) and found == value
        assert not isinstance(value, dict) or value == {}
    assert len(flat) == _leaves(data)
    assert is_missing(lookup(data, "\x00absent"))


def _leaves(data: dict) -> int:
    """Values that are not a non-empty mapping, at any depth."""
    return sum(_leaves(v) if isinstance(v, dict) and v else 1 for v in data.values())


@settings(max_examples=100, deadline=None)
@given(_params)
def test_values_survive_a_trip_through_yaml_and_json(data: dict) -> None:
    assert parse_values("p.yaml", yamlio.dump(data).encode(), PARAMS) == data
    assert parse_values("p.json", json.dumps(data).encode(), PARAMS) == data
    assert json.loads(canonical(data)) == data


def test_a_folder_named_like_the_params_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").mkdir()
    with pytest.raises(MlgitError) as err:
        read_params_file(str(tmp_path), "params.yaml")
    assert err.value.message == "params.yaml: is a folder, not a file" and err.value.hint


def test_values_are_read_from_a_revision_when_given_its_reader(gitrepo: Path) -> None:
    write(gitrepo / "params.yaml", "train:\n  lr: 0.1\n")
    git(gitrepo, "add", "-A")
    git(gitrepo, "commit", "-q", "-m", "params")
    write(gitrepo / "params.yaml", "train:\n  lr: 0.2\n")
    head = revision_side(str(gitrepo), "HEAD")
    ref = ParamRef("params.yaml", ("train.lr",))
    assert param_values(str(gitrepo), ref, head.read) == {"train.lr": 0.1}
    assert param_values(str(gitrepo), ref) == {"train.lr": 0.2}


@pytest.mark.parametrize(("name", "text"), [
    ("params.yaml", "a: &x [1, *x]\n"),
    ("params.json", '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"),
])
def test_values_inside_themselves_or_nested_too_deep_are_an_error(
        tmp_path: Path, name: str, text: str) -> None:
    write(tmp_path / name, text)
    with pytest.raises(ValuesFileError) as err:
        read_params_file(str(tmp_path), name)
    assert err.value.message == f"{name}: values nested too deeply (or inside themselves)"


def test_a_yaml_alias_repeated_into_too_many_values_is_an_error(tmp_path: Path) -> None:
    lines = ["a0: &a0 [" + ", ".join(["1"] * 10) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    write(tmp_path / "params.yaml", "\n".join(lines) + "\n")  # 10**9 values once expanded
    with pytest.raises(ValuesFileError) as err:
        read_params_file(str(tmp_path), "params.yaml")
    assert err.value.message == "params.yaml: more than 1000000 values"
