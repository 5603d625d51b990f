"""mlgit diff: the data that changed between revisions, or a revision and the workspace."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import assert_clean_error, commit_tagged, delete_object, git, mlgit, write

PIPELINE = """
stages:
  s:
    cmd: mkdir -p out && echo {word} > out/a.txt && echo m > m.json
    outs: [out]
    metrics: [{{m.json: {{cache: false}}}}]
"""


def two_versions(repo: Path) -> None:
    write(repo / "data/a.txt", "a")
    write(repo / "data/b.txt", "bb")
    write(repo / "model.bin", "weights")
    write(repo / "old.bin", "gone")
    mlgit(repo, "add", "data", "model.bin", "old.bin")
    commit_tagged(repo, "v1")
    write(repo / "data/a.txt", "a2")
    (repo / "data/b.txt").rename(repo / "data/c.txt")
    write(repo / "data/d.txt", "dddd")
    mlgit(repo, "add", "data")
    mlgit(repo, "mv", "model.bin", "weights.bin")
    mlgit(repo, "rm", "old.bin")
    commit_tagged(repo, "v2")


def test_two_revisions_down_to_files_in_folders(repo: Path) -> None:
    two_versions(repo)
    result = json.loads(mlgit(repo, "diff", "v1", "v2", "--json").out)
    assert [(c["path"], c["size"]) for c in result["added"]] == [("data/d.txt", 4)]
    assert [(c["path"], c["old_size"], c["size"]) for c in result["modified"]] == [
        ("data/", 3, 8), ("data/a.txt", 1, 2)]
    assert [(c["path"], c["size"]) for c in result["deleted"]] == [("old.bin", 4)]
    assert [(c["old_path"], c["path"]) for c in result["renamed"]] == [
        ("data/b.txt", "data/c.txt"), ("model.bin", "weights.bin")]
    text = mlgit(repo, "diff", "v1", "v2").lines
    assert "added     data/d.txt                4 B" in text
    assert text[-1] == "1 added, 2 modified, 1 deleted, 2 renamed (v1 -> v2)"
    md = mlgit(repo, "diff", "v1", "v2", "--md").lines
    assert md[:2] == ["| status | path | size |", "| --- | --- | --- |"]
    assert "| renamed | `model.bin` -> `weights.bin` | 7 B |" in md


def test_against_the_workspace(repo: Path) -> None:
    two_versions(repo)
    assert mlgit(repo, "diff").lines == ["No data changed between HEAD and the workspace."]
    write(repo / "data/a.txt", "a3")
    mlgit(repo, "add", "data")
    result = json.loads(mlgit(repo, "diff", "--json").out)
    assert (result["old"], result["new"]) == ("HEAD", "workspace")
    assert [c["path"] for c in result["modified"]] == ["data/", "data/a.txt"]
    one = json.loads(mlgit(repo, "diff", "v1", "--json").out)
    assert [c["path"] for c in one["added"]] == ["data/d.txt"]


def test_stage_outputs_are_data_too(repo: Path) -> None:
    write(repo / "mlgit.yaml", PIPELINE.format(word="one"))
    mlgit(repo, "repro")
    commit_tagged(repo, "v1")
    write(repo / "mlgit.yaml", PIPELINE.format(word="two"))
    mlgit(repo, "repro")
    commit_tagged(repo, "v2")
    result = json.loads(mlgit(repo, "diff", "v1", "v2", "--json").out)
    assert [c["path"] for c in result["modified"]] == ["out/", "out/a.txt"]
    assert result["added"] == result["deleted"] == []  # m.json is not cached: not data


def test_a_missing_manifest_is_named_not_fatal(repo: Path) -> None:
    two_versions(repo)
    old_manifest = git(repo, "show", "v1:data.mlgit").split('oid: "')[1][:32]
    delete_object(repo, old_manifest)
    # and its memo, which add wrote (as in a clone that never had the manifest)
    (repo / ".mlgit" / "tmp" / "manifests" / old_manifest).unlink(missing_ok=True)
    run = mlgit(repo, "diff", "v1", "v2")
    assert "data/ in v1: its folder manifest" in run.err and "not in the cache" in run.err
    assert "modified  data/" in run.out and "data/a.txt" not in run.out
    result = json.loads(mlgit(repo, "diff", "v1", "v2", "--json").out)
    assert result["missing_manifests"] == [{"path": "data/", "oid": old_manifest, "side": "v1"}]


def test_unknown_revision(repo: Path) -> None:
    two_versions(repo)
    assert_clean_error(mlgit(repo, "diff", "v1", "nope", code=1), "unknown revision 'nope'")
    assert_clean_error(mlgit(repo, "diff", "v1", "v2", "v1", code=1),
                       "too many revisions: v1 v2 v1", "'mlgit diff [A [B]]'")


def test_shallow_clone_missing_the_revision(repo: Path, tmp_path: Path) -> None:
    two_versions(repo)
    first = git(repo, "rev-parse", "v1").strip()
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    result = mlgit(clone, "diff", first, code=1)
    assert_clean_error(result, "shallow", "git fetch --deepen", "--unshallow")


def test_merge_conflict_in_a_pointer_file(repo: Path) -> None:
    two_versions(repo)
    git(repo, "checkout", "-qb", "other", "v1")
    write(repo / "data/a.txt", "other side")
    mlgit(repo, "add", "data")
    commit_tagged(repo, "other")
    git(repo, "checkout", "-q", "main")
    proc = subprocess.run(["git", "merge", "-q", "other"], cwd=repo, capture_output=True)
    assert proc.returncode != 0  # a true conflict
    result = mlgit(repo, "diff", code=1)
    assert "merge conflict in data.mlgit" in result.err


def test_detached_head(repo: Path) -> None:
    two_versions(repo)
    git(repo, "checkout", "-q", "--detach", "v1")
    result = json.loads(mlgit(repo, "diff", "HEAD", "main", "--json").out)
    assert [c["path"] for c in result["added"]] == ["data/d.txt"]
    assert mlgit(repo, "diff").lines == ["No data changed between HEAD and the workspace."]


def test_a_fresh_repository(repo: Path) -> None:
    write(repo / "x.bin", "x")
    mlgit(repo, "add", "x.bin")
    result = json.loads(mlgit(repo, "diff", "--json").out)
    assert [c["path"] for c in result["added"]] == ["x.bin"]


def test_md_tables_carry_no_html_or_links_from_a_file_name(repo: Path) -> None:
    """A pull request chooses file names; the report goes into a comment readers trust."""
    name = "<img src=x onerror=alert(1)>![p](http:x)&amp.bin"
    write(repo / name, "h")
    mlgit(repo, "add", name)
    md = mlgit(repo, "diff", "--md").out
    row = next(line for line in md.splitlines() if "img" in line)
    # a code span: shown as written (tests/cli/test_md_tables.py renders it as GitHub does)
    assert "| `<img src=x onerror=alert(1)>![p](http:x)&amp.bin` |" in row
