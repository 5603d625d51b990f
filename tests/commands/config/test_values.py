"""mlgit config: bad values are explained, a bad value in a settings file names the file and the
command that fixes it, unknown keys are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Run, assert_clean_error, mlgit


@pytest.mark.parametrize(("key", "value", "says"), [
    ("core.jobs", "abc", "core.jobs: expected a whole number, got 'abc'"),
    ("core.jobs", "2.5", "core.jobs: expected a whole number, got '2.5'"),
    ("core.jobs", "0", "core.jobs: must be at least 1"),
    ("core.lock_timeout", "soon", "core.lock_timeout: expected a number of seconds, got 'soon'"),
    ("core.lock_timeout", "nan", "expected a number of seconds"),
])
def test_bad_values_are_explained(repo: Path, key: str, value: str, says: str) -> None:
    before = (repo / ".mlgit" / "config.yaml").read_bytes()
    result = mlgit(repo, "config", key, value, code=None)
    assert_clean_error(result, says, f"hint: {key} takes ")
    assert "invalid literal" not in result.err and "could not convert" not in result.err
    assert (repo / ".mlgit" / "config.yaml").read_bytes() == before


@pytest.mark.parametrize("local", [False, True])
def test_a_bad_value_in_a_file_names_that_file_and_its_fix_works(repo: Path,
                                                                 local: bool) -> None:
    name = "config.local.yaml" if local else "config.yaml"
    flag = ["--local"] if local else []
    with (repo / ".mlgit" / name).open("a") as f:
        f.write("core:\n  jobs: lots\n  lock_timeout: soon\n")
    result = mlgit(repo, "status", code=None)
    suggested = " ".join(["mlgit config", *flag, "core.jobs VALUE"])
    assert_clean_error(result, f".mlgit/{name}: core.jobs: expected a whole number, got 'lots'",
                       f"fix it with '{suggested}'", f"or edit .mlgit/{name}")
    # the suggested command works, although the file holds bad values (even the lock timeout)
    mlgit(repo, "config", *flag, "core.jobs", "2")
    assert_clean_error(mlgit(repo, "config", "core.lock_timeout", code=None),
                       f".mlgit/{name}: core.lock_timeout: expected a number of seconds",
                       " ".join(["'mlgit config", *flag, "core.lock_timeout VALUE'"]))
    mlgit(repo, "config", *flag, "core.lock_timeout", "1")
    mlgit(repo, "status")
    assert mlgit(repo, "config", "core.jobs").out == "2\n"


def test_unknown_keys_are_refused_even_when_present_in_the_file(repo: Path) -> None:
    with (repo / ".mlgit" / "config.yaml").open("a") as f:
        f.write("some:\n  unknown:\n    key: 1\n")
    for args in (["some.unknown.key"], ["some.unknown.key", "2"], ["some"]):
        result = mlgit(repo, "config", *args, code=None)
        # the key in the file is also warned about (a line of its own) on every command
        errors = [line for line in result.err.splitlines() if not line.startswith("warning:")]
        assert_clean_error(Run(result.code, result.out, "\n".join(errors)),
                           f"unknown config key '{args[0]}'",
                           "known keys: cache.chunk_threshold, cache.dir, cache.link")


def test_a_key_not_set_and_without_a_default_prints_nothing(repo: Path) -> None:
    result = mlgit(repo, "config", "cache.dir")
    assert result.out == "" and result.err == ""
