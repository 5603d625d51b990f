"""mlgit remote add/list/remove/default/modify: what goes where, what is refused, and that
option values (credentials) never appear in files that are committed or in any output."""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

from tests.conftest import assert_clean_error, git, mlgit, write

SECRET = "s3cr3t-value-never-printed"


def test_add_list_default_remove(repo: Path, tmp_path: Path) -> None:
    added = mlgit(repo, "remote", "add", "origin", str(tmp_path / "store"))
    assert "added remote origin (default)" in added.out
    mlgit(repo, "remote", "add", "backup", "gs://bucket/prefix")
    listed = mlgit(repo, "remote", "list").lines
    assert listed == [f"* origin  {tmp_path / 'store'}", "  backup  gs://bucket/prefix"]
    assert mlgit(repo, "remote", "default").out.strip() == "origin"
    mlgit(repo, "remote", "default", "backup")
    assert json.loads(mlgit(repo, "remote", "default", "--json").out) == {"default": "backup"}
    config = yaml.safe_load((repo / ".mlgit/config.yaml").read_text())
    assert config["core"]["remote"] == "backup"
    assert config["remote"]["backup"] == {"url": "gs://bucket/prefix"}
    mlgit(repo, "remote", "remove", "backup")
    assert "backup" not in mlgit(repo, "remote", "list").out
    assert mlgit(repo, "remote", "default").out.startswith("no default remote")


def test_credentials_go_to_the_local_file_and_are_never_printed(repo: Path) -> None:
    mlgit(repo, "remote", "add", "s3", "s3://bucket/data")
    refused = mlgit(repo, "remote", "modify", "s3", "secret_access_key", SECRET, code=1)
    assert_clean_error(refused, "credential", "--local")
    for key in ("access_key_id", "secret_access_key"):
        done = mlgit(repo, "remote", "modify", "s3", key, SECRET, "--local")
        assert SECRET not in done.out + done.err
    mlgit(repo, "remote", "modify", "s3", "region", "eu-west-1")
    listed = mlgit(repo, "remote", "list")
    assert SECRET not in listed.out
    assert "access_key_id (local)" in listed.out and "region" in listed.out
    as_json = mlgit(repo, "remote", "list", "--json").out
    assert SECRET not in as_json
    assert SECRET not in (repo / ".mlgit/config.yaml").read_text()
    local = repo / ".mlgit/config.local.yaml"
    assert SECRET in local.read_text() and local.stat().st_mode & 0o077 == 0
    git(repo, "add", "-A")
    assert ".mlgit/config.local.yaml" not in git(repo, "diff", "--cached", "--name-only")
    mlgit(repo, "remote", "modify", "s3", "secret_access_key", "--unset", "--local")
    mlgit(repo, "remote", "modify", "s3", "access_key_id", "--unset", "--local")
    assert SECRET not in local.read_text()


def test_bad_remote_input_gets_one_clear_line(repo: Path) -> None:
    cases = [
        (("remote", "add", "origin", "ftp://host/x"), "unsupported remote URL scheme"),
        (("remote", "add", "bad name", "/tmp/x"), "not a remote name"),
        (("remote", "remove", "nope"), "no remote named 'nope'"),
        (("remote", "default", "nope"), "no remote named 'nope'"),
        (("push",), "no remote given and no default remote set"),
    ]
    for args, needle in cases:
        assert_clean_error(mlgit(repo, *args, code=1), needle)
    mlgit(repo, "remote", "add", "origin", "gs://bucket")
    assert_clean_error(mlgit(repo, "remote", "add", "origin", "gs://other", code=1),
                       "already exists", "--force")
    assert_clean_error(mlgit(repo, "remote", "modify", "origin", "profile", "x", code=1),
                       "unknown option 'profile' for a gs remote", "project")
    mlgit(repo, "remote", "add", "origin", "s3://other", "--force")
    assert "s3://other" in mlgit(repo, "remote", "list").out
    usage = mlgit(repo, "remote", "modify", "origin", "region", code=2)
    assert "VALUE or --unset" in usage.err


def test_url_credentials_are_refused_and_never_echoed(repo: Path) -> None:
    result = mlgit(repo, "remote", "add", "origin", f"s3://user:{SECRET}@bucket/x", code=1)
    assert SECRET not in result.out + result.err
    assert not (repo / ".mlgit/config.local.yaml").exists()


def test_a_broken_remote_section_is_a_clear_error(repo: Path) -> None:
    write(repo / ".mlgit/config.yaml", "remote:\n  origin: [1, 2]\n")
    assert_clean_error(mlgit(repo, "push", code=1), "remote 'origin' must be a mapping")
    write(repo / ".mlgit/config.yaml", "remote:\n  origin:\n    region: x\n")
    assert_clean_error(mlgit(repo, "push", code=1), "remote 'origin' has no url")


def test_a_remote_broken_by_hand_is_repaired_with_the_commands_its_hints_name(
        repo: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    write(repo / "a.txt", "hello")
    mlgit(repo, "add", "a.txt")
    # an entry left empty is a remote without a url, not a missing remote
    write(repo / ".mlgit/config.yaml", "remote:\n  origin: {}\ncore:\n  remote: origin\n")
    broken = mlgit(repo, "push", code=1)
    assert_clean_error(broken, "remote 'origin' has no url",
                       "'mlgit remote modify origin url URL'")
    mlgit(repo, "remote", "modify", "origin", "url", str(store))
    assert mlgit(repo, "push").code == 0
    # an unknown option: its hint's --unset removes it
    write(repo / ".mlgit/config.yaml",
          f"remote:\n  origin: {{url: {store}, bogus: 1}}\ncore:\n  remote: origin\n")
    assert_clean_error(mlgit(repo, "push", code=1), "unknown option 'bogus'",
                       "'mlgit remote modify origin KEY --unset'")
    mlgit(repo, "remote", "modify", "origin", "bogus", "--unset")
    assert "bogus" not in (repo / ".mlgit/config.yaml").read_text()
    # a misspelt url key: each step is kept, and says what is still wrong
    write(repo / ".mlgit/config.yaml", f"remote:\n  origin: {{URL: {store}}}\n")
    step = mlgit(repo, "remote", "modify", "origin", "url", str(store))
    assert step.out.strip() == "modified remote origin"
    assert step.err.strip() == ("warning: it does not work yet: remote 'origin': unknown"
                                " option 'URL' for a local remote")
    done = mlgit(repo, "remote", "modify", "origin", "URL", "--unset")
    assert done.out.strip() == f"modified remote origin: {store}" and not done.err
    assert json.loads(mlgit(repo, "push", "--json").out)["failed"] == []


def test_missing_package_names_the_pip_command(repo: Path, tmp_path: Path) -> None:
    mlgit(repo, "remote", "add", "origin", "ssh://host/srv/store")
    blocker = tmp_path / "blocker"
    write(blocker / "sshfs/__init__.py", "raise ImportError('blocked for this test')\n")
    result = mlgit(repo, "push", code=1, env={"PYTHONPATH": str(blocker)})
    assert "pip install 'mlgit[ssh]'" in result.err


def test_relative_local_remote_is_relative_to_the_repo_root(repo: Path) -> None:
    write(repo / "a.txt", "hello")
    mlgit(repo, "add", "a.txt")
    (repo.parent / "store").mkdir()
    mlgit(repo, "remote", "add", "origin", "../store")
    (repo / "sub").mkdir()
    mlgit(repo / "sub", "push")
    assert any((repo.parent / "store").rglob("*.idx"))
    # typed in a subfolder, a relative path is relative to that folder; stored from the root
    mlgit(repo / "sub", "remote", "add", "other", "../../other-store")
    config = yaml.safe_load((repo / ".mlgit/config.yaml").read_text())
    assert config["remote"]["other"]["url"] == "../other-store"
    mlgit(repo / "sub", "remote", "modify", "other", "url", "../../third")
    assert "  other   ../third" in mlgit(repo, "remote", "list").out


def test_a_change_that_would_break_the_remote_is_refused_and_not_written(repo: Path) -> None:
    mlgit(repo, "remote", "add", "gcs", "gs://bucket/x")
    mlgit(repo, "remote", "modify", "gcs", "project", "p", "--local")
    before = (repo / ".mlgit/config.local.yaml").read_text()
    refused = mlgit(repo, "remote", "modify", "gcs", "url", "/tmp/zz", "--local", code=1)
    assert_clean_error(refused, "would not work after this change", "unknown option 'project'")
    refused = mlgit(repo, "remote", "modify", "gcs", "anonymous", "maybe", code=1)
    assert_clean_error(refused, "'anonymous' must be true or false")
    assert (repo / ".mlgit/config.local.yaml").read_text() == before
    assert "gs://bucket/x" in mlgit(repo, "remote", "list").out


def test_push_never_sends_a_corrupt_or_missing_cache_object(repo: Path, tmp_path: Path) -> None:
    from mlgit import pointer
    from tests.conftest import damage_object, delete_object

    write(repo / "good.txt", "fine")
    write(repo / "bad.bin", os.urandom(2_000_000))
    write(repo / "small.txt", "small and damaged")
    write(repo / "gone.txt", "deleted from the cache")
    mlgit(repo, "add", "good.txt", "bad.bin", "small.txt", "gone.txt")

    def oid(name: str) -> str:
        return pointer.loads((repo / f"{name}.mlgit").read_bytes(), name).oid

    delete_object(repo, oid("gone.txt"))  # first: it rewrites the pack without damaged objects
    damage_object(repo, oid("bad.bin"))
    damage_object(repo, oid("small.txt"))
    (tmp_path / "store").mkdir()
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "store"))
    result = mlgit(repo, "push", "--json", code=1)
    failed = {f["path"]: f["reason"] for f in json.loads(result.out)["failed"]}
    assert set(failed) == {"bad.bin", "small.txt", "gone.txt"}
    assert "corrupt" in failed["bad.bin"] and "corrupt" in failed["small.txt"]
    assert failed["gone.txt"] == "not in the cache"
    stored = [p for p in (tmp_path / "store").rglob("*") if p.is_file()]
    assert not any(oid("bad.bin")[2:] in p.name for p in stored)
    clone = tmp_path / "clone"
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "x")
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    pulled = json.loads(mlgit(clone, "pull", "--json", code=1).out)
    assert {f["path"] for f in pulled["failed"]} == {"bad.bin", "small.txt", "gone.txt"}
    assert (clone / "good.txt").read_text() == "fine"
