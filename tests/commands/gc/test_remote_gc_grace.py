"""gc -r --grace takes a finite number of hours: NaN would switch the push-race protection
off without a word (every comparison with it is false)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, git, mlgit, write


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf"])
def test_a_grace_that_is_not_a_number_of_hours_is_refused(repo: Path, tmp_path: Path,
                                                           value: str) -> None:
    store = tmp_path / "store"
    mlgit(repo, "remote", "add", "store", str(store), "--default")
    write(repo / "a.bin", "a")
    mlgit(repo, "add", "a.bin")
    mlgit(repo, "push")
    mlgit(repo, "rm", "a.bin")
    git(repo, "add", "-A")
    before = sorted(store.rglob("*"))
    result = mlgit(repo, "gc", "-r", "store", f"--grace={value}", "-f", code=None)
    if value == "-inf":  # the option's own range check
        assert result.code == 2 and "--grace" in result.err, result
    else:
        assert_clean_error(result, "--grace", "not a number of hours")
    assert sorted(store.rglob("*")) == before
