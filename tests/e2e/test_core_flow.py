"""The main job end to end: init, add, status, checkout, ls, rm, gc in a real git repo."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import cache_oids, delete_object, git, make_tree, mlgit, read_tree, write

TREE = {
    "a.txt": "alpha\n",
    "sub/b.bin": os.urandom(5000),
    "sub/deeper/c.csv": "x,y\n1,2\n",
    "with space/é ü.txt": "unicode names just work",
    "empty.txt": "",
}


def test_init_creates_layout_and_is_idempotent(gitrepo: Path) -> None:
    first = mlgit(gitrepo, "init")
    assert "Initialised" in first.out
    assert (gitrepo / ".mlgit" / "cache").is_dir()
    assert (gitrepo / ".mlgit" / "tmp").is_dir()
    assert (gitrepo / ".mlgit" / "config.yaml").is_file()
    ignore = (gitrepo / ".mlgit" / ".gitignore").read_text()
    assert "/cache/" in ignore and "/tmp/" in ignore and "/config.local.yaml" in ignore
    second = mlgit(gitrepo, "init")
    assert "Already initialised" in second.out
    git(gitrepo, "add", ".mlgit")
    staged = git(gitrepo, "diff", "--cached", "--name-only").split()
    assert sorted(staged) == [".mlgit/.gitignore", ".mlgit/config.yaml"]


def test_init_from_subfolder_uses_repo_root(gitrepo: Path) -> None:
    (gitrepo / "deep" / "er").mkdir(parents=True)
    mlgit(gitrepo / "deep" / "er", "init")
    assert (gitrepo / ".mlgit").is_dir()


def test_add_dir_and_file_writes_pointers_and_gitignore(repo: Path) -> None:
    make_tree(repo / "data", TREE)
    write(repo / "model.pt", os.urandom(100_000))
    result = mlgit(repo, "add", "data", "model.pt")
    assert "added data (5 files" in result.out
    assert "git add .gitignore data.mlgit model.pt.mlgit" in result.out
    assert (repo / "data.mlgit").is_file() and (repo / "model.pt.mlgit").is_file()
    assert set((repo / ".gitignore").read_text().split()) == {"/data", "/model.pt"}
    # git sees the pointers but not the data
    status = git(repo, "status", "--porcelain", "--untracked-files=all")
    assert "data/" not in status and "model.pt\n" not in status
    assert "data.mlgit" in status
    # every file's content is in the cache, read-only
    # files + manifest + model; empty.txt's content is implicit, never stored
    assert len(cache_oids(repo)) == 4 + 1 + 1
    cache = repo / ".mlgit" / "cache"
    stored = [p for p in cache.rglob("*") if p.is_file()]
    assert stored and all((p.stat().st_mode & 0o222) == 0 for p in stored)


def test_readd_unchanged_is_noop_and_changed_updates(repo: Path) -> None:
    make_tree(repo / "data", TREE)
    mlgit(repo, "add", "data")
    before = (repo / "data.mlgit").read_bytes()
    again = mlgit(repo, "add", "data")
    assert "unchanged data" in again.out
    assert "git add" not in again.out
    assert (repo / "data.mlgit").read_bytes() == before
    write(repo / "data" / "a.txt", "changed\n")
    updated = mlgit(repo, "add", "data")
    assert "updated data" in updated.out
    assert (repo / "data.mlgit").read_bytes() != before


def test_status_reports_each_kind_of_change(repo: Path) -> None:
    make_tree(repo / "data", TREE)
    write(repo / "model.pt", b"weights")
    write(repo / "gone.bin", b"bye")
    mlgit(repo, "add", "data", "model.pt", "gone.bin")
    assert mlgit(repo, "status", "--quiet").out == ""
    write(repo / "data" / "a.txt", "modified\n")
    write(repo / "data" / "new.txt", "new")
    (repo / "data" / "sub" / "b.bin").unlink()
    (repo / "gone.bin").unlink()
    out = mlgit(repo, "status", code=0).out
    assert "data: modified" in out
    assert "modified: a.txt" in out and "added: new.txt" in out and "deleted: sub/b.bin" in out
    assert "gone.bin: deleted" in out
    assert "model.pt: unchanged" in out
    quiet = mlgit(repo, "status", "-q", code=1)
    assert quiet.out == "" and quiet.err == ""
    data = json.loads(mlgit(repo, "status", "--json").out)
    by_path = {d["path"]: d for d in data}
    assert by_path["data"]["modified"] == ["a.txt"]
    assert by_path["gone.bin"]["state"] == "deleted"
    assert by_path["model.pt"]["state"] == "unchanged"


def test_status_reports_not_in_cache(repo: Path) -> None:
    write(repo / "model.pt", b"weights")
    make_tree(repo / "data", {"x": "1", "y": "2"})
    mlgit(repo, "add", "model.pt", "data")
    for oid in cache_oids(repo):
        delete_object(repo, oid)
    out = mlgit(repo, "status").out
    assert "model.pt: unchanged (not in cache" in out
    assert "data: unchanged (not in cache" in out
    mlgit(repo, "status", "-q", code=1)


def test_checkout_restores_deleted_data(repo: Path) -> None:
    make_tree(repo / "data", TREE)
    write(repo / "model.pt", os.urandom(10_000))
    original = read_tree(repo / "data")
    model = (repo / "model.pt").read_bytes()
    mlgit(repo, "add", "data", "model.pt")
    import shutil

    shutil.rmtree(repo / "data")
    (repo / "model.pt").unlink()
    out = mlgit(repo, "checkout").out
    assert "data: 5 restored" in out
    assert read_tree(repo / "data") == original
    assert (repo / "model.pt").read_bytes() == model
    assert mlgit(repo, "status", "-q").code == 0


def test_checkout_follows_git_history(repo: Path) -> None:
    write(repo / "data" / "f.txt", "v1")
    mlgit(repo, "add", "data")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    write(repo / "data" / "f.txt", "v2")
    write(repo / "data" / "g.txt", "only in v2")
    mlgit(repo, "add", "data")
    git(repo, "commit", "-qam", "v2")
    git(repo, "checkout", "-q", "HEAD~1")
    mlgit(repo, "checkout")
    assert read_tree(repo / "data") == {"f.txt": b"v1"}
    git(repo, "checkout", "-q", "main")
    mlgit(repo, "checkout", "data")
    assert read_tree(repo / "data") == {"f.txt": b"v2", "g.txt": b"only in v2"}


def test_checkout_refuses_uncached_changes_without_force(repo: Path) -> None:
    write(repo / "data" / "f.txt", "v1")
    write(repo / "data" / "keep.txt", "same")
    mlgit(repo, "add", "data")
    write(repo / "data" / "f.txt", "precious unsaved work")
    (repo / "data" / "keep.txt").unlink()
    result = mlgit(repo, "checkout", code=1)
    assert "data/f.txt" in result.err and "not in the cache" in result.err
    assert "hint:" in result.err
    assert (repo / "data" / "f.txt").read_text() == "precious unsaved work"
    assert (repo / "data" / "keep.txt").read_text() == "same"  # the rest was restored
    mlgit(repo, "checkout", "--force")
    assert (repo / "data" / "f.txt").read_text() == "v1"


def test_checkout_overwrites_changes_that_are_cached(repo: Path) -> None:
    write(repo / "f.txt", "v1")
    mlgit(repo, "add", "f.txt")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    write(repo / "f.txt", "v2")
    mlgit(repo, "add", "f.txt")  # v2 is now cached
    git(repo, "checkout", "--", "f.txt.mlgit")
    mlgit(repo, "checkout")
    assert (repo / "f.txt").read_text() == "v1"


def test_checkout_removes_extra_files_only_when_cached(repo: Path) -> None:
    write(repo / "data" / "a", "a")
    mlgit(repo, "add", "data")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a")
    write(repo / "data" / "b", "b")
    mlgit(repo, "add", "data")
    git(repo, "checkout", "--", "data.mlgit")
    write(repo / "data" / "c", "uncached extra")
    result = mlgit(repo, "checkout", code=1)
    assert "data/c" in result.err
    assert sorted(read_tree(repo / "data")) == ["a", "c"]


def test_checkout_reports_missing_objects_and_restores_the_rest(repo: Path) -> None:
    make_tree(repo / "data", {"one": "1", "two": "2"})
    mlgit(repo, "add", "data")
    import shutil

    shutil.rmtree(repo / "data")
    from mlgit.hashing import hash_bytes

    delete_object(repo, hash_bytes(b"1"))
    result = mlgit(repo, "checkout", code=1)
    assert "data/one: object not in the cache" in result.err
    assert read_tree(repo / "data") == {"two": b"2"}


def test_ls_lists_artifacts(repo: Path) -> None:
    make_tree(repo / "data", {"x": "12345", "y": "678"})
    write(repo / "m.bin", b"0123456789")
    mlgit(repo, "add", "data", "m.bin")
    rows = json.loads(mlgit(repo, "ls", "--json").out)
    by_path = {r["path"]: r for r in rows}
    assert by_path["data"]["files"] == 2 and by_path["data"]["size"] == 8
    assert by_path["m.bin"]["size"] == 10 and by_path["m.bin"]["in_cache"] is True
    text = mlgit(repo, "ls").out
    assert "data" in text and by_path["data"]["oid"][:12] in text


def test_rm_stops_tracking_and_keeps_data(repo: Path) -> None:
    write(repo / "m.bin", b"data")
    write(repo / "other.bin", b"other")
    mlgit(repo, "add", "m.bin", "other.bin")
    result = mlgit(repo, "rm", "m.bin")
    assert "stopped tracking m.bin" in result.out
    assert "git rm --cached" in result.out
    assert not (repo / "m.bin.mlgit").exists()
    assert (repo / "m.bin").read_bytes() == b"data"
    assert (repo / ".gitignore").read_text().split() == ["/other.bin"]
    mlgit(repo, "rm", "other.bin.mlgit")
    assert not (repo / ".gitignore").exists()


def test_gc_removes_only_unreferenced_objects(repo: Path) -> None:
    write(repo / "f.txt", "v1")
    mlgit(repo, "add", "f.txt")
    write(repo / "f.txt", "v2")
    mlgit(repo, "add", "f.txt")
    assert len(cache_oids(repo)) == 2
    dry = json.loads(mlgit(repo, "gc", "--dry-run", "--json").out)
    assert dry["removed"] == 1 and dry["dry_run"] is True
    assert len(cache_oids(repo)) == 2
    out = mlgit(repo, "gc", "-f").out
    assert "removed 1 object(s), 2 B" in out
    assert len(cache_oids(repo)) == 1
    assert mlgit(repo, "status", "-q").code == 0


def test_gc_refuses_when_a_pointer_is_unreadable(repo: Path) -> None:
    write(repo / "f.txt", "v1")
    mlgit(repo, "add", "f.txt")
    write(repo / "g.txt.mlgit", "not: [valid")
    result = mlgit(repo, "gc", "-f", code=1)
    assert "g.txt.mlgit" in result.err
    assert len(cache_oids(repo)) == 1


def test_glob_patterns_are_expanded(repo: Path) -> None:
    make_tree(repo, {"d/a.csv": "a", "d/b.csv": "b", "d/c.txt": "c"})
    mlgit(repo, "add", "d/*.csv")
    assert (repo / "d" / "a.csv.mlgit").exists() and (repo / "d" / "b.csv.mlgit").exists()
    assert not (repo / "d" / "c.txt.mlgit").exists()
    assert set((repo / "d" / ".gitignore").read_text().split()) == {"/a.csv", "/b.csv"}


def test_commands_work_from_a_subfolder(repo: Path) -> None:
    write(repo / "sub" / "f.bin", b"x")
    mlgit(repo / "sub", "add", "f.bin")
    assert (repo / "sub" / "f.bin.mlgit").exists()
    assert (repo / "sub" / ".gitignore").read_text() == "/f.bin\n"
    (repo / "sub" / "f.bin").unlink()
    mlgit(repo / "sub", "checkout", "f.bin")
    assert (repo / "sub" / "f.bin").read_bytes() == b"x"


def test_executable_bit_is_restored(repo: Path) -> None:
    script = write(repo / "tools" / "run.sh", "#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    mlgit(repo, "add", "tools")
    import shutil

    shutil.rmtree(repo / "tools")
    mlgit(repo, "checkout")
    assert os.access(repo / "tools" / "run.sh", os.X_OK)


def test_config_local_goes_to_the_local_file(repo: Path) -> None:
    mlgit(repo, "config", "core.jobs", "3", "--local")
    assert "jobs: 3" in (repo / ".mlgit" / "config.local.yaml").read_text()
    assert "jobs" not in (repo / ".mlgit" / "config.yaml").read_text()
    assert mlgit(repo, "config", "core.jobs").out.strip() == "3"
    mlgit(repo, "config", "cache.link", "hardlink,copy")
    assert "hardlink" in (repo / ".mlgit" / "config.yaml").read_text()
    assert mlgit(repo, "config", "cache.link", "--json").out.strip().startswith("{")
    git_ignored = git(repo, "check-ignore", ".mlgit/config.local.yaml")
    assert git_ignored.strip() == ".mlgit/config.local.yaml"


def test_version_reports_environment(repo: Path) -> None:
    info = json.loads(mlgit(repo, "version", "--json").out)
    for key in ("mlgit", "python", "xxhash", "pygit2", "dulwich", "fsspec", "typer",
                "cache link type", "filesystem"):
        assert info[key], key
    assert info["cache link type"] in ("reflink", "copy")


def test_help_for_every_command(repo: Path) -> None:
    out = mlgit(repo, "--help").out
    for name in ("init", "add", "status", "checkout", "ls", "rm", "gc", "config", "version",
                 "unprotect"):
        assert name in out
        assert "Usage: mlgit " + name in mlgit(repo, name, "--help").out


def test_python_dash_m_and_console_script_agree(repo: Path) -> None:
    import shutil
    import subprocess
    import sys

    script = shutil.which("mlgit", path=str(Path(sys.executable).parent))
    assert script, "the mlgit console script is installed next to the interpreter"
    direct = subprocess.run([script, "version", "--json"], cwd=repo, capture_output=True,
                            text=True, check=True)
    assert json.loads(direct.stdout)["mlgit"] == json.loads(
        mlgit(repo, "version", "--json").out)["mlgit"]


def test_interrupted_add_leaves_a_consistent_state(repo: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    make_tree(repo / "big", {f"f{i}": os.urandom(50_000) for i in range(3000)})
    proc = subprocess.Popen([sys.executable, "-m", "mlgit", "add", "big"], cwd=repo,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    cache = repo / ".mlgit" / "cache"
    deadline = time.monotonic() + 30  # interrupt once add is storing objects, not at start-up
    while proc.poll() is None and time.monotonic() < deadline \
            and not any(p.is_file() for p in cache.rglob("*")):
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("add finished before the interrupt arrived")
    assert proc.returncode == 130, err
    assert b"Traceback" not in err
    assert not (repo / "big.mlgit").exists()
    mlgit(repo, "add", "big")  # rerunning finishes the job
    mlgit(repo, "gc", "-f")
    assert mlgit(repo, "status", "-q").code == 0


def test_leftover_temp_files_are_ignored_then_cleaned(repo: Path) -> None:
    make_tree(repo / "data", {"a": "1", "sub/b": "2"})
    mlgit(repo, "add", "data")
    leftover = write(repo / "data" / "sub" / ".b.99999999-7.mlgit-tmp", "half written")
    assert "data: unchanged" in mlgit(repo, "status").out
    mlgit(repo, "checkout")
    assert not leftover.exists()
    assert read_tree(repo / "data") == {"a": b"1", "sub/b": b"2"}


def test_empty_tracked_folder_round_trips(repo: Path) -> None:
    (repo / "empty").mkdir()
    mlgit(repo, "add", "empty")
    (repo / "empty").rmdir()
    assert "empty: deleted" in mlgit(repo, "status").out
    mlgit(repo, "checkout")
    assert (repo / "empty").is_dir()
    assert "empty: unchanged" in mlgit(repo, "status").out


def test_gc_counts_an_object_stored_twice_once(repo: Path) -> None:
    write(repo / "f.txt", "v1")
    mlgit(repo, "add", "f.txt")
    write(repo / "f.txt", "v2")
    mlgit(repo, "add", "f.txt")
    from mlgit.hashing import hash_bytes
    from mlgit.storage.objects import LocalODB

    odb = LocalODB(str(repo / ".mlgit" / "cache"))
    for data in (b"v1", b"v2"):  # also keep loose copies of the packed objects
        odb.materialize(hash_bytes(data))
    dry = json.loads(mlgit(repo, "gc", "--dry-run", "--json").out)
    assert (dry["removed"], dry["kept"], dry["freed_bytes"]) == (1, 1, 4)


def test_gc_removes_every_temp_file_left_in_the_cache(repo: Path) -> None:
    """gc holds the cache lock exclusively: no command is writing, so temp files of any age
    are leftovers of killed commands."""
    write(repo / "f.txt", "v1")
    mlgit(repo, "add", "f.txt")
    cache = repo / ".mlgit" / "cache"
    leftovers = [write(cache / "ab" / ".999-1.tmp", "torn"),
                 write(cache / "tmp" / ".999-2.tmp", "x"),
                 write(cache / "packs" / ("0" * 32 + ".pack"), "orphan pack without index"),
                 write(cache / "cd" / ".999-3.tmp", "fresh")]
    for p in leftovers[:3]:
        os.utime(p, (1_600_000_000, 1_600_000_000))
    mlgit(repo, "gc", "-f")
    assert not any(p.exists() for p in leftovers)
    assert mlgit(repo, "status", "-q").code == 0


def test_gc_forgets_memoised_manifests_of_deleted_folders(repo: Path) -> None:
    write(repo / "d" / "a", "1")
    mlgit(repo, "add", "d")
    mlgit(repo, "status")
    write(repo / "d" / "a", "2")
    mlgit(repo, "add", "d")
    mlgit(repo, "status")
    memos = repo / ".mlgit" / "tmp" / "manifests"
    assert len(list(memos.iterdir())) == 2
    mlgit(repo, "gc", "-f")
    assert len(list(memos.iterdir())) == 1
    assert mlgit(repo, "status", "-q").code == 0


def test_missing_subfolders_are_rebuilt_whole(repo: Path) -> None:
    files = {"keep/a": "1", "gone/b": "2", "gone/deeper/c": "3", "top": "4"}
    make_tree(repo / "data", files)
    mlgit(repo, "add", "data")
    import shutil

    shutil.rmtree(repo / "data" / "gone")
    stale = repo / ".mlgit" / "tmp" / "checkout-999999" / "0"
    write(stale / "half-built", "left by a killed checkout")
    out = mlgit(repo, "checkout").out
    assert "data: 2 restored, 2 unchanged" in out
    assert read_tree(repo / "data") == {k: v.encode() for k, v in files.items()}
    assert not [p for p in (repo / ".mlgit" / "tmp").iterdir() if p.name.startswith("checkout-")]
    assert mlgit(repo, "status", "-q").code == 0
