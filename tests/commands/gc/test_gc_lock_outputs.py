"""mlgit gc keeps what any mlgit.lock records, as it keeps what pointers name: the work
tree's (every entry, also of a stage taken out of mlgit.yaml for now), HEAD's and the
index's."""

from __future__ import annotations

import shutil
from pathlib import Path

from mlgit.hashing import hash_bytes
from tests.conftest import cache_oids, git, mlgit, write

PIPELINE = """
stages:
  s:
    cmd: cat p.txt p.txt > m.bin
    deps: [p.txt]
    outs: [m.bin]
  later:
    cmd: mkdir -p g && echo g > g/g.bin
    outs: [g]
"""


def test_outputs_committed_at_head_and_of_undeclared_stages_are_kept(repo: Path) -> None:
    write(repo / "p.txt", "1\n")
    write(repo / "mlgit.yaml", PIPELINE)
    mlgit(repo, "repro")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    write(repo / "p.txt", "2\n")
    mlgit(repo, "repro")  # m.bin v2 in the work tree's mlgit.lock, v1 at HEAD
    write(repo / "mlgit.yaml", PIPELINE.split("  later:")[0])  # 'later' out for now
    mlgit(repo, "gc", "-f")
    assert hash_bytes(b"1\n1\n") in cache_oids(repo)
    assert hash_bytes(b"2\n2\n") in cache_oids(repo)
    assert hash_bytes(b"g\n") in cache_oids(repo)
    git(repo, "checkout", "--", "mlgit.lock", "mlgit.yaml", "p.txt")
    (repo / "m.bin").unlink()
    shutil.rmtree(repo / "g")
    mlgit(repo, "checkout")
    assert (repo / "m.bin").read_text() == "1\n1\n"
    assert (repo / "g" / "g.bin").read_text() == "g\n"
