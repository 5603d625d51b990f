"""mlgit status lists the stale stages of the pipeline with their reasons; a repository
without a pipeline pays nothing for it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import mlgit, write

PIPELINE = """
stages:
  a: {cmd: cp in.txt a.txt, deps: [in.txt], outs: [a.txt], params: [n]}
  b: {cmd: cp a.txt b.txt, deps: [a.txt], outs: [b.txt]}
"""


def test_stale_stages_and_their_reasons(repo: Path) -> None:
    write(repo / "mlgit.yaml", PIPELINE)
    write(repo / "in.txt", "1")
    write(repo / "params.yaml", "n: 1\n")
    mlgit(repo, "repro")
    assert mlgit(repo, "status").lines == [
        "Pipeline up to date; no artifacts tracked by pointer files."]
    mlgit(repo, "status", "-q")
    write(repo / "params.yaml", "n: 2\n")
    (repo / "b.txt").unlink()
    result = mlgit(repo, "status")
    assert result.lines[-3:] == ["stale stages (run 'mlgit repro'):",
                                 "  a: param changed: params.yaml n (1 -> 2)",
                                 "  b: out deleted: b.txt"]
    quiet = mlgit(repo, "status", "-q", code=1)
    assert quiet.out == "" and quiet.err == ""


def test_no_pipeline_no_pipeline_imports(repo: Path) -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "mlgit", "status"],
                          cwd=repo, capture_output=True, text=True, check=True)
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()}
    loaded = {m for m in imported if m.startswith(("mlgit.pipeline", "yaml"))}
    # outputs.py: its one stat finds no pipeline
    assert loaded == {"mlgit.pipeline", "mlgit.pipeline.outputs", "mlgit.pipeline.files"}, loaded


def test_a_broken_pipeline_is_an_error_after_the_artifacts(repo: Path) -> None:
    write(repo / "data.txt", "d")
    mlgit(repo, "add", "data.txt")
    write(repo / "mlgit.yaml", "stages:\n  a: {cmd: a, deps: [nope.txt]}\n")
    result = mlgit(repo, "status", code=1)
    assert result.lines == ["data.txt: unchanged"]
    assert result.err.startswith("error: mlgit.yaml: stages.a.deps[0]: nope.txt does not")


def _imported(repo: Path, *args: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "mlgit", *args],
                          cwd=repo, capture_output=True, text=True, check=True)
    return {line.split("|")[-1].strip() for line in proc.stderr.splitlines()}


def test_a_no_op_status_or_repro_parses_no_yaml_and_loads_no_runner(repo: Path) -> None:
    """Unchanged pipeline, lock and params files come from their memos, nothing that only
    running a stage needs is imported, nor dataclasses (~10 ms with the code it generates):
    the start-up of a no-op is most of its time."""
    write(repo / "mlgit.yaml", PIPELINE)
    write(repo / "in.txt", "1")
    write(repo / "params.yaml", "n: 1\n")
    mlgit(repo, "repro")
    past = time.time() - 60  # older than the pipeline memo's two-second window
    for name in ("mlgit.yaml", "params.yaml", "in.txt"):
        os.utime(repo / name, (past, past))
    mlgit(repo, "status")
    for verb in ("status", "repro"):
        loaded = _imported(repo, verb)
        assert "mlgit.pipeline.stale" in loaded  # the measurement works
        heavy = {"yaml", "dataclasses", "shutil", "hashlib", "subprocess", "decimal",
                 "mlgit.pipeline.runcache", "mlgit.pipeline.execute",
                 "mlgit.pipeline.stage_lock", "mlgit.pipeline.parse"} & loaded
        assert not heavy, (verb, heavy)


def test_a_damaged_params_memo_is_parsed_again(repo: Path) -> None:
    write(repo / "mlgit.yaml", PIPELINE)
    write(repo / "in.txt", "1")
    write(repo / "params.yaml", "n: 1\n")
    mlgit(repo, "repro")
    memos = list((repo / ".mlgit" / "tmp" / "yaml").iterdir())
    assert memos
    for memo in memos:
        memo.write_bytes(b"\x00garbage")
    assert "stale" not in mlgit(repo, "status").out
    write(repo / "params.yaml", "n: 2\n")
    assert mlgit(repo, "status").lines[-2:] == ["stale stages (run 'mlgit repro'):",
                                                "  a: param changed: params.yaml n (1 -> 2)"]


def test_json_lists_the_stale_stages_after_the_artifacts(repo: Path) -> None:
    write(repo / "mlgit.yaml", PIPELINE)
    write(repo / "in.txt", "1")
    write(repo / "params.yaml", "n: 1\n")
    mlgit(repo, "repro")
    assert json.loads(mlgit(repo, "status", "--json").out) == []
    write(repo / "data.txt", "d")
    mlgit(repo, "add", "data.txt")
    write(repo / "params.yaml", "n: 2\n")
    rows = json.loads(mlgit(repo, "status", "--json").out)
    assert [r.get("path") for r in rows] == ["data.txt", None]
    assert rows[1] == {"stage": "a", "file": "mlgit.yaml", "state": "stale", "reasons": [
        {"kind": "param changed", "subject": "params.yaml n", "old": "1", "new": "2",
         "text": "param changed: params.yaml n (1 -> 2)"}]}


def test_json_is_printed_with_stale_stages_and_no_artifacts(repo: Path) -> None:
    write(repo / "mlgit.yaml", PIPELINE)
    write(repo / "in.txt", "1")
    write(repo / "params.yaml", "n: 1\n")
    rows = json.loads(mlgit(repo, "status", "--json").out)
    assert [r["stage"] for r in rows] == ["a", "b"]


def test_stages_of_a_pipeline_in_a_subfolder_are_listed(repo: Path) -> None:
    """As `repro --dry` sees them, once Git's index holds the subfolder's mlgit.yaml."""
    from tests.conftest import git

    write(repo / "sub/in.txt", "in")
    mlgit(repo / "sub", "stage", "add", "s", "-c", "cp in.txt out.txt", "-d", "in.txt",
          "-o", "out.txt")
    mlgit(repo / "sub", "repro")
    git(repo, "add", "-A")
    write(repo / "sub/in.txt", "changed")
    assert "would run sub/mlgit.yaml:s" in mlgit(repo, "repro", "--dry").out
    for where in (repo, repo / "sub"):
        result = mlgit(where, "status")
        assert result.lines[-2:] == ["stale stages (run 'mlgit repro'):",
                                     "  sub/mlgit.yaml:s: dep changed: sub/in.txt"
                                     f" ({result.lines[-1].split('(')[1]}"]
    mlgit(repo, "status", "-q", code=1)
