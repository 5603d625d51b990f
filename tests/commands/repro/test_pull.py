"""`mlgit repro --pull`: in a clone without the data, the stages' tracked inputs, their
recorded outputs and the run-cache come from the remote instead of being recomputed."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git, mlgit, write

PIPELINE = """
stages:
  count:
    cmd: echo run >> runs.log && wc -c < data/raw.txt > count.txt && echo ${n} >> count.txt
    deps: [data/raw.txt]
    params: [n]
    outs: [count.txt]
  other:
    cmd: echo other > other.txt
    outs: [other.txt]
"""


def project(repo: Path, remote: Path) -> None:
    write(repo / "data" / "raw.txt", "raw data\n")
    mlgit(repo, "add", "data")
    write(repo / "mlgit.yaml", PIPELINE)
    with (repo / ".gitignore").open("a") as ignore:
        ignore.write("runs.log\n")
    for n in (1, 2):
        write(repo / "params.yaml", f"n: {n}\n")
        mlgit(repo, "repro")
    mlgit(repo, "remote", "add", "origin", str(remote), "--default")
    mlgit(repo, "push", "--run-cache")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "project")


def clone(repo: Path, to: Path) -> Path:
    git(repo.parent, "clone", "-q", str(repo), str(to))
    return to


def test_a_clone_gets_what_the_stages_need_and_runs_nothing(repo: Path,
                                                             tmp_path: Path) -> None:
    project(repo, tmp_path / "remote")
    other = clone(repo, tmp_path / "other")
    result = mlgit(other, "repro", "--pull", "count")
    assert ", and 3 run-cache records from origin" in result.lines[0]
    assert "count: up to date" in result.lines
    assert (other / "data" / "raw.txt").read_text() == "raw data\n"
    assert (other / "count.txt").read_text() == "9\n2\n"
    assert not (other / "other.txt").exists()  # not a target: not pulled
    assert not (other / "runs.log").exists()


def test_the_run_cache_comes_too(repo: Path, tmp_path: Path) -> None:
    project(repo, tmp_path / "remote")
    other = clone(repo, tmp_path / "other")
    write(other / "params.yaml", "n: 1\n")
    result = mlgit(other, "repro", "--pull")
    assert any(line.startswith("restored count from the run-cache") for line in result.lines)
    assert (other / "count.txt").read_text() == "9\n1\n"
    assert not (other / "runs.log").exists()


def test_a_failed_pull_fails_and_names_what_is_missing(repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote"
    project(repo, remote)
    other = clone(repo, tmp_path / "other")
    for pack in (remote / "packs").iterdir():
        pack.unlink()
    result = mlgit(other, "repro", "--pull", "count", code=1)
    assert "error: data (folder manifest): not on the remote" in result.err
    assert "error: count.txt (run-cache record " in result.err
    assert "error: count failed:" in result.err  # its input could not come
    assert not (other / "data").exists()
