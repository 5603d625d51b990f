"""push, fetch and pull move the stage outputs mlgit.lock records, as they move what pointer
files track; with --run-cache, also the run-cache's records and the outputs they name."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import git, mlgit, write

PIPELINE = """
stages:
  make:
    cmd: echo run >> runs.log && mkdir -p out/sub && echo ${n} > out/sub/a && echo s > out/b
      && echo ${n}${n} > single.txt
    params: [n]
    outs: [out, single.txt]
"""


def made(repo: Path, remote: Path) -> Path:
    """A repository whose stage ran with n 1 and then n 2 (committed), with a remote."""
    write(repo / "mlgit.yaml", PIPELINE)
    write(repo / ".gitignore", "runs.log\n")
    for n in (1, 2):
        write(repo / "params.yaml", f"n: {n}\n")
        mlgit(repo, "repro")
    mlgit(repo, "remote", "add", "origin", str(remote), "--default")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "pipeline")
    return repo


def clone(repo: Path, to: Path) -> Path:
    git(repo.parent, "clone", "-q", str(repo), str(to))
    return to


def runs(repo: Path) -> int:
    log = repo / "runs.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_pull_in_a_clone_restores_the_outputs(repo: Path, tmp_path: Path) -> None:
    made(repo, tmp_path / "remote")
    pushed = json.loads(mlgit(repo, "push", "--json").out)
    assert pushed["transferred"] == 4 and "run_cache_entries" not in pushed  # 2 files, 1
    other = clone(repo, tmp_path / "other")                                 # manifest, single
    mlgit(other, "pull")
    assert (other / "out" / "sub" / "a").read_text() == "2\n"
    assert (other / "single.txt").read_text() == "22\n"
    assert mlgit(other, "repro").lines == ["make: up to date"]
    assert runs(other) == 0


def test_paths_name_an_output_or_a_part_of_one(repo: Path, tmp_path: Path) -> None:
    made(repo, tmp_path / "remote")
    mlgit(repo, "push", "out/sub/a")
    other = clone(repo, tmp_path / "other")
    mlgit(other, "pull", "out/sub/a")
    assert (other / "out" / "sub" / "a").read_text() == "2\n"
    assert not (other / "out" / "b").exists() and not (other / "single.txt").exists()
    missing = mlgit(other, "pull", "single.txt", code=1)
    assert "single.txt" in missing.err and "not on the remote" in missing.err
    mlgit(repo, "push")
    mlgit(other, "pull", "single.txt")
    assert (other / "single.txt").read_text() == "22\n"


def test_fetch_leaves_the_workspace_and_checkout_restores(repo: Path, tmp_path: Path) -> None:
    made(repo, tmp_path / "remote")
    mlgit(repo, "push")
    other = clone(repo, tmp_path / "other")
    mlgit(other, "fetch")
    assert not (other / "out").exists()
    mlgit(other, "checkout", "out/sub")
    assert (other / "out" / "sub" / "a").read_text() == "2\n"
    assert not (other / "out" / "b").exists()


def test_run_cache_travels_and_spares_a_rerun(repo: Path, tmp_path: Path) -> None:
    made(repo, tmp_path / "remote")
    first = json.loads(mlgit(repo, "push", "--run-cache", "--json").out)
    assert first["run_cache_entries"] == 2
    again = mlgit(repo, "push", "--run-cache")
    assert again.lines[0].startswith("pushed 0 objects (0 B), and 0 run-cache records to")
    other = clone(repo, tmp_path / "other")
    write(other / "params.yaml", "n: 1\n")  # back to the first run's params
    fetched = mlgit(other, "pull", "--run-cache")
    assert ", and 2 run-cache records from origin" in fetched.lines[0]
    result = mlgit(other, "repro")
    assert any(line.startswith("restored make from the run-cache") for line in result.lines)
    assert runs(other) == 0
    assert (other / "out" / "sub" / "a").read_text() == "1\n"
    assert (other / "single.txt").read_text() == "11\n"


def test_without_the_flag_no_run_cache_moves(repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote"
    made(repo, remote)
    mlgit(repo, "push")
    assert not (remote / "runs").exists()
    mlgit(repo, "push", "--run-cache")
    other = clone(repo, tmp_path / "other")
    mlgit(other, "pull")
    write(other / "params.yaml", "n: 1\n")
    mlgit(other, "repro")
    assert runs(other) == 1  # the n 1 run was not fetched: it ran


def test_a_record_whose_outputs_cannot_come_is_not_kept(repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote"
    made(repo, remote)
    mlgit(repo, "push", "--run-cache")
    junk = remote / "runs" / "00"
    junk.mkdir(exist_ok=True)
    write(junk / ("0" * 30), "not json")  # a damaged record is skipped
    write(junk / "README", "x")  # a stray name is not a record
    for pack in (remote / "packs").iterdir():  # the objects are gone from the remote
        pack.unlink()
    other = clone(repo, tmp_path / "other")
    result = mlgit(other, "fetch", "--run-cache", code=1)
    assert ", and 0 run-cache records from origin" in result.lines[0]
    assert "not on the remote" in result.err
    assert not list((other / ".mlgit" / "cache").glob("runs/*/*"))


def test_an_output_marked_push_false_stays_home(repo: Path, tmp_path: Path) -> None:
    write(repo / "mlgit.yaml", """
stages:
  make:
    cmd: echo big > big.bin && echo small > small.txt
    outs: [{big.bin: {push: false}}, small.txt]
""")
    mlgit(repo, "repro")
    mlgit(repo, "remote", "add", "origin", str(tmp_path / "remote"), "--default")
    assert json.loads(mlgit(repo, "push", "--json").out)["transferred"] == 1
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "pipeline")
    other = clone(repo, tmp_path / "other")
    result = mlgit(other, "pull", code=1)
    assert "big.bin" in result.err and "not on the remote" in result.err
    assert (other / "small.txt").read_text() == "small\n"


def test_status_remote_counts_the_outputs(repo: Path, tmp_path: Path) -> None:
    made(repo, tmp_path / "remote")
    before = {r["path"]: r for r in json.loads(
        mlgit(repo, "status", "--remote", "--json", code=None).out)["artifacts"]}
    assert before["out"]["on_remote"] == 0 and before["out"]["in_cache"] == 3
    assert before["single.txt"]["pointer_rel"] == "mlgit.lock"
    mlgit(repo, "push")
    after = json.loads(mlgit(repo, "status", "--remote", "--json").out)["artifacts"]
    assert {r["path"]: r["on_remote"] for r in after} == {"out": 3, "single.txt": 1}
