"""mlgit merge-driver, run by real `git merge`: stages and pointers changed on one side merge
cleanly, a true conflict leaves markers that `mlgit status` explains."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import assert_clean_error, git, mlgit, write

STAGE = "  {name}:\n    cmd: echo {word} > {name}.txt\n    outs: [{name}.txt]\n"


@pytest.fixture
def driver_repo(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # git runs the driver as 'mlgit ...': the one installed beside this Python
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    assert "registered" in mlgit(repo, "merge-driver", "--install").out
    return repo


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


def merge(root: Path, branch: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "merge", "-q", "-m", "merge", branch], cwd=root,
                          capture_output=True, text=True)


def three_stages(root: Path) -> None:
    """Stages a, b, c declared (and git-ignored) on both sides; only a has run."""
    write(root / "mlgit.yaml", "stages:\n" + "".join(
        STAGE.format(name=n, word=n) for n in "abc"))
    write(root / ".gitignore", "/a.txt\n/b.txt\n/c.txt\n")
    mlgit(root, "repro", "a")
    commit(root, "base")


def stages_run_on_each_side(root: Path) -> None:
    three_stages(root)
    git(root, "checkout", "-qb", "other")
    mlgit(root, "repro", "c")
    commit(root, "other")
    git(root, "checkout", "-q", "main")
    mlgit(root, "repro", "b")
    commit(root, "main")


def test_stages_run_on_both_sides_merge_cleanly(driver_repo: Path) -> None:
    root = driver_repo
    stages_run_on_each_side(root)
    result = merge(root, "other")
    assert result.returncode == 0, result.stderr
    lock = (root / "mlgit.lock").read_text()
    assert "<<<<<<<" not in lock and "  b:" in lock and "  c:" in lock
    mlgit(root, "checkout")
    assert "stale" not in mlgit(root, "status").out


def test_without_the_driver_git_conflicts(repo: Path) -> None:
    stages_run_on_each_side(repo)
    result = merge(repo, "other")
    assert result.returncode != 0  # what the driver is for
    assert "Merge conflict in mlgit.lock" in result.stdout


def test_a_stage_changed_on_both_sides_is_a_conflict(driver_repo: Path) -> None:
    root = driver_repo
    write(root / "mlgit.yaml", "stages:\n  a:\n    cmd: python3 -c 'import uuid;"
          " print(uuid.uuid4())' > a.txt\n    outs: [a.txt]\n" + STAGE.format(name="b", word="b"))
    mlgit(root, "repro")
    commit(root, "base")
    git(root, "checkout", "-qb", "other")
    mlgit(root, "repro", "-f", "a")
    commit(root, "other")
    git(root, "checkout", "-q", "main")
    mlgit(root, "repro", "-f", "a")
    commit(root, "main")
    result = merge(root, "other")
    assert result.returncode != 0
    assert "merge conflict in mlgit.lock: stage(s) a changed differently" in result.stderr
    lock = (root / "mlgit.lock").read_text()
    assert lock.count("<<<<<<< ours") == 1 and "  b:" in lock.split("<<<<<<<")[0]
    status = mlgit(root, "status", code=None)
    assert "merge conflict in mlgit.lock" in status.out + status.err
    assert "keep one side's entry" in status.out + status.err


def test_a_pointer_changed_on_both_sides_is_a_conflict(driver_repo: Path) -> None:
    root = driver_repo
    write(root / "m.bin", "base")
    mlgit(root, "add", "m.bin")
    commit(root, "base")
    git(root, "checkout", "-qb", "other")
    write(root / "m.bin", "theirs")
    mlgit(root, "add", "m.bin")
    commit(root, "other")
    git(root, "checkout", "-q", "main")
    mlgit(root, "checkout")
    write(root / "m.bin", "ours")
    mlgit(root, "add", "m.bin")
    commit(root, "main")
    result = merge(root, "other")
    assert result.returncode != 0
    assert "merge conflict in m.bin.mlgit: the pointer changed differently" in result.stderr
    status = mlgit(root, "status", code=1)
    assert "merge conflict in m.bin.mlgit" in status.out + status.err
    assert "git checkout --theirs -- m.bin.mlgit" in status.out + status.err
    assert_clean_error(mlgit(root, "diff", code=1), "merge conflict in m.bin.mlgit")


def test_same_pointer_written_differently_merges(tmp_path: Path, repo: Path) -> None:
    write(repo / "m.bin", "same")
    mlgit(repo, "add", "m.bin")
    canonical = (repo / "m.bin.mlgit").read_text()
    oid = canonical.split('oid: "')[1][:32]
    base = write(tmp_path / "base", canonical.replace(oid, "0" * 32))
    ours = write(tmp_path / "ours", canonical)
    theirs = write(tmp_path / "theirs", canonical.replace("# mlgit pointer", "# edited"))
    mlgit(repo, "merge-driver", str(base), str(ours), str(theirs), "m.bin.mlgit")
    assert ours.read_text() == canonical


def test_bad_usage(repo: Path) -> None:
    assert_clean_error(mlgit(repo, "merge-driver", "a", "b", code=1), "four files")


def test_a_file_that_is_not_there_is_a_clean_error(repo: Path, tmp_path: Path) -> None:
    result = mlgit(repo, "merge-driver", str(tmp_path / "base"), str(tmp_path / "ours"),
                   str(tmp_path / "theirs"), "model.bin.mlgit", code=None)
    assert_clean_error(result, f"cannot read {tmp_path / 'base'}")


def test_a_gitattributes_that_is_not_utf8_is_a_clean_error(repo: Path) -> None:
    write(repo / ".gitattributes", b"caf\xe9.bin binary\n")
    assert_clean_error(mlgit(repo, "merge-driver", "--install", code=1),
                       ".gitattributes: is not UTF-8 text", "save it as UTF-8")
    assert_clean_error(mlgit(repo, "install", code=1), ".gitattributes: is not UTF-8 text")
    assert (repo / ".gitattributes").read_bytes() == b"caf\xe9.bin binary\n"


def conflicting_pointers(root: Path, name: str) -> None:
    """`name` changed to a different version on main and on branch other."""
    for side, branch in (("base", None), ("theirs", "other"), ("ours", "main")):
        if branch == "other":
            git(root, "checkout", "-qb", "other")
        elif branch == "main":
            git(root, "checkout", "-q", "main")
            mlgit(root, "checkout")
        write(root / name, side)
        mlgit(root, "add", "--", name)
        commit(root, side)


@pytest.mark.parametrize("name", ["-model.bin", "-d/x.bin"])
def test_a_path_starting_with_a_dash_conflicts_with_markers(driver_repo: Path,
                                                            name: str) -> None:
    root = driver_repo
    conflicting_pointers(root, name)
    result = merge(root, "other")
    assert result.returncode != 0
    assert "No such option" not in result.stdout + result.stderr
    assert f"merge conflict in {name}.mlgit: the pointer changed" in result.stderr
    assert (root / f"{name}.mlgit").read_text().count("<<<<<<< ours") == 1
    status = mlgit(root, "status", code=1)
    assert f"merge conflict in {name}.mlgit" in status.out + status.err


def test_install_upgrades_a_driver_line_without_the_separator(driver_repo: Path) -> None:
    root = driver_repo
    git(root, "config", "merge.mlgit.driver", "mlgit merge-driver %O %A %B %P")
    mlgit(root, "install")
    assert git(root, "config", "merge.mlgit.driver").strip() == \
        "mlgit merge-driver -- %O %A %B %P"


def test_a_driver_line_registered_without_the_separator_still_works(
        driver_repo: Path) -> None:
    root = driver_repo
    git(root, "config", "merge.mlgit.driver", "mlgit merge-driver %O %A %B %P")
    conflicting_pointers(root, "-model.bin")
    result = merge(root, "other")
    assert "No such option" not in result.stdout + result.stderr
    assert (root / "-model.bin.mlgit").read_text().count("<<<<<<< ours") == 1


@pytest.mark.parametrize("kind", ["symlink", "fifo", "folder"])
def test_ours_that_is_not_a_regular_file_is_refused(repo: Path, tmp_path: Path,
                                                   kind: str) -> None:
    """Run by hand (Git always passes its own temporary files): `/dev/null` or a link as
    OURS must never be replaced by the result."""
    base = write(tmp_path / "base", "")
    theirs = write(tmp_path / "theirs", "")
    target = write(tmp_path / "target", "kept")
    ours = tmp_path / "ours"
    if kind == "symlink":
        ours.symlink_to(target)
    elif kind == "fifo":
        os.mkfifo(ours)
    else:
        ours.mkdir()
    result = mlgit(repo, "merge-driver", str(base), str(ours), str(theirs), "x.mlgit",
                   code=None)
    assert_clean_error(result, f"{ours} is not a regular file")
    assert ours.is_symlink() == (kind == "symlink") and target.read_text() == "kept"
    assert (kind != "fifo") or not ours.is_file()


def test_the_conflict_hint_says_what_ours_means_in_a_rebase(repo: Path) -> None:
    write(repo / "m.bin.mlgit", "<<<<<<< ours\nfoo\n=======\nbar\n>>>>>>> theirs\n")
    status = mlgit(repo, "status", code=1)
    assert "in a rebase, --ours is the branch rebased onto and --theirs your own commit" \
        in status.out + status.err


def test_a_driver_failure_leaves_ours_marked_as_unmerged(repo: Path, tmp_path: Path) -> None:
    """Git keeps OURS as the result when the driver fails: it must not pass for merged."""
    write(repo / "m.bin", "ours")
    mlgit(repo, "add", "m.bin")
    pointer = (repo / "m.bin.mlgit").read_text()
    ours = write(tmp_path / "ours", pointer)
    result = mlgit(repo, "merge-driver", str(tmp_path / "gone"), str(ours),
                   str(tmp_path / "theirs"), "m.bin.mlgit", code=None)
    assert_clean_error(result, "cannot read")
    assert ours.read_text().startswith("<<<<<<< ours\n" + pointer)


def test_a_lock_file_that_cannot_be_merged_by_stage_is_called_a_lock_file(tmp_path: Path
                                                                          ) -> None:
    files = {"O": 'schema: "2.0"\nstages: {}\n', "A": "garbage: [\n", "B": "not: valid: {\n"}
    for name, text in files.items():
        write(tmp_path / name, text)
    result = subprocess.run([sys.executable, "-m", "mlgit", "merge-driver", "--",
                             *(str(tmp_path / n) for n in "OAB"), "mlgit.lock"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1
    assert "merge conflict in mlgit.lock: the lock file changed differently" in result.stderr
