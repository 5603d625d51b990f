"""gc says what it will delete and asks first on a terminal; elsewhere it needs -f."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import assert_clean_error, cache_oids, mlgit, write


def _garbage(repo: Path) -> list[str]:
    """Two unreferenced objects (v1, v2 of f.bin); the work tree references v3."""
    for data in (b"v1" * 10000, b"v2" * 30000, b"v3"):
        write(repo / "f.bin", data)
        mlgit(repo, "add", "f.bin")
    return cache_oids(repo)


def _on_a_terminal(repo: Path, args: list[str], answer: str | None) -> tuple[int, str, str]:
    """Run mlgit with stdin and stderr on a pseudo-terminal, answer its question (when
    `answer` is given, once the question appears): (exit code, terminal text, stdout)."""
    main, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "mlgit", *args], cwd=repo, stdin=secondary,
                            stdout=subprocess.PIPE, stderr=secondary)
    os.close(secondary)
    seen = b""
    answered = False
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(main, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            if answer is not None and not answered and b"[y/N]" in seen:
                os.write(main, answer.encode() + b"\n")
                answered = True
            if proc.poll() is not None and not ready:
                break
        out = proc.stdout.read() if proc.stdout else b""
        code = proc.wait(timeout=60)
    finally:
        os.close(main)
        if proc.poll() is None:
            proc.kill()
    return code, seen.decode(errors="replace"), out.decode()


def test_gc_asks_on_a_terminal_and_no_keeps_everything(repo: Path) -> None:
    before = _garbage(repo)
    code, screen, _ = _on_a_terminal(repo, ["gc"], "n")
    assert "gc will delete 2 objects (" in screen
    assert "no remote is configured" in screen
    assert "Delete them? [y/N]" in screen
    assert "nothing deleted" in screen
    assert code == 1
    assert cache_oids(repo) == before


def test_gc_asks_on_a_terminal_and_yes_deletes(repo: Path) -> None:
    _garbage(repo)
    code, screen, out = _on_a_terminal(repo, ["gc"], "y")
    assert code == 0, screen
    assert "removed 2 object(s)" in out
    assert len(cache_oids(repo)) == 1
    assert mlgit(repo, "status", "-q").code == 0


def test_gc_says_how_much_is_on_no_remote(repo: Path, tmp_path: Path) -> None:
    write(repo / "f.bin", b"v1" * 10000)
    mlgit(repo, "add", "f.bin")
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "store"))
    mlgit(repo, "push")  # v1 is on the remote
    write(tmp_path / "not-a-folder", "x")
    mlgit(repo, "remote", "add", "broken", str(tmp_path / "not-a-folder"))
    for data in (b"v2" * 30000, b"v3"):
        write(repo / "f.bin", data)
        mlgit(repo, "add", "f.bin")  # v2 is only in the cache
    before = cache_oids(repo)
    code, screen, _ = _on_a_terminal(repo, ["gc"], "n")
    assert code == 1
    assert "gc will delete 2 objects" in screen
    assert "could not check a remote: remote 'broken'" in screen
    assert "1 of them (58.6 KiB) on no remote (checked: origin)" in screen
    assert cache_oids(repo) == before
    dry = json.loads(mlgit(repo, "gc", "--dry-run", "--json").out)
    assert dry["remotes"]["checked"] == ["origin"]
    assert (dry["remotes"]["unbacked"], dry["remotes"]["unbacked_bytes"]) == (1, 60000)
    assert cache_oids(repo) == before


def test_gc_does_not_ask_when_nothing_would_be_deleted(repo: Path) -> None:
    write(repo / "f.bin", "v1")
    mlgit(repo, "add", "f.bin")
    code, screen, out = _on_a_terminal(repo, ["gc"], None)
    assert code == 0 and "[y/N]" not in screen
    assert "removed 0 object(s)" in out


def test_gc_without_a_terminal_or_with_json_needs_force(repo: Path) -> None:
    before = _garbage(repo)
    result = mlgit(repo, "gc", code=1)
    assert_clean_error(result, "not a terminal", "rerun with -f")
    result = mlgit(repo, "gc", "--json", code=1)
    assert_clean_error(result, "--json", "rerun with -f")
    code, _, _ = _on_a_terminal(repo, ["gc", "--json"], None)
    assert code == 1
    assert cache_oids(repo) == before
    dry = mlgit(repo, "gc", "--dry-run").out
    assert "would remove 2 object(s)" in dry
    assert cache_oids(repo) == before
    assert json.loads(mlgit(repo, "gc", "-f", "--json").out)["removed"] == 2
    assert len(cache_oids(repo)) == 1


def test_gc_grace_needs_a_remote(repo: Path) -> None:
    result = mlgit(repo, "gc", "--grace", "1", code=2)
    assert "only works with -r NAME" in result.err


def test_gc_force_says_what_it_deleted_that_no_remote_has(repo: Path, tmp_path: Path) -> None:
    write(repo / "f.bin", b"v1" * 10000)
    mlgit(repo, "add", "f.bin")
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "store"))
    mlgit(repo, "push")  # v1 is on the remote
    for data in (b"v2" * 30000, b"v3"):
        write(repo / "f.bin", data)
        mlgit(repo, "add", "f.bin")  # v2 is only in the cache
    out = mlgit(repo, "gc", "-f").out
    assert out.splitlines() == [
        "removed 2 object(s), 78.1 KiB; kept 1",
        "1 of them (58.6 KiB) on no remote (checked: origin): those are lost for good"]


def test_gc_force_without_a_remote_says_the_cache_held_the_only_copy(repo: Path) -> None:
    _garbage(repo)
    out = mlgit(repo, "gc", "-f").out
    assert "no remote is configured: the cache held the only copy" in out
