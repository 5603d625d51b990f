"""mlgit lineage of stage outputs: the stage, its recorded cmd, deps and params, the commit
of its mlgit.lock entry, recursively down to the raw inputs; whether the work tree still
matches the record."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mlgit.hashing import hash_bytes
from tests.commands.lineage.pipeline import PIPELINE, commit, make_inputs, run_pipeline
from tests.conftest import mlgit, write


def entry_line(out: str, sha: str, subject: str) -> bool:
    return out.startswith("mlgit.lock entry committed in " + sha[:10]) and out.endswith(
        f", Test Author): {subject}")


def test_the_tree_down_to_the_raw_inputs(repo: Path) -> None:
    shas = run_pipeline(repo)
    lines = mlgit(repo, "lineage", "model.pkl").lines
    assert lines[0] == "model.pkl: output of stage train"
    assert entry_line(lines[1].strip(), shas["run"], "run the pipeline")
    assert lines[2] == "  up to date"
    assert lines[3] == "  cmd: cat features.txt params.yaml > model.pkl"
    assert lines[4].startswith("  recorded ") and lines[4].endswith("; workspace matches")
    assert lines[5] == "  param params.yaml train.lr: 0.1"
    assert lines[6].startswith("  dep data/prepared: recorded ")
    assert ", 2 files; workspace matches" in lines[6]
    assert lines[7] == "    data/prepared: output of stage prepare"
    assert "      param params.yaml prepare.split: 0.2" in lines
    raw = lines.index("      dep data/raw.csv: recorded " + hash_bytes(b"a,b\n1,2\n")[:8]
                      + ", 8 B; workspace matches")
    assert lines[raw + 1].startswith(
        "        data/raw.csv: tracked by mlgit (data/raw.csv.mlgit), pointer committed in "
        + shas["raw"][:10])
    assert lines[raw + 1].endswith("Test Author): add raw data")
    code = lines.index("      dep src/prepare.txt: recorded " + hash_bytes(b"how to prepare\n")[:8]
                       + ", 15 B; workspace matches")
    assert lines[code + 1].startswith("        src/prepare.txt: Git file, last commit "
                                      + shas["code"][:10])
    assert lines[code + 1].endswith("): add code and params")
    # featurize reads a file inside prepare's output: prepare is shown again, not followed
    inside = lines.index("        data/prepared/train.csv: output of stage prepare"
                         " (in data/prepared)")
    assert lines[inside + 4].startswith("          recorded " + hash_bytes(b"a,b\n1,2\n")[:8])
    assert lines[inside + 5] == "          param params.yaml prepare.split: 0.2"
    assert lines[inside + 6] == "          deps: as shown above for stage prepare"
    assert lines[inside + 7].startswith("      dep notes.txt: recorded ")
    assert lines[inside + 8:] == ["        notes.txt: not tracked by mlgit or Git"]


def test_a_param_change_rerun_but_not_committed(repo: Path) -> None:
    shas = run_pipeline(repo)
    write(repo / "params.yaml", (repo / "params.yaml").read_text().replace("0.1", "0.2"))
    lines = mlgit(repo, "lineage", "model.pkl").lines
    assert lines[2] == "  stale: param changed: params.yaml train.lr (0.1 -> 0.2)"
    assert lines[5] == "  param params.yaml train.lr: 0.1"  # as recorded
    mlgit(repo, "repro")
    lines = mlgit(repo, "lineage", "model.pkl").lines
    assert lines[1] == "  mlgit.lock entry not committed"
    assert "  param params.yaml train.lr: 0.2" in lines
    prepare = lines.index("    data/prepared: output of stage prepare")
    assert entry_line(lines[prepare + 1].strip(), shas["run"], "run the pipeline")
    # committed: train's entry in the new commit, the others' still in the first one
    retrain = commit(repo, "retrain with lr 0.2")
    lines = mlgit(repo, "lineage", "model.pkl").lines
    assert entry_line(lines[1].strip(), retrain, "retrain with lr 0.2")
    assert entry_line(lines[prepare + 1].strip(), shas["run"], "run the pipeline")


def test_outputs_changed_since_the_run(repo: Path) -> None:
    run_pipeline(repo)
    write(repo / "model.pkl", "edited by hand")
    write(repo / "data" / "raw.csv", "new raw data\n")
    lines = mlgit(repo, "lineage", "model.pkl").lines
    assert lines[2].startswith("  stale: out changed: model.pkl (")
    assert lines[4].endswith("; workspace modified since recorded")
    assert lines[9].startswith("      stale: dep changed: data/raw.csv (")
    raw = [i for i, line in enumerate(lines) if line.startswith("      dep data/raw.csv:")]
    assert lines[raw[0]].endswith("; workspace modified since recorded")
    assert lines[raw[0] + 2].endswith("; workspace modified since recorded")  # vs its pointer
    (repo / "model.pkl").unlink()
    assert mlgit(repo, "lineage", "model.pkl").lines[4].endswith("; workspace missing")
    # a file inside a recorded folder is compared with its own manifest entry
    write(repo / "data" / "prepared" / "test.csv", "changed\n")
    lines = mlgit(repo, "lineage", "data/prepared/train.csv").lines
    assert lines[0] == "data/prepared/train.csv: output of stage prepare (in data/prepared)"
    assert lines[4].endswith("; workspace matches")
    assert mlgit(repo, "lineage", "data/prepared").lines[4].endswith(
        "; workspace modified since recorded")


def test_a_lock_never_committed(repo: Path) -> None:
    make_inputs(repo)
    write(repo / "mlgit.yaml", PIPELINE)
    mlgit(repo, "repro")
    lines = mlgit(repo, "lineage", "features.txt").lines
    assert lines[1] == "  mlgit.lock entry not committed"
    assert lines.count("      mlgit.lock entry not committed") == 1  # prepare's


def test_a_stage_that_never_ran(repo: Path) -> None:
    make_inputs(repo)
    write(repo / "mlgit.yaml", PIPELINE)
    mlgit(repo, "repro", "prepare")
    lines = mlgit(repo, "lineage", "model.pkl").lines
    assert lines[:4] == ["model.pkl: output of stage train",
                         "  never run: no entry in mlgit.lock",
                         "  cmd: cat features.txt params.yaml > model.pkl",
                         "  not recorded"]
    assert "  dep features.txt: not recorded" in lines
    assert "  dep data/prepared: not recorded" in lines
    data = json.loads(mlgit(repo, "lineage", "--json", "model.pkl").out)
    assert data["ran"] is False and data["recorded"] is None and data["commit"] is None
    assert data["workspace"] == "not recorded" and data["params"] == {}
    prepare = data["deps"][1]["from"][0]
    assert prepare["stage"] == "prepare" and prepare["ran"] is True


def test_in_a_repository_without_commits(repo: Path) -> None:
    write(repo / "in.txt", "x")
    write(repo / "mlgit.yaml", "stages:\n  s: {cmd: cp in.txt out.txt, deps: [in.txt],"
                               " outs: [out.txt]}\n")
    mlgit(repo, "repro")
    assert mlgit(repo, "lineage", "out.txt").lines == [
        "out.txt: output of stage s",
        "  mlgit.lock entry not committed",
        "  up to date",
        "  cmd: cp in.txt out.txt",
        f"  recorded {hash_bytes(b'x')[:8]}, 1 B; workspace matches",
        f"  dep in.txt: recorded {hash_bytes(b'x')[:8]}, 1 B; workspace matches",
        "    in.txt: not tracked by mlgit or Git"]


def test_json(repo: Path) -> None:
    shas = run_pipeline(repo)
    data = json.loads(mlgit(repo, "lineage", "model.pkl", "--json").out)
    assert list(data) == ["kind", "path", "out", "stage", "pipeline_file", "lock_file", "ran",
                          "commit", "stale", "cmd", "wdir", "recorded", "workspace",
                          "params", "deps"]
    assert data["stale"] == []
    assert data["kind"] == "output" and data["stage"] == "train" and data["ran"] is True
    assert data["commit"]["sha"] == shas["run"]
    assert data["commit"]["subject"] == "run the pipeline"
    assert data["commit"]["author"] == "Test Author" and data["commit"]["date"][:2] == "20"
    assert data["params"] == {"params.yaml": {"train.lr": 0.1}}
    model = (repo / "model.pkl").read_bytes()
    assert data["recorded"] == {"path": "model.pkl", "oid": hash_bytes(model),
                                "size": len(model), "nfiles": None}
    prepared, features = data["deps"]
    assert prepared["path"] == "data/prepared" and prepared["recorded"]["nfiles"] == 2
    assert prepared["workspace"] == "matches"
    prepare = prepared["from"][0]
    assert prepare["kind"] == "output" and prepare["stage"] == "prepare"
    raw, code, *_ = prepare["deps"]
    assert raw["from"] == [{
        "kind": "tracked", "path": "data/raw.csv", "artifact": "data/raw.csv",
        "pointer": "data/raw.csv.mlgit", "commit": raw["from"][0]["commit"],
        "recorded": {"path": "data/raw.csv", "oid": hash_bytes(b"a,b\n1,2\n"), "size": 8,
                     "nfiles": None}, "workspace": "matches"}]
    assert raw["from"][0]["commit"]["sha"] == shas["raw"]
    assert code["from"][0]["kind"] == "git"
    assert code["from"][0]["commit"]["sha"] == shas["code"]
    assert code["from"][0]["uncommitted_changes"] is False
    featurize = features["from"][0]
    again = featurize["deps"][0]["from"][0]
    assert again["stage"] == "prepare" and again["deps"] is None  # shown above
    assert again["recorded"]["path"] == "data/prepared/train.csv"
    assert featurize["deps"][1]["from"] == [{"kind": "untracked", "path": "notes.txt"}]


def test_a_git_input_with_uncommitted_changes(repo: Path) -> None:
    run_pipeline(repo)
    write(repo / "src" / "prepare.txt", "changed\n")
    data = json.loads(mlgit(repo, "lineage", "data/prepared", "--json").out)
    code = data["deps"][1]
    assert code["workspace"] == "modified since recorded"
    assert code["from"][0]["uncommitted_changes"] is True
    assert "with uncommitted changes" in mlgit(repo, "lineage", "data/prepared").out


def test_a_long_pipeline(repo: Path) -> None:
    """Deeper than Python's recursion limit: 300 stages in a chain, 4 JSON levels each."""
    write(repo / "s0.txt", "x")
    write(repo / "mlgit.yaml", "stages:\n" + "".join(
        f"  s{i}: {{cmd: cp s{i - 1}.txt s{i}.txt, deps: [s{i - 1}.txt], outs: [s{i}.txt]}}\n"
        for i in range(1, 301)))
    lines = mlgit(repo, "lineage", "s300.txt").lines
    assert lines[-1] == "  " * 600 + "s0.txt: not tracked by mlgit or Git"
    text = mlgit(repo, "lineage", "s300.txt", "--json").out
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + 2000)  # the decoder recurses once per level too
    try:
        data = json.loads(text)
    finally:
        sys.setrecursionlimit(limit)
    for _ in range(300):
        data = data["deps"][0]["from"][0]
    assert data == {"kind": "untracked", "path": "s0.txt"}


def test_a_stage_that_cannot_be_checked(repo: Path) -> None:
    run_pipeline(repo)
    (repo / "params.yaml").unlink()
    lines = mlgit(repo, "lineage", "model.pkl").lines
    assert lines[2] == "  stale: params.yaml: params file not found"


def test_a_dep_on_a_folder_two_stages_write_into(repo: Path) -> None:
    write(repo / "mlgit.yaml", """
stages:
  a: {cmd: mkdir -p out && echo a > out/a.txt, outs: [out/a.txt]}
  b: {cmd: mkdir -p out && echo b > out/b.txt, outs: [out/b.txt]}
  c: {cmd: cat out/a.txt out/b.txt > c.txt, deps: [out], outs: [c.txt]}
""")
    mlgit(repo, "repro")
    data = json.loads(mlgit(repo, "lineage", "--json", "c.txt").out)
    [dep] = data["deps"]
    assert dep["path"] == "out" and dep["recorded"]["nfiles"] == 3  # and its .gitignore
    assert [(s["stage"], s["path"], s["out"]) for s in dep["from"]] == [
        ("a", "out/a.txt", "out/a.txt"), ("b", "out/b.txt", "out/b.txt")]


def test_paths_from_a_subfolder(repo: Path) -> None:
    run_pipeline(repo)
    lines = mlgit(repo / "data", "lineage", "prepared/train.csv").lines
    assert lines[0] == "data/prepared/train.csv: output of stage prepare (in data/prepared)"
    assert mlgit(repo / "data", "lineage", "raw.csv.mlgit").lines[0].startswith(
        "data/raw.csv: tracked by mlgit (data/raw.csv.mlgit)")


def test_stages_of_another_pipeline_file_and_generated_ones(repo: Path) -> None:
    write(repo / "raw.txt", "x")
    write(repo / "mlgit.yaml", """
stages:
  build:
    foreach: [a, b]
    do: {cmd: "echo ${item} > built-${item}.txt", deps: [raw.txt], outs: ["built-${item}.txt"]}
""")
    write(repo / "part" / "mlgit.yaml", """
stages:
  use: {cmd: cat ../built-a.txt > used.txt, deps: [../built-a.txt], outs: [used.txt]}
""")
    mlgit(repo, "repro")
    sha = commit(repo, "built")
    lines = mlgit(repo, "lineage", "part/used.txt").lines
    assert lines[0] == "part/used.txt: output of stage part/mlgit.yaml:use"
    assert lines[1].startswith(f"  part/mlgit.lock entry committed in {sha[:10]} (")
    assert lines[3] == "  cmd (in part/): cat ../built-a.txt > used.txt"
    assert lines[6] == "    built-a.txt: output of stage build@a"
    assert lines[7].startswith(f"      mlgit.lock entry committed in {sha[:10]} (")
    data = json.loads(mlgit(repo, "lineage", "part/used.txt", "--json").out)
    assert (data["stage"], data["pipeline_file"], data["lock_file"], data["wdir"]) == (
        "part/mlgit.yaml:use", "part/mlgit.yaml", "part/mlgit.lock", "part")
