"""Bad input: one `error:` line, one `hint:` line, exit 1, no traceback, nothing lost."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from mlgit import pointer
from mlgit.hashing import hash_bytes
from mlgit.storage import manifests
from tests.conftest import (
    assert_clean_error,
    cache_oids,
    damage_object,
    git,
    make_tree,
    mlgit,
    object_bytes,
    read_tree,
    write,
)


def snapshot(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in read_tree(root).items() if not k.startswith((".git/", ".mlgit/tmp"))}


def test_not_a_git_repo(tmp_path: Path) -> None:
    for args in (["init"], ["add", "x"], ["status"], ["checkout"], ["ls"], ["gc"]):
        assert_clean_error(mlgit(tmp_path, *args, code=None), "not inside a Git repository",
                           "git init")


def test_not_initialised(gitrepo: Path) -> None:
    write(gitrepo / "f", "x")
    for args in (["add", "f"], ["status"], ["checkout"], ["ls"], ["rm", "f"], ["gc"]):
        assert_clean_error(mlgit(gitrepo, *args, code=None), "not initialised", "mlgit init")
    assert not (gitrepo / ".mlgit").exists()


def test_path_does_not_exist(repo: Path) -> None:
    assert_clean_error(mlgit(repo, "add", "nope.bin", code=None), "nope.bin",
                       "no such file")


def test_glob_without_matches(repo: Path) -> None:
    assert_clean_error(mlgit(repo, "add", "*.nothing", code=None), "no file matches")


@pytest.mark.parametrize("target", ["../outside.bin", "/etc/hostname"])
def test_path_outside_the_repo(repo: Path, target: str) -> None:
    write(repo.parent / "outside.bin", "x")
    assert_clean_error(mlgit(repo, "add", target, code=None), "outside the repository")
    assert not [p for p in repo.glob("*.mlgit") if p.is_file()]


def test_symlinked_folder_cannot_smuggle_a_path_out(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    write(outside / "secret.bin", "s")
    (repo / "link").symlink_to(outside)
    assert_clean_error(mlgit(repo, "add", "link/secret.bin", code=None), "outside")


@pytest.mark.parametrize("target", [".git/config", ".mlgit/config.yaml", ".mlgit"])
def test_paths_inside_git_or_mlgit(repo: Path, target: str) -> None:
    assert_clean_error(mlgit(repo, "add", target, code=None), "never")


def test_repo_root_itself(repo: Path) -> None:
    assert_clean_error(mlgit(repo, "add", ".", code=None), "root")


def test_path_already_tracked_by_git(repo: Path) -> None:
    write(repo / "data" / "tracked.csv", "a,b")
    git(repo, "add", "data/tracked.csv")
    result = mlgit(repo, "add", "data", code=None)
    assert_clean_error(result, "already tracked by Git", "git rm -r --cached")
    assert not (repo / "data.mlgit").exists()


def test_adding_a_pointer_file(repo: Path) -> None:
    write(repo / "m.bin", "x")
    mlgit(repo, "add", "m.bin")
    before = (repo / "m.bin.mlgit").read_bytes()
    assert_clean_error(mlgit(repo, "add", "m.bin.mlgit", code=None), "pointer file",
                       "mlgit add m.bin")
    assert (repo / "m.bin.mlgit").read_bytes() == before


def test_overlapping_artifacts(repo: Path) -> None:
    write(repo / "data" / "sub" / "f", "x")
    mlgit(repo, "add", "data")
    # a path inside a tracked folder updates that folder
    # (tests/commands/add/test_inside_a_tracked_folder.py)
    assert mlgit(repo, "add", "data/sub").lines == ["unchanged data (1 file, 1 B)"]
    write(repo / "other" / "inner" / "g", "y")
    mlgit(repo, "add", "other/inner")
    assert_clean_error(mlgit(repo, "add", "other", code=None), "contains other/inner",
                       "mlgit rm")


BAD_POINTERS = {
    "not yaml": (b"version: 1\nkind: [file\n", "not a valid pointer file"),
    "not a mapping": (b"- version: 1\n- kind: file\n", "expected a YAML mapping"),
    "wrong type": (b'version: 1\nkind: file\npath: "m.bin"\nhash: xxh3-128\n'
                   b'oid: "0123456789abcdef0123456789abcdef"\nsize: "big"\n', "'size' must be"),
    "bool size": (b'version: 1\nkind: file\npath: "m.bin"\nhash: xxh3-128\n'
                  b'oid: "0123456789abcdef0123456789abcdef"\nsize: true\n', "'size' must be"),
    "future version": (b"version: 99\nkind: file\n", "unsupported pointer format version 99"),
    "bad oid": (b'version: 1\nkind: file\npath: "m.bin"\nhash: xxh3-128\noid: "../../x"\n'
                b"size: 1\n", "oid must be"),
    "absolute path": (b'version: 1\nkind: file\npath: "/etc/passwd"\nhash: xxh3-128\n'
                      b'oid: "0123456789abcdef0123456789abcdef"\nsize: 1\n', "absolute path"),
    "dotdot path": (b'version: 1\nkind: file\npath: "../../escape"\nhash: xxh3-128\n'
                    b'oid: "0123456789abcdef0123456789abcdef"\nsize: 1\n', "'..'"),
    "git path": (b'version: 1\nkind: file\npath: ".git/config"\nhash: xxh3-128\n'
                 b'oid: "0123456789abcdef0123456789abcdef"\nsize: 1\n', ".git"),
    "binary": (b"\xff\xfe\x00garbage", "not a valid pointer file"),
}


@pytest.mark.parametrize("case", sorted(BAD_POINTERS))
def test_bad_pointer_files(repo: Path, case: str) -> None:
    raw, needle = BAD_POINTERS[case]
    write(repo / "m.bin.mlgit", raw)
    write(repo / "keep.txt", "user data")
    before = snapshot(repo)
    for args in (["checkout", "m.bin"], ["status", "m.bin"]):
        result = mlgit(repo, *args, code=None)
        assert_clean_error(result, "m.bin.mlgit", needle)
    # whole-repo commands report the broken pointer per path and exit 1
    status_all = mlgit(repo, "status", code=1)
    assert any(line.startswith("error: ") and "m.bin.mlgit" in line
               for line in status_all.err.splitlines()), status_all.err
    checkout_all = mlgit(repo, "checkout", code=1)
    assert "m.bin.mlgit" in checkout_all.err
    assert snapshot(repo) == before
    assert not (repo.parent / "escape").exists()


def test_pointer_with_merge_conflict_markers(repo: Path) -> None:
    write(repo / "m.bin.mlgit", "<<<<<<< HEAD\noid: a\n=======\noid: b\n>>>>>>> other\n")
    assert_clean_error(mlgit(repo, "checkout", "m.bin", code=None),
                       "merge conflict in m.bin.mlgit")


def _plant_dir_pointer(repo: Path, manifest_json: bytes) -> None:
    oid = hash_bytes(manifest_json)
    obj = repo / ".mlgit" / "cache" / oid[:2] / oid[2:]
    write(obj, manifest_json)
    ptr = pointer.Pointer(kind="dir", path="data", oid=oid, size=1, files=1)
    write(repo / "data.mlgit", pointer.dumps(ptr))


@pytest.mark.parametrize("evil", ["../escaped.txt", "/tmp/abs.txt", "a/../../x", ".git/hooks/x"])
def test_manifest_entries_that_escape_are_refused(repo: Path, evil: str) -> None:
    payload = b"evil"
    oid = hash_bytes(payload)
    write(repo / ".mlgit" / "cache" / oid[:2] / oid[2:], payload)
    doc = {"version": 1, "paths": [evil], "oids": [oid], "sizes": [4], "exec": [False]}
    _plant_dir_pointer(repo, json.dumps(doc).encode())
    result = mlgit(repo, "checkout", code=1)
    assert "data" in result.err and ("'..'" in result.err or "absolute" in result.err
                                      or ".git" in result.err)
    assert not (repo.parent / "escaped.txt").exists()
    assert not Path("/tmp/abs.txt").exists()
    assert not (repo / ".git" / "hooks" / "x").exists()
    assert not (repo / "data").exists()


def test_manifest_that_is_not_json(repo: Path) -> None:
    _plant_dir_pointer(repo, b"{not json")
    result = mlgit(repo, "checkout", code=1)
    assert "not valid JSON" in result.err


def test_corrupt_cache_object_is_detected_at_checkout(repo: Path) -> None:
    make_tree(repo / "data", {"good.txt": "good content", "bad.txt": "will be corrupted"})
    mlgit(repo, "add", "data")
    shutil.rmtree(repo / "data")
    oid = hash_bytes(b"will be corrupted")
    damage_object(repo, oid, at=3, junk=b"FLIP")
    result = mlgit(repo, "checkout", code=1)
    assert "data/bad.txt" in result.err and "corrupt" in result.err
    assert read_tree(repo / "data") == {"good.txt": b"good content"}
    # evidence left for the user, set aside where nothing reads it again
    assert (repo / ".mlgit/cache/quarantine" / oid).read_bytes() == b"wilFLIP corrupted"
    assert not [p for p in (repo / "data").iterdir() if "mlgit-tmp" in p.name]


def test_corrupt_large_object_is_detected(repo: Path) -> None:
    big = os.urandom(5 << 20)
    write(repo / "big.bin", big)
    mlgit(repo, "add", "big.bin")
    (repo / "big.bin").unlink()
    oid = hash_bytes(big)
    damage_object(repo, oid, at=3 << 20, junk=b"\x00\x01\x02")
    result = mlgit(repo, "checkout", code=1)
    assert "big.bin" in result.err and "corrupt" in result.err
    assert not (repo / "big.bin").exists()
    assert os.listdir(repo).count("big.bin") == 0


def test_symlink_inside_added_directory_is_refused(repo: Path) -> None:
    make_tree(repo / "data", {"real.txt": "r"})
    (repo / "data" / "link.txt").symlink_to("real.txt")
    result = mlgit(repo, "add", "data", code=None)
    assert_clean_error(result, "data/link.txt", "symbolic link", "cp -L")
    assert not (repo / "data.mlgit").exists()
    assert (repo / "data" / "link.txt").is_symlink()


def test_symlink_as_the_target_is_refused(repo: Path) -> None:
    write(repo / "real.bin", "r")
    (repo / "alias.bin").symlink_to("real.bin")
    assert_clean_error(mlgit(repo, "add", "alias.bin", code=None), "symbolic link")


def test_nested_git_folder_is_refused(repo: Path) -> None:
    make_tree(repo / "data", {"x": "1", ".git/HEAD": "ref"})
    assert_clean_error(mlgit(repo, "add", "data", code=None), ".git")


def test_untracked_target_for_checkout(repo: Path) -> None:
    write(repo / "d" / "f", "x")
    mlgit(repo, "add", "d")
    assert_clean_error(mlgit(repo, "checkout", "nothing", code=None), "not tracked by mlgit")
    assert_clean_error(mlgit(repo, "rm", "d/f", code=None), "inside the tracked directory d")


def test_unknown_config_key_and_bad_value(repo: Path) -> None:
    assert_clean_error(mlgit(repo, "config", "cache.nope", code=None), "unknown config key",
                       "cache.link")
    assert_clean_error(mlgit(repo, "config", "cache.link", "teleport", code=None),
                       "unknown link type")
    write(repo / "m.bin", "x")
    mlgit(repo, "add", "m.bin")
    write(repo / ".mlgit" / "config.yaml", "cache: [unclosed\n")
    assert_clean_error(mlgit(repo, "status", "m.bin", code=None), "config.yaml", "line")
    assert_clean_error(mlgit(repo, "config", "cache.link", code=None), "config.yaml", "line")


def test_usage_errors_exit_2(repo: Path) -> None:
    result = mlgit(repo, "add", code=2)
    assert "Missing argument" in result.err
    assert mlgit(repo, "frobnicate", code=2).err
    assert mlgit(repo, "status", "--bogus", code=2).err


def test_file_names_with_spaces_and_unicode(repo: Path) -> None:
    names = {"my data/ünïcödé file.txt": "1", "my data/日本語.csv": "2",
             "my data/ spaced .txt": "3", "my data/#hash!bang*.txt": "4"}
    make_tree(repo, names)
    mlgit(repo, "add", "my data")
    write(repo / "[weird] name?.bin", "5")
    mlgit(repo, "add", "[weird] name?.bin")
    # git must ignore exactly these paths
    status = git(repo, "status", "--porcelain", "--untracked-files=all")
    assert "ünïcödé" not in status and "weird] name?.bin\n" not in status
    shutil.rmtree(repo / "my data")
    (repo / "[weird] name?.bin").unlink()
    mlgit(repo, "checkout")
    assert read_tree(repo / "my data") == {k.split("/", 1)[1]: v.encode()
                                           for k, v in names.items()}
    assert (repo / "[weird] name?.bin").read_text() == "5"
    assert mlgit(repo, "status", "-q").code == 0


def test_cache_is_untouched_by_failed_commands(repo: Path) -> None:
    write(repo / "m.bin", "x")
    mlgit(repo, "add", "m.bin")
    before = {oid: object_bytes(repo, oid) for oid in cache_oids(repo)}
    mlgit(repo, "add", "missing", code=1)
    mlgit(repo, "add", "m.bin.mlgit", code=1)
    assert {oid: object_bytes(repo, oid) for oid in cache_oids(repo)} == before


def test_manifest_tree_rejects_file_and_folder_clash() -> None:
    oid = "0" * 32
    doc = {"version": 1, "paths": ["a", "a/b"], "oids": [oid, oid], "sizes": [1, 1],
           "exec": [False, False]}
    with pytest.raises(Exception, match="both file and folder"):
        manifests.loads(json.dumps(doc).encode(), "m")
