"""mlgit repro end to end: what runs and why, what is recorded, and what happens when a
stage fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgit.hashing import hash_bytes
from mlgit.pipeline.lockfile import read_lock
from tests.conftest import assert_clean_error, cache_oids, delete_object, mlgit, write

PIPELINE = """
stages:
  prepare:
    cmd: mkdir -p data && tr a-z A-Z < raw.txt > data/prepared.txt && echo x >> runs.log
    deps: [raw.txt]
    outs: [data/prepared.txt]
  train:
    cmd: cat data/prepared.txt params.yaml > model.txt && echo y >> runs.log
    deps: [data/prepared.txt]
    params: [lr]
    outs: [model.txt]
"""


def setup(repo: Path, pipeline: str = PIPELINE) -> None:
    write(repo / "mlgit.yaml", pipeline)
    write(repo / "raw.txt", "hello\n")
    write(repo / "params.yaml", "lr: 0.1\nother: 1\n")


def runs(repo: Path) -> str:
    log = repo / "runs.log"
    return log.read_text().replace("\n", "") if log.exists() else ""


def test_runs_records_and_then_is_a_no_op(repo: Path) -> None:
    setup(repo)
    first = mlgit(repo, "repro")
    assert "running prepare: never run" in first.out
    assert (repo / "model.txt").read_text() == "HELLO\nlr: 0.1\nother: 1\n"
    assert runs(repo) == "xy"
    lock = read_lock(str(repo), "mlgit.lock")
    assert lock["train"].params == {"params.yaml": {"lr": 0.1}}
    assert set(lock["train"].deps) == {"data/prepared.txt"}
    assert lock["train"].outs["model.txt"].oid in cache_oids(repo)
    assert "/model.txt" in (repo / ".gitignore").read_text().splitlines()
    assert "/prepared.txt" in (repo / "data" / ".gitignore").read_text().splitlines()
    again = mlgit(repo, "repro")
    assert again.lines == ["prepare: up to date", "train: up to date"]
    assert runs(repo) == "xy"


def test_each_reason_is_shown(repo: Path) -> None:
    setup(repo)
    mlgit(repo, "repro")
    write(repo / "params.yaml", "lr: 0.2\nother: 2\n")  # other is not used
    result = mlgit(repo, "repro")
    assert "running train: param changed: params.yaml lr (0.1 -> 0.2)" in result.lines
    assert runs(repo) == "xyy"
    (repo / "model.txt").unlink()
    assert "running train: out deleted: model.txt" in mlgit(repo, "repro",
                                                           "--no-run-cache").lines
    write(repo / "model.txt", "edited")
    result = mlgit(repo, "repro")  # the run-cache has these inputs' output
    assert any(line.startswith("restored train from the run-cache (an earlier run used the"
                               " same cmd, deps and params): out changed: model.txt (")
               for line in result.lines)
    write(repo / "mlgit.yaml", PIPELINE.replace("> model.txt", "> ./model.txt"))
    assert any(line.startswith("running train: cmd changed: cat") for line in
               mlgit(repo, "repro").lines)


def test_same_output_does_not_rerun_downstream(repo: Path) -> None:
    setup(repo)
    mlgit(repo, "repro")
    write(repo / "raw.txt", "HELLO\n")  # upper-cased: the same prepared.txt
    result = mlgit(repo, "repro")
    assert any(line.startswith("running prepare: dep changed: raw.txt (") for line in
               result.lines)
    assert "train: up to date" in result.lines
    assert runs(repo) == "xyx"


def test_a_failing_stage_stops_what_depends_on_it(repo: Path) -> None:
    setup(repo, PIPELINE + """
  lone:
    cmd: echo z >> runs.log
""")
    write(repo / "mlgit.yaml", (repo / "mlgit.yaml").read_text().replace(
        "cmd: cat", "cmd:\n    - exit 3\n    - echo never >> runs.log\n    - cat"))
    result = mlgit(repo, "repro", code=1)
    assert_clean_error(result, "train failed: 'exit 3' exited with code 3")
    assert runs(repo) == "x"  # the rest of train's cmd list and lone did not run
    assert "lone: not run (an earlier stage failed)" in result.lines
    lock = read_lock(str(repo), "mlgit.lock")
    assert set(lock) == {"prepare"}
    assert (repo / "data" / "prepared.txt").exists()
    kept = mlgit(repo, "repro", "-k", code=1)
    assert "prepare: up to date" in kept.lines and runs(repo) == "xz"


def test_downstream_of_a_failure_is_not_run_even_with_keep_going(repo: Path) -> None:
    setup(repo, PIPELINE.replace("tr a-z", "false && tr a-z"))
    result = mlgit(repo, "repro", "-k", code=1)
    assert "train: not run (prepare did not finish)" in result.lines
    assert "prepare failed: " in result.err


def test_an_output_not_written_fails_the_stage(repo: Path) -> None:
    setup(repo, "stages:\n  s:\n    cmd: 'true'\n    outs: [nothing.txt]\n")
    result = mlgit(repo, "repro", code=1)
    assert_clean_error(result, "s: finished without writing its output nothing.txt")
    assert read_lock(str(repo), "mlgit.lock") == {}


def test_a_dep_changed_while_running_is_not_recorded(repo: Path) -> None:
    setup(repo, "stages:\n  s:\n    cmd: echo more >> raw.txt && echo out > o.txt\n"
                "    deps: [raw.txt]\n    outs: [o.txt]\n")
    result = mlgit(repo, "repro", code=1)
    assert_clean_error(result, "s: dep raw.txt changed while the stage ran (")
    assert read_lock(str(repo), "mlgit.lock") == {}


def test_a_param_changed_while_running_is_not_recorded(repo: Path) -> None:
    setup(repo, "stages:\n  s:\n    cmd: sed -i s/0.1/0.5/ params.yaml && echo out > o.txt\n"
                "    params: [lr]\n    outs: [o.txt]\n")
    result = mlgit(repo, "repro", "--no-run-cache", code=1)
    assert_clean_error(result, "s: param params.yaml lr changed while the stage ran (0.1 -> 0.5)")
    assert read_lock(str(repo), "mlgit.lock") == {}
    assert not (repo / ".mlgit" / "cache" / "runs").exists()


def test_environment_and_wdir(repo: Path) -> None:
    write(repo / "sub" / "in.txt", "x")
    write(repo / "mlgit.yaml", "stages:\n  s:\n    wdir: sub\n"
          "    cmd: echo \"$MLGIT_STAGE $MLGIT_ROOT $(pwd)\" > env.txt\n"
          "    deps: [in.txt]\n    outs: [env.txt]\n")
    mlgit(repo, "repro")
    sub = repo / "sub"
    assert (sub / "env.txt").read_text().split() == ["s", str(repo), str(sub)]
    assert set(read_lock(str(repo), "mlgit.lock")["s"].deps) == {"sub/in.txt"}


def test_dry_force_single_and_downstream(repo: Path) -> None:
    setup(repo)
    dry = mlgit(repo, "repro", "--dry")
    assert dry.lines == ["would run prepare: never run",
                         "would run train: never run; upstream stage would run: prepare"]
    assert runs(repo) == "" and not (repo / "mlgit.lock").exists()
    mlgit(repo, "repro")
    forced = mlgit(repo, "repro", "-f", "-s", "train")
    assert forced.lines[0] == "running train: forced" and runs(repo) == "xyy"
    assert mlgit(repo, "repro", "-f", "train").lines[0] == "running prepare: forced"
    down = mlgit(repo, "repro", "-f", "--downstream", "train")
    assert "prepare" not in down.out and runs(repo) == "xyyxyy"


def test_outputs_are_removed_unless_persist_and_edits_are_saved(repo: Path) -> None:
    write(repo / "mlgit.yaml", """
stages:
  s:
    cmd: test ! -e gone.txt && echo new > gone.txt && echo more >> kept.txt
    outs: [gone.txt, {kept.txt: {persist: true}}]
""")
    write(repo / "gone.txt", "edited by hand\n")
    write(repo / "kept.txt", "old\n")
    mlgit(repo, "repro")
    assert (repo / "kept.txt").read_text() == "old\nmore\n"
    from mlgit.hashing import hash_bytes

    assert hash_bytes(b"edited by hand\n") in cache_oids(repo)


def test_frozen_and_always_changed(repo: Path) -> None:
    write(repo / "mlgit.yaml", """
stages:
  cold: {cmd: echo c >> runs.log, frozen: true}
  hot: {cmd: echo h >> runs.log, always_changed: true}
""")
    assert mlgit(repo, "repro").lines == ["cold: frozen", "running hot: never run", "hot: done"]
    assert "running hot: always changed" in mlgit(repo, "repro").lines
    assert runs(repo) == "hh"


def test_pipeline_errors_are_one_clean_line(repo: Path) -> None:
    write(repo / "mlgit.yaml", "stages:\n  a: {cmd: a, deps: [b.txt], outs: [a.txt]}\n"
                               "  b: {cmd: b, deps: [a.txt], outs: [b.txt]}\n")
    assert_clean_error(mlgit(repo, "repro", code=1), "mlgit.yaml: cycle between stages: ")
    write(repo / "mlgit.yaml", "stages:\n  a: {cmd: a, deps: [nope.txt]}\n")
    assert_clean_error(mlgit(repo, "repro", code=1),
                       "mlgit.yaml: stages.a.deps[0]: nope.txt does not exist")
    write(repo / "mlgit.yaml", "stages:\n  a: {cmd: a}\n")
    assert_clean_error(mlgit(repo, "repro", "b", code=1), "b: no such stage")
    write(repo / "mlgit.lock", "schema: 1\nstages:\n  a:\n    cmd: a\n    outs:\n"
                               "    - {path: /etc/passwd, oid: x, size: 1}\n")
    assert_clean_error(mlgit(repo, "repro", code=1), "mlgit.lock: stages.a.outs[0]")
    (repo / "mlgit.yaml").unlink()
    assert_clean_error(mlgit(repo, "repro", code=1), "no mlgit.yaml in this repository")


def test_a_persist_output_linked_to_the_cache_is_copied_first(repo: Path) -> None:
    mlgit(repo, "config", "cache.link", "hardlink")
    write(repo / "mlgit.yaml", "stages:\n  s:\n    cmd: echo more >> log.txt\n"
                               "    outs: [{log.txt: {persist: true}}]\n")
    mlgit(repo, "repro")
    (repo / "log.txt").unlink()
    mlgit(repo, "checkout")  # a hard link to the cache object now
    assert (repo / "log.txt").stat().st_nlink > 1
    mlgit(repo, "repro", "-f")
    assert (repo / "log.txt").read_text() == "more\nmore\n"
    assert "damaged" not in mlgit(repo, "fsck").out


def test_a_pipeline_in_a_subfolder(repo: Path) -> None:
    write(repo / "sub" / "in.txt", "x")
    write(repo / "sub" / "mlgit.yaml", "stages:\n  s:\n    cmd: cp in.txt out.txt\n"
                                       "    deps: [in.txt]\n    outs: [out.txt]\n")
    assert mlgit(repo, "repro", "sub/mlgit.yaml:s").lines == [
        "running sub/mlgit.yaml:s: never run", "sub/mlgit.yaml:s: done"]
    lock = read_lock(str(repo), "sub/mlgit.lock")
    assert set(lock["s"].outs) == {"sub/out.txt"}
    assert "path: out.txt" in (repo / "sub" / "mlgit.lock").read_text()
    (repo / "sub" / "out.txt").unlink()
    mlgit(repo, "checkout")
    assert (repo / "sub" / "out.txt").read_text() == "x"


def test_a_missing_param_names_the_stage_that_uses_it(repo: Path) -> None:
    write(repo / "params.yaml", "lr: 0.1\n")
    write(repo / "mlgit.yaml", """
stages:
  fine: {cmd: echo > fine.txt, outs: [fine.txt]}
  train: {cmd: echo, params: [lr, epochs]}
  test: {cmd: echo, params: [{conf/test.json: [k]}]}
""")
    result = mlgit(repo, "repro", "-k", code=1)
    assert "error: mlgit.yaml: stages.train.params: params.yaml: no parameter 'epochs'" \
        in result.err.splitlines()
    assert "error: mlgit.yaml: stages.test.params: conf/test.json: params file not found" \
        in result.err.splitlines()
    status = mlgit(repo, "status", code=1)
    assert "error: mlgit.yaml: stages.train.params: params.yaml: no parameter 'epochs'" \
        in status.err.splitlines()


@pytest.mark.parametrize("jobs", [["--jobs=abc"], ["-j=2x"], ["--jobs="], ["-j", "0"], ["-j"]])
def test_a_bad_jobs_value_is_a_usage_error(repo: Path, jobs: list[str]) -> None:
    setup(repo)
    result = mlgit(repo, "repro", *jobs, code=2)
    assert "--jobs" in result.err or "'-j'" in result.err
    assert runs(repo) == ""


def test_an_error_about_an_output_names_the_stage(repo: Path) -> None:
    write(repo / "mlgit.yaml", "stages:\n  link:\n    cmd: echo f > real && ln -sf real latest\n"
          "    outs: [latest]\n")
    result = mlgit(repo, "repro", code=1)
    assert "error: link: latest: symbolic links inside tracked data are not supported" \
        in result.err.splitlines()
    again = mlgit(repo, "repro", code=1)  # now found when the stage is checked
    assert "error: link: latest: symbolic links inside tracked data are not supported" \
        in again.err.splitlines()


def test_a_folder_output_whose_files_left_the_cache_is_saved_before_a_rerun(repo: Path) -> None:
    """Its manifest in the cache is not enough: the file objects are what hold the data."""
    write(repo / "mlgit.yaml", "stages:\n  s:\n    cmd: mkdir -p out && date +%N > out/a.txt"
          " && echo same > out/b.txt\n    outs: [out]\n")
    mlgit(repo, "repro")
    only_copy = (repo / "out" / "a.txt").read_bytes()
    oid = hash_bytes(only_copy)
    delete_object(repo, oid)  # say, set aside by 'mlgit fsck --repair'
    assert oid not in cache_oids(repo)
    mlgit(repo, "repro", "-f", "--no-run-cache")
    assert oid in cache_oids(repo)


@pytest.mark.parametrize("damage", ["oid", "conflict"])
def test_a_broken_lock_file_stops_repro_before_any_stage(repo: Path, damage: str) -> None:
    """docs/exit-codes.md: errors in the pipeline's files stop repro before any stage runs;
    the error alone is printed, no stage is said to be 'not run' because another failed."""
    setup(repo)
    write(repo / "unrelated.txt", "u\n")
    write(repo / "mlgit.yaml", PIPELINE + """  other:
    cmd: cp unrelated.txt other.txt && echo z >> runs.log
    deps: [unrelated.txt]
    outs: [other.txt]
""")
    mlgit(repo, "repro")
    write(repo / "raw.txt", "changed\n")
    write(repo / "unrelated.txt", "changed\n")
    lock = (repo / "mlgit.lock").read_text()
    if damage == "oid":
        broken = lock.replace(lock.split("oid: ")[1].split()[0], "x", 1)
    else:
        broken = f"<<<<<<< ours\n{lock}=======\n{lock}>>>>>>> theirs\n"
    write(repo / "mlgit.lock", broken)
    before = runs(repo)
    result = mlgit(repo, "repro", code=1)
    assert result.out == ""
    expected = ("expected 32 hex digits" if damage == "oid"
                else "merge conflict in mlgit.lock")
    assert_clean_error(result, expected)
    assert runs(repo) == before
    assert (repo / "mlgit.lock").read_text() == broken
