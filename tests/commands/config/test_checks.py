"""Config: `core.remote` must name a remote that exists; a key no command reads is a warning
naming the key (once per command), not an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgit.config import KEYS
from tests.conftest import assert_clean_error, mlgit, write

KNOWN = "known keys: " + ", ".join(sorted(KEYS))


def test_core_remote_must_exist(repo: Path, tmp_path: Path) -> None:
    before = (repo / ".mlgit" / "config.yaml").read_bytes()
    for args in (["config", "core.remote", "nope"], ["config", "--local", "core.remote", "nope"]):
        assert_clean_error(mlgit(repo, *args, code=None), "no remote named 'nope'",
                           "mlgit remote add")
    assert (repo / ".mlgit" / "config.yaml").read_bytes() == before
    assert not (repo / ".mlgit" / "config.local.yaml").exists()
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "store"))
    mlgit(repo, "remote", "add", "backup", str(tmp_path / "other"))
    assert_clean_error(mlgit(repo, "config", "core.remote", "orign", code=None),
                       "no remote named 'orign'", "origin")
    mlgit(repo, "config", "core.remote", "backup")
    assert mlgit(repo, "config", "core.remote").out == "backup\n"
    assert mlgit(repo, "remote", "default").out == "backup\n"


def test_unknown_keys_in_the_file_are_a_warning(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    config = repo / ".mlgit" / "config.yaml"
    config.write_text(config.read_text() + "core:\n  jbos: 3\n  jobs: 2\nfoo: 1\n"
                      f"remote:\n  origin:\n    url: {tmp_path / 'store'}\n")
    write(repo / "data.bin", "x")
    for args in (["add", "data.bin"], ["status"], ["ls"], ["config", "core.jobs"],
                 ["status", "--remote"], ["remote", "list"]):
        result = mlgit(repo, *args, code=None)
        assert result.code == 0, (args, result)
        warnings = [line for line in result.err.splitlines() if line.startswith("warning:")]
        assert warnings == [
            "warning: .mlgit/config.yaml: unknown config key 'core.jbos' is ignored"
            " (did you mean 'core.jobs'?)",
            "warning: .mlgit/config.yaml: unknown config key 'foo' is ignored"
            f" ({KNOWN})"], (args, result.err)
    assert mlgit(repo, "config", "core.jobs").out == "2\n"


def test_unknown_keys_in_the_local_file_name_it(repo: Path) -> None:
    (repo / ".mlgit" / "config.local.yaml").write_text("cache:\n  lnk: copy\n")
    result = mlgit(repo, "status")
    assert result.err == ("warning: .mlgit/config.local.yaml: unknown config key 'cache.lnk'"
                          " is ignored (did you mean 'cache.link'?)\n")


def test_asking_for_an_unknown_key_is_still_an_error(repo: Path) -> None:
    assert_clean_error(mlgit(repo, "config", "core.jbos", code=None),
                       "unknown config key 'core.jbos'", "known keys")


def test_asking_for_a_key_that_is_in_the_file_gives_only_the_error(repo: Path) -> None:
    config = repo / ".mlgit" / "config.yaml"
    config.write_text(config.read_text() + "core:\n  jbos: 3\nfoo: 1\n")
    result = mlgit(repo, "config", "core.jbos", code=1)
    assert result.err.splitlines() == [
        f"warning: .mlgit/config.yaml: unknown config key 'foo' is ignored ({KNOWN})",
        "error: unknown config key 'core.jbos'",
        f"hint: {KNOWN}"]


@pytest.mark.parametrize("flag", [[], ["--local"]])
def test_a_three_level_key_set_by_config_is_not_called_unknown(repo: Path,
                                                               flag: list[str]) -> None:
    mlgit(repo, "config", *flag, "hooks.pre_commit.stale_stages", "error")
    result = mlgit(repo, "status")
    assert "warning" not in result.err, result.err
    assert mlgit(repo, "config", "hooks.pre_commit.stale_stages").out == "error\n"
    # a typo one level down is still named (in the other file: no key twice in one)
    other = repo / ".mlgit" / ("config.yaml" if flag else "config.local.yaml")
    text = other.read_text() if other.exists() else ""
    other.write_text(text + "hooks:\n  pre_commit:\n    stale_stagse: warn\n")
    assert ("unknown config key 'hooks.pre_commit.stale_stagse' is ignored (did you mean"
            " 'hooks.pre_commit.stale_stages'?)") in mlgit(repo, "status").err
