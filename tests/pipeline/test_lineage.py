"""Lineage as data: the commit of a stage's mlgit.lock entry found in Git's history, and
the walk up the graph guarded against meeting a stage twice."""

from __future__ import annotations

from pathlib import Path

from mlgit.pipeline.dag import Graph
from mlgit.pipeline.lineage import MATCHES, NOT_RECORDED, UntrackedInput, output_lineage
from mlgit.pipeline.lock_history import LockHistory
from mlgit.pipeline.lockfile import Hashed, LockEntry, dumps, read_lock
from mlgit.pipeline.model import Out, Stage
from mlgit.repo import Repo
from tests.commands.lineage.pipeline import commit
from tests.conftest import mlgit, write


def entry(cmd: str, other: str = "one") -> dict[str, LockEntry]:
    return {"a": LockEntry((cmd,), outs={"a.txt": Hashed("1" * 32, 1)}),
            "b": LockEntry((other,))}


def lock(repo: Path, entries: dict[str, LockEntry]) -> None:
    write(repo / "mlgit.lock", dumps(entries, "mlgit.lock"))


def test_the_commit_that_last_changed_an_entry(gitrepo: Path) -> None:
    lock(gitrepo, entry("first"))
    one = commit(gitrepo, "one")
    lock(gitrepo, entry("first", other="two"))  # another stage's entry changes
    commit(gitrepo, "two")
    history = LockHistory(str(gitrepo), "mlgit.lock")
    assert history.entry_commit("a", entry("first")["a"]).sha == one  # type: ignore[union-attr]
    lock(gitrepo, entry("second", other="two"))
    commit(gitrepo, "three")
    lock(gitrepo, entry("first", other="two"))  # back to the first run's entry
    four = commit(gitrepo, "four")
    found = LockHistory(str(gitrepo), "mlgit.lock").entry_commit("a", entry("first")["a"])
    assert found is not None and found.sha == four and found.subject == "four"


def test_an_entry_not_committed(gitrepo: Path) -> None:
    history = LockHistory(str(gitrepo), "mlgit.lock")
    assert history.entry_commit("a", entry("first")["a"]) is None  # no commit at all
    lock(gitrepo, entry("first"))
    commit(gitrepo, "one")
    lock(gitrepo, entry("changed"))
    assert LockHistory(str(gitrepo), "mlgit.lock").entry_commit(
        "a", entry("changed")["a"]) is None


def test_a_version_edited_by_hand_is_read(gitrepo: Path) -> None:
    lock(gitrepo, entry("first"))
    one = commit(gitrepo, "one")
    text = (gitrepo / "mlgit.lock").read_text()
    write(gitrepo / "mlgit.lock", text.replace("stages:\n", "stages:  # edited\n")
          .replace("    cmd: first\n", "    cmd: 'first'\n"))
    commit(gitrepo, "reformatted")
    assert read_lock(str(gitrepo), "mlgit.lock") == entry("first")
    found = LockHistory(str(gitrepo), "mlgit.lock").entry_commit("a", entry("first")["a"])
    assert found is not None and found.sha == one


def test_a_stage_met_twice_is_followed_once(repo: Path) -> None:
    """A cycle (which build_graph refuses) cannot make the walk go round for ever."""
    a = Stage("a", "mlgit.yaml", "", ("make a",), deps=("b.txt", "in.txt"),
              outs=(Out("a.txt"),))
    b = Stage("b", "mlgit.yaml", "", ("make b",), deps=("a.txt",), outs=(Out("b.txt"),))
    write(repo / "in.txt", "x")
    graph = Graph([a, b], writer={"a.txt": a, "b.txt": b})
    top = output_lineage(Repo(str(repo)), graph, "a.txt", "a.txt")
    assert top.workspace == NOT_RECORDED and top.deps is not None
    made_b = top.deps[0].sources[0]
    assert made_b.stage is b and made_b.deps is not None  # type: ignore[union-attr]
    again = made_b.deps[0].sources[0]  # type: ignore[union-attr]
    assert again.stage is a and again.deps is None  # type: ignore[union-attr]
    assert top.deps[1].sources == [UntrackedInput("in.txt")]


def test_recorded_values(repo: Path) -> None:
    write(repo / "in.txt", "x")
    write(repo / "mlgit.yaml", "stages:\n  s: {cmd: cp in.txt out.txt, deps: [in.txt],"
                               " outs: [out.txt]}\n")
    mlgit(repo, "repro")
    from mlgit.pipeline.lineage import lineage

    top = lineage(Repo(str(repo)), "out.txt", "out.txt")
    assert top.workspace == MATCHES and top.commit is None
    assert top.cmd == ("cp in.txt out.txt",)
