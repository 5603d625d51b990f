"""mlgit repro with -j, Ctrl-C, and two repros at once: real processes and real signals."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mlgit.pipeline.lockfile import read_lock
from tests.conftest import mlgit, write


def wait_for(path: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def start(repo: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mlgit", "repro", *args], cwd=repo,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_parallel_stages_overlap_and_lines_are_prefixed(repo: Path) -> None:
    stages = "\n".join(
        f"  s{i}:\n    cmd: printf 'a{i}\\n'; sleep 1; printf 'b{i}\\nno newline'\n"
        f"    outs: [o{i}.txt]\n    deps: []\n" for i in range(4))
    write(repo / "mlgit.yaml", "stages:\n" + stages.replace(
        "no newline'", "no newline' && touch o$MLGIT_STAGE.txt").replace(
        "outs: [o", "outs: [os"))
    begin = time.monotonic()
    result = mlgit(repo, "repro", "-j", "4")
    assert time.monotonic() - begin < 3.5  # four 1-second stages, at once
    for i in range(4):
        assert f"[s{i}] a{i}" in result.lines and f"[s{i}] b{i}" in result.lines
        assert f"[s{i}] no newline" in result.lines
    assert set(read_lock(str(repo), "mlgit.lock")) == {f"s{i}" for i in range(4)}


def test_parallel_respects_dependencies(repo: Path) -> None:
    write(repo / "mlgit.yaml", """
stages:
  a: {cmd: sleep 0.5 && echo a > a.txt, outs: [a.txt]}
  b: {cmd: cp a.txt b.txt, deps: [a.txt], outs: [b.txt]}
  c: {cmd: echo c > c.txt, outs: [c.txt]}
""")
    mlgit(repo, "repro", "-j", "3")
    assert (repo / "b.txt").read_text() == "a\n"


def test_ctrl_c_stops_the_stage_and_keeps_finished_ones(repo: Path) -> None:
    write(repo / "mlgit.yaml", """
stages:
  first: {cmd: echo 1 > first.txt, outs: [first.txt]}
  slow:
    cmd: touch started && sleep 67 && echo 2 > slow.txt
    deps: [first.txt]
    outs: [slow.txt]
""")
    proc = start(repo)
    wait_for(repo / "started")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert set(read_lock(str(repo), "mlgit.lock")) == {"first"}
    out = subprocess.run(["pgrep", "-f", "sleep 67"], capture_output=True, text=True).stdout
    assert not out.strip(), "the stage's process was left running"
    (repo / "mlgit.yaml").write_text((repo / "mlgit.yaml").read_text().replace(
        "sleep 67", "true"))
    result = mlgit(repo, "repro")
    assert result.lines[0] == "first: up to date"
    assert result.lines[1].startswith("running slow: ")


def test_a_second_repro_waits_for_the_stage_it_needs(repo: Path) -> None:
    write(repo / "gate", "")
    write(repo / "mlgit.yaml", """
stages:
  slow:
    cmd: touch started && while [ -e gate ]; do sleep 0.05; done && echo x >> runs.log
      && echo done > slow.txt
    outs: [slow.txt]
""")
    first = start(repo)
    wait_for(repo / "started")
    second = start(repo)
    time.sleep(1.0)
    os.unlink(repo / "gate")
    _, err1 = first.communicate(timeout=30)
    out2, err2 = second.communicate(timeout=30)
    assert first.returncode == 0 and second.returncode == 0, (err1, err2)
    assert "waiting for slow: another mlgit repro is running it" in out2
    assert out2.rstrip().endswith("slow: up to date")
    assert (repo / "runs.log").read_text() == "x\n"


def test_a_failure_in_parallel_lets_running_stages_finish(repo: Path) -> None:
    write(repo / "mlgit.yaml", """
stages:
  slow: {cmd: sleep 1 && echo s > slow.txt, outs: [slow.txt]}
  bad: {cmd: exit 4}
  later: {cmd: echo l > later.txt, deps: [slow.txt], outs: [later.txt]}
""")
    result = mlgit(repo, "repro", "-j", "2", code=1)
    assert "bad failed: 'exit 4' exited with code 4" in result.err
    assert "slow: done" in result.lines  # it was running: finished and recorded
    assert "later: not run (an earlier stage failed)" in result.lines
    assert set(read_lock(str(repo), "mlgit.lock")) == {"slow"}


def test_ctrl_c_stops_every_parallel_stage(repo: Path) -> None:
    write(repo / "mlgit.yaml", """
stages:
  a: {cmd: touch a.started && sleep 67, outs: [a.txt]}
  b: {cmd: touch b.started && sleep 67, outs: [b.txt]}
""")
    proc = start(repo, "-j", "2")
    wait_for(repo / "a.started")
    wait_for(repo / "b.started")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130 and "interrupted" in err
    assert read_lock(str(repo), "mlgit.lock") == {}


def test_more_stages_than_jobs_each_run_once(repo: Path) -> None:
    write(repo / "mlgit.yaml", "stages:\n" + "".join(
        f"  s{i}: {{cmd: sleep 0.3 && echo {i} >> runs.log && touch o{i}, outs: [o{i}]}}\n"
        for i in range(5)))
    result = mlgit(repo, "repro", "-j", "2")
    assert sorted((repo / "runs.log").read_text().split()) == ["0", "1", "2", "3", "4"]
    assert "waiting" not in result.out


def test_a_background_process_left_by_a_stage_does_not_hold_a_parallel_repro(
        repo: Path) -> None:
    write(repo / "mlgit.yaml", """
stages:
  serve: {cmd: (sleep 61 & echo $! > bg.pid) && echo started && echo s > s.txt,
          outs: [s.txt]}
  other: {cmd: echo o > o.txt, outs: [o.txt]}
""")
    begin = time.monotonic()
    try:
        result = mlgit(repo, "repro", "-j", "2")
        assert time.monotonic() - begin < 20
        assert "[serve] started" in result.lines and "serve: done" in result.lines
    finally:
        if (repo / "bg.pid").exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int((repo / "bg.pid").read_text()), signal.SIGKILL)


def test_a_reader_that_goes_away_does_not_stop_the_stages(repo: Path) -> None:
    """`mlgit repro -j 2 | head -1`: the stages run to the end and are recorded."""
    write(repo / "mlgit.yaml", """
stages:
  a: {cmd: seq 1 100000 && echo a > a.txt, outs: [a.txt]}
  b: {cmd: seq 1 100000 && echo b > b.txt, outs: [b.txt]}
""")
    proc = subprocess.Popen([sys.executable, "-m", "mlgit", "repro", "-j", "2"], cwd=repo,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert b"Traceback" not in err
    assert set(read_lock(str(repo), "mlgit.lock")) == {"a", "b"}


def test_a_repro_inside_a_stage_that_needs_that_stage_fails_instead_of_waiting(
        repo: Path) -> None:
    write(repo / "mlgit.yaml", f"""
stages:
  outer: {{cmd: 'echo $$ > inner.pid && "{sys.executable}" -m mlgit repro && echo a > a.txt',
          outs: [a.txt]}}
  inner: {{cmd: echo b > b.txt, outs: [b.txt]}}
""")
    proc = subprocess.Popen([sys.executable, "-m", "mlgit", "repro"], cwd=repo,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=30)
    finally:  # the stage runs in a process group of its own: stop it too if it hangs
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        if (repo / "inner.pid").exists():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(int((repo / "inner.pid").read_text()), signal.SIGKILL)
    assert proc.returncode == 1, (out, err)
    assert "error: outer: this mlgit repro runs inside the command of outer itself" in err
    assert "outer failed: " in err
