"""Shared fixtures: real git repositories in temp folders and the real mlgit CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Commands the tests start must be stoppable by Ctrl-C and a closed terminal: a shell
    starts a background job (`cmd &`) with SIGINT ignored, nohup ignores SIGHUP, and an
    ignored signal stays ignored in every process started from it (mlgit respects that), so
    tests that send those signals would find them ignored."""
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "MLGIT_NO_PROGRESS": "1",
}


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


@pytest.fixture(autouse=True)
def clean_env(tmp_path_factory: pytest.TempPathFactory,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    for key in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE"):
        monkeypatch.delenv(key, raising=False)
    yield


def assert_clean_error(result: Run, *needles: str) -> None:
    """Bad input: exactly one `error:` line and one `hint:` line on stderr, exit 1."""
    assert result.code == 1, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 2, result.err
    assert lines[0].startswith("error: ") and lines[1].startswith("hint: "), result.err
    for needle in needles:
        assert needle in result.err, (needle, result.err)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def commit_all(root: Path, message: str = "commit") -> None:
    """Stage everything and commit it with plain git."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def commit_tagged(root: Path, tag: str) -> None:
    """commit_all, with the tag as the message, then tag the commit."""
    commit_all(root, tag)
    git(root, "tag", tag)


def mlgit(cwd: Path, *args: str, code: int | None = 0, env: dict[str, str] | None = None,
          stdin: str | None = None) -> Run:
    """Run the real CLI in a subprocess; asserts the exit code unless code is None."""
    proc = subprocess.run([sys.executable, "-m", "mlgit", *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, input=stdin)
    result = Run(proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    if code is not None:
        assert proc.returncode == code, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return result


@pytest.fixture
def gitrepo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    return root


@pytest.fixture
def repo(gitrepo: Path) -> Path:
    mlgit(gitrepo, "init")
    return gitrepo


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def make_tree(root: Path, files: dict[str, bytes | str]) -> None:
    for rel, data in files.items():
        write(root / rel, data)


def read_tree(root: Path) -> dict[str, bytes]:
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            p = Path(dirpath) / name
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


def cache_oids(repo: Path) -> list[str]:
    """Every object in the repo's cache, loose or packed."""
    from mlgit.storage.objects import LocalODB

    return sorted(LocalODB(str(repo / ".mlgit" / "cache")).iter_oids())


def object_bytes(repo: Path, oid: str) -> bytes:
    from mlgit.storage.objects import LocalODB

    odb = LocalODB(str(repo / ".mlgit" / "cache"))
    where = odb.packed.get(oid)
    if where is None:
        return Path(odb.path(oid)).read_bytes()
    pack, offset, size = where
    with open(pack, "rb") as f:
        f.seek(offset)
        return f.read(size)


def damage_object(repo: Path, oid: str, at: int = 0, junk: bytes = b"\x00\xff") -> None:
    """Overwrite bytes of a cached object in place, wherever it is stored."""
    from mlgit.storage.objects import LocalODB

    odb = LocalODB(str(repo / ".mlgit" / "cache"))
    where = odb.packed.get(oid)
    path, offset = (Path(odb.path(oid)), 0) if where is None else (Path(where[0]), where[1])
    path.chmod(0o644)
    with path.open("r+b") as f:
        f.seek(offset + at)
        f.write(junk)


def delete_object(repo: Path, oid: str) -> None:
    """Remove one object from the cache, loose or packed (by rewriting its pack), and the
    parsed copy of it the repository keeps when it is a manifest (.mlgit/tmp/manifests: it
    stands in for the object while there), as in a clone that never had it."""
    from mlgit.storage import garbage
    from mlgit.storage.objects import LocalODB

    odb = LocalODB(str(repo / ".mlgit" / "cache"))
    garbage.delete_unreferenced(odb, set(odb.iter_oids()) - {oid}, dry_run=False)
    (repo / ".mlgit" / "tmp" / "manifests" / oid).unlink(missing_ok=True)


def stopped_midway(cwd: Path, verb: str, sig: int, started: Callable[[], bool],
                   undo: Callable[[], None]) -> tuple[int, str]:
    """`mlgit verb`, sent `sig` as soon as `started()` sees its work under way: (exit code,
    stderr). A run that finished first is undone with `undo` and tried again, three times,
    then the test is skipped (it cannot stop what is already done)."""
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, "-m", "mlgit", verb], cwd=cwd,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline and not started():
            time.sleep(0.002)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        if proc.returncode != 0:
            return proc.returncode, err.decode()
        undo()
    pytest.skip(f"{verb} finished before it could be stopped")


def read_pty(fd: int) -> bytes:
    """Everything written to a pseudo-terminal until its last writer closes it."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)
