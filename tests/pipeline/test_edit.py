"""Writing a stage into an existing mlgit.yaml: the new stage is added (or replaces the old
one) and every other line of the file stays as written."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlgit.pipeline import yamlsource
from mlgit.pipeline.edit import with_stage
from mlgit.pipeline.errors import PipelineError

NEW = {"cmd": "python new.py", "deps": ["a b", "c"], "outs": [{"m.json": {"cache": False}}]}
names = st.from_regex(r"[a-z][a-z0-9_-]{0,6}", fullmatch=True)


def _file(stage_names: list[str], indent: int, comments: bool, after: bool,
          final_newline: bool) -> str:
    pad = " " * indent
    lines = ["# the pipeline" if comments else "", "vars:", "  - x: 1", "stages:"]
    for i, name in enumerate(stage_names):
        lines.append(f"{pad}{name}:" + ("  # a stage" if comments else ""))
        lines.append(f"{pad}{pad}cmd: run {i}")
        if i % 2:
            lines.append(f"{pad}{pad}deps: [x{i}, y{i}]")
        if comments:
            lines.append(f"{pad}# after {name}")
    if after:
        lines += ["metrics:", "  - m.json"]
    text = "\n".join(lines)
    return text + "\n" if final_newline else text


def _load(text: str) -> Any:
    return yamlsource.load(text.encode(), "mlgit.yaml")


@settings(max_examples=60, deadline=None)
@given(stage_names=st.lists(names, min_size=1, max_size=5, unique=True), new=names,
       indent=st.sampled_from([2, 4]), comments=st.booleans(), after=st.booleans(),
       final_newline=st.booleans())
def test_adding_keeps_every_other_line(stage_names: list[str], new: str, indent: int,
                                       comments: bool, after: bool,
                                       final_newline: bool) -> None:
    text = _file(stage_names, indent, comments, after, final_newline)
    if new in stage_names:
        with pytest.raises(PipelineError, match="already exists"):
            with_stage(text, "mlgit.yaml", new, NEW, force=False)
        return
    out = with_stage(text, "mlgit.yaml", new, NEW, force=False)
    before, got = _load(text), _load(out)
    assert list(got["stages"]) == [*before["stages"], new]
    assert got["stages"][new] == NEW
    assert {k: v for k, v in got.items() if k != "stages"} == {
        k: v for k, v in before.items() if k != "stages"}
    old_lines = text.splitlines()
    kept = iter(out.splitlines())
    assert all(line in kept for line in old_lines)  # every old line, in order


@settings(max_examples=60, deadline=None)
@given(stage_names=st.lists(names, min_size=1, max_size=5, unique=True), data=st.data(),
       indent=st.sampled_from([2, 4]), after=st.booleans(), final_newline=st.booleans())
def test_force_replaces_only_that_stage(stage_names: list[str], data: st.DataObject,
                                        indent: int, after: bool,
                                        final_newline: bool) -> None:
    target = data.draw(st.sampled_from(stage_names))
    text = _file(stage_names, indent, False, after, final_newline)
    out = with_stage(text, "mlgit.yaml", target, NEW, force=True)
    before, got = _load(text), _load(out)
    assert list(got["stages"]) == list(before["stages"])
    assert got["stages"][target] == NEW
    for name in stage_names:
        if name != target:
            assert got["stages"][name] == before["stages"][name]
    assert got.get("metrics") == before.get("metrics")


@pytest.mark.parametrize("text", ["", "# only a comment\n", "vars: [{a: 1}]\n", "stages:\n",
                                  "stages: {}\n", "stages: {a: {cmd: x}}\n",
                                  "stages:\nmetrics: [m.json]\n", "stages:  # none yet\n",
                                  "stages: ~  # none yet\nplots: [p]", "stages: null"])
def test_files_without_block_stages(text: str) -> None:
    out = with_stage(text, "mlgit.yaml", "new", NEW, force=False)
    got = _load(out)
    assert got["stages"]["new"] == NEW
    before = _load(text) or {}
    for key, value in before.items():
        if key != "stages":
            assert got[key] == value
    if "#" in text and "{" not in text:
        assert text.split("#", 1)[1].splitlines()[0] in out
