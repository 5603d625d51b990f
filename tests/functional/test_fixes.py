"""Regression tests for reported bugs: each one failed before its fix."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Run, assert_clean_error, make_tree, mlgit, read_tree, write

# --- --help shows the help text of arguments ------------------------------------------------


def test_help_shows_argument_help(tmp_path: Path) -> None:
    # click 8.5 silently dropped typer's argument help; pyproject pins a compatible click.
    add = mlgit(tmp_path, "add", "--help")
    assert "Files, folders or glob patterns." in add.out
    config = mlgit(tmp_path, "config", "--help")
    assert "Setting name, e.g. cache.link." in config.out
    assert "New value; omit to read." in config.out


# --- pointers -------------------------------------------------------------------------------


def test_a_renamed_pointer_is_refused_not_followed(repo: Path) -> None:
    write(repo / "a.bin", "the real a")
    mlgit(repo, "add", "a.bin")
    (repo / "a.bin.mlgit").rename(repo / "b.bin.mlgit")
    write(repo / "b.bin", "something else")
    result = mlgit(repo, "status", "b.bin", code=None)
    assert_clean_error(result, 'b.bin.mlgit: path is "a.bin"', 'can only describe "b.bin"',
                       'set its path to "b.bin"')
    before = (repo / "b.bin").read_bytes()
    mlgit(repo, "checkout", "--force", code=1)
    assert (repo / "b.bin").read_bytes() == before
    # re-adding writes a correct pointer
    mlgit(repo, "add", "b.bin")
    assert b'path: "b.bin"' in (repo / "b.bin.mlgit").read_bytes()
    mlgit(repo, "status", code=0)


def test_written_pointers_start_with_the_plain_header(repo: Path) -> None:
    write(repo / "m.bin", "x")
    mlgit(repo, "add", "m.bin")
    first = (repo / "m.bin.mlgit").read_text().splitlines()[0]
    assert first == "# mlgit pointer: names the content of the data beside it;" \
                    " get the data with 'mlgit checkout'"


# --- add: mlgit's own symlinks, unreadable files ------------------------------------------------


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_re_adding_a_linked_file_is_a_no_op(repo: Path, link: str) -> None:
    mlgit(repo, "config", "cache.link", link)
    write(repo / "m.bin", "model")
    write(repo / "run.sh", "#!/bin/sh\n").chmod(0o755)
    mlgit(repo, "add", "m.bin", "run.sh")
    assert (repo / "m.bin").is_symlink() == (link == "symlink")
    again = mlgit(repo, "add", "m.bin", "run.sh")
    assert again.lines[:2] == ["unchanged m.bin (5 B)", "unchanged run.sh (10 B)"]
    # the link's read-only mode does not erase the recorded executable bit
    assert b"exec: true" in (repo / "run.sh.mlgit").read_bytes()
    mlgit(repo, "status", code=0)


def test_a_symlink_into_another_repos_cache_is_still_refused(repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=other, check=True)
    mlgit(other, "init")
    mlgit(other, "config", "cache.link", "symlink")
    write(other / "m.bin", "model")
    mlgit(other, "add", "m.bin")
    (repo / "m.bin").symlink_to(os.readlink(other / "m.bin"))
    assert_clean_error(mlgit(repo, "add", "m.bin", code=None), "m.bin: is a symbolic link")


def _as_unprivileged(cwd: Path, *args: str) -> Run:
    """Run mlgit so that file permissions apply: root ignores them, so as root drop the
    capabilities that bypass them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH)."""
    cmd = [sys.executable, "-m", "mlgit", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv is not installed")
        cmd = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--", *cmd]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if "setpriv:" in proc.stderr:
        pytest.skip(f"cannot drop capabilities here: {proc.stderr.strip()}")
    assert "Traceback" not in proc.stderr, proc.stderr
    return Run(proc.returncode, proc.stdout, proc.stderr)


def test_an_unreadable_file_is_a_clear_error(repo: Path) -> None:
    write(repo / "ok.bin", "fine")
    locked = write(repo / "locked.bin", "secret")
    locked.chmod(0)
    try:
        result = _as_unprivileged(repo, "add", "ok.bin", "locked.bin")
    finally:
        locked.chmod(0o644)
    assert_clean_error(result, "locked.bin: cannot read it (Permission denied)",
                       "make it readable")
    assert not (repo / "ok.bin.mlgit").exists() and not (repo / "locked.bin.mlgit").exists()
    assert not (repo / ".gitignore").exists()
    assert (repo / "locked.bin").read_text() == "secret"
    mlgit(repo, "add", "ok.bin", "locked.bin")  # fixed: nothing left behind in the way


def test_an_unreadable_folder_inside_an_artifact_is_named(repo: Path) -> None:
    make_tree(repo / "data", {"a.txt": "a", "inner/b.txt": "b"})
    (repo / "data" / "inner").chmod(0)
    try:
        result = _as_unprivileged(repo, "add", "data")
    finally:
        (repo / "data" / "inner").chmod(0o755)
    assert_clean_error(result, "data/inner: cannot read it (Permission denied)",
                       "or move it out of data")
    assert not (repo / "data.mlgit").exists()
    assert read_tree(repo / "data") == {"a.txt": b"a", "inner/b.txt": b"b"}


# --- output wording ---------------------------------------------------------------------------


def test_status_names_a_broken_pointer_once_and_gives_the_hint(repo: Path) -> None:
    write(repo / "good.bin", "g")
    mlgit(repo, "add", "good.bin")
    write(repo / "bad.bin.mlgit", "version: 2\n")
    write(repo / "worse.bin.mlgit", "version: 3\n")
    result = mlgit(repo, "status", code=1)
    assert result.lines == [
        "bad.bin.mlgit: error: unsupported pointer format version 2 (this mlgit reads version 1)",
        "good.bin: unchanged",
        "worse.bin.mlgit: error: unsupported pointer format version 3 (this mlgit reads"
        " version 1)",
    ]
    assert result.err.splitlines() == ["hint: upgrade mlgit, or restore the file from Git"]
    listed = mlgit(repo, "ls", code=1).out
    assert "bad.bin.mlgit  (error: unsupported pointer format version 2" in listed
    as_json = json.loads(mlgit(repo, "status", "--json", code=1).out)
    assert as_json[0] == {"pointer": "bad.bin.mlgit",
                          "error": "unsupported pointer format version 2 (this mlgit reads"
                                   " version 1)",
                          "hint": "upgrade mlgit, or restore the file from Git"}


def test_add_counts_files_in_good_english(repo: Path) -> None:
    make_tree(repo, {"one/a": "a", "two/a": "a", "two/b": "b"})
    assert mlgit(repo, "add", "one", "two").lines[:2] == ["added one (1 file, 1 B)",
                                                          "added two (2 files, 2 B)"]


# --- mlgit config -------------------------------------------------------------------------------


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
                           f"unknown config key '{args[0]}'", "known keys: cache.dir, cache.link")


def test_setting_a_value_keeps_the_comment_header(repo: Path) -> None:
    config = repo / ".mlgit" / "config.yaml"
    header = config.read_text()
    assert header.startswith("# ")
    mlgit(repo, "config", "core.jobs", "3")
    assert config.read_text() == header + "core:\n  jobs: 3\n"
    config.write_text("# Team settings: ask #data before changing.\n#\n\ncore:\n  jobs: 3\n")
    mlgit(repo, "config", "cache.link", "hardlink,copy")
    assert config.read_text().startswith("# Team settings: ask #data before changing.\n#\n")
    mlgit(repo, "config", "--local", "core.jobs", "2")
    local = (repo / ".mlgit" / "config.local.yaml").read_text()
    assert local.startswith("# mlgit settings for this machine only")
    assert local.endswith("core:\n  jobs: 2\n")
    assert mlgit(repo, "config", "cache.link").out == "hardlink,copy\n"
