from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlgit.errors import BadPath
from mlgit.paths import check_relpath

SEGMENT = st.text(alphabet=st.characters(blacklist_characters="/\0",
                                          blacklist_categories=("Cs",)), min_size=1, max_size=8)


@given(st.lists(SEGMENT, min_size=1, max_size=5))
def test_clean_paths_pass_unchanged_or_fail_for_a_named_reason(parts: list[str]) -> None:
    path = "/".join(parts)
    bad = {".", "..", ".git", ".mlgit", ""}
    if any(p in bad for p in parts):
        if ".." in parts or ".git" in parts or ".mlgit" in parts:
            with pytest.raises(BadPath):
                check_relpath(path, "t")
        return
    assert check_relpath(path, "t") == path


@given(st.text(max_size=40))
def test_result_never_escapes(path: str) -> None:
    try:
        out = check_relpath(path, "t")
    except BadPath:
        return
    parts = out.split("/")
    assert not out.startswith("/")
    assert ".." not in parts and ".git" not in parts and ".mlgit" not in parts
    assert "\0" not in out and "" not in parts


@pytest.mark.parametrize("path", ["/abs", "../x", "a/../../b", "a/.git/config", ".mlgit",
                                  "a\0b", "", "./", "a/..", 5, None])
def test_refused(path: object) -> None:
    with pytest.raises(BadPath):
        check_relpath(path, "t")


@pytest.mark.parametrize(("path", "normal"), [("a//b", "a/b"), ("./a/./b/", "a/b"),
                                              ("dir/file name.txt", "dir/file name.txt")])
def test_normalised(path: str, normal: str) -> None:
    assert check_relpath(path, "t") == normal
