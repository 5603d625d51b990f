"""An output under a folder that is a symbolic link out of the repository is neither
written by a stage run nor by a checkout of what mlgit.lock records: mlgit.lock and the
links in a work tree come from Git, so from anyone."""

from __future__ import annotations

import os
from pathlib import Path

from mlgit.hashing import hash_bytes
from tests.conftest import mlgit, write


def test_a_stage_does_not_write_through_a_link_out_of_the_repository(repo: Path,
                                                                      tmp_path: Path) -> None:
    outside = write(tmp_path / "outside" / "precious.txt", "precious\n").parent
    os.symlink(outside, repo / "link")
    (repo / "real").mkdir()
    os.symlink("real", repo / "inside")
    write(repo / "mlgit.yaml", """
stages:
  out: {cmd: echo new > link/precious.txt, outs: [link/precious.txt]}
  in: {cmd: echo x > inside/x.txt, outs: [inside/x.txt]}
""")
    result = mlgit(repo, "repro", "-k", code=1)
    assert "error: out: its output link/precious.txt is inside link, a link to a folder" \
           " outside the repository" in result.err
    assert "in: done" in result.lines  # a link that stays in the repository is fine
    assert sorted(os.listdir(outside)) == ["precious.txt"]
    assert (outside / "precious.txt").read_text() == "precious\n"


def test_checkout_does_not_write_a_recorded_output_through_such_a_link(repo: Path,
                                                                       tmp_path: Path) -> None:
    outside = (tmp_path / "outside")
    outside.mkdir()
    os.symlink(outside, repo / "link")
    write(repo / "data.txt", "planted\n")
    mlgit(repo, "add", "data.txt")  # puts the object in the cache
    oid = hash_bytes(b"planted\n")
    write(repo / "mlgit.yaml", "stages:\n  s:\n    cmd: x\n    outs: [link/planted.txt]\n")
    write(repo / "mlgit.lock", f"schema: 1\nstages:\n  s:\n    cmd: x\n    outs:\n"
          f"    - path: link/planted.txt\n      oid: {oid}\n      size: 8\n")
    for args in (["checkout"], ["checkout", "--force"]):
        result = mlgit(repo, *args, code=1)
        assert "link/planted.txt: its folder link is a link to a folder outside the" \
               " repository" in result.err
        assert os.listdir(outside) == []
