"""add of a file or folder that cannot be read: one clear error naming it, nothing written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Run, assert_clean_error, make_tree, mlgit, read_tree, write


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
