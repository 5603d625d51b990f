"""Every command that writes a .gitignore entry (add, mv, rm) does so while it holds the repo
lock, so another mlgit command in the same work tree cannot interleave its own edit.

The real CLI runs with an audit hook (sys.addaudithook) that, at every rename onto or removal
of a `.gitignore`, tries to take the repo lock through a second open of the lock file, as
another process would (flock locks belong to the open file, not the process).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import mlgit, write

PROBE = r"""
import fcntl, os, sys

lock_path, log_path, *args = sys.argv[1:]


def takes_lock() -> bool:
    try:
        fd = os.open(lock_path, os.O_RDONLY)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def hook(event, hook_args):
    if event == "os.rename":
        path = hook_args[1]
    elif event == "os.remove":
        path = hook_args[0]
    else:
        return
    if os.path.basename(os.fsdecode(path)) != ".gitignore":
        return
    outcome = "unlocked" if takes_lock() else "locked"
    with open(log_path, "a") as log:
        log.write(f"{event} {os.fsdecode(path)} {outcome}\n")


sys.addaudithook(hook)
from mlgit.cli.main import main

main(args)
"""


def _run_probed(repo: Path, log: Path, *args: str) -> list[str]:
    """Run `mlgit ARGS` under the probe; returns the .gitignore writes it saw, each ending
    in 'locked' or 'unlocked'."""
    lock = repo / ".mlgit" / "tmp" / "lock"
    proc = subprocess.run([sys.executable, "-c", PROBE, str(lock), str(log), *args], cwd=repo,
                          capture_output=True, text=True, env=os.environ.copy())
    assert proc.returncode == 0, proc.stderr
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return lines


def test_add_mv_and_rm_write_gitignore_entries_while_locked(repo: Path, tmp_path: Path) -> None:
    log = tmp_path / "gitignore-writes.log"
    write(repo / "data" / "a.bin", "a")
    write(repo / "data" / "b.bin", "b")
    write(repo / "models" / "m.bin", "m")

    added = _run_probed(repo, log, "add", "data/a.bin", "data/b.bin", "models/m.bin")
    assert len(added) == 3, added  # one rename per entry
    assert "/a.bin" in (repo / "data" / ".gitignore").read_text().splitlines()

    moved = _run_probed(repo, log, "mv", "models/m.bin", "elsewhere/m.bin")
    # the new entry written, the old .gitignore removed (its only entry is gone)
    assert [line.split()[0] for line in moved] == ["os.rename", "os.remove"], moved
    assert not (repo / "models" / ".gitignore").exists()

    removed = _run_probed(repo, log, "rm", "data/a.bin", "elsewhere/m.bin")
    assert len(removed) == 2, removed
    assert (repo / "data" / ".gitignore").read_text().splitlines() == ["/b.bin"]

    writes = added + moved + removed
    assert [w for w in writes if not w.endswith(" locked")] == []


def test_the_probe_sees_a_write_made_without_the_lock(repo: Path, tmp_path: Path) -> None:
    """The probe itself: a .gitignore written while nobody holds the lock is reported."""
    log = tmp_path / "gitignore-writes.log"
    write(repo / "data.bin", "x")
    mlgit(repo, "add", "data.bin")  # the lock file exists, and nobody holds it now
    script = "from mlgit.workspace import gitignore\ngitignore.add_entry(args[0], 'loose.bin')"
    probe = PROBE.replace("from mlgit.cli.main import main\n\nmain(args)", script)
    lock = repo / ".mlgit" / "tmp" / "lock"
    subprocess.run([sys.executable, "-c", probe, str(lock), str(log), str(repo)], cwd=repo,
                   check=True)
    assert log.read_text().split()[-1] == "unlocked"
