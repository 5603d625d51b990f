"""register_merge_driver: merge.mlgit in .git/config and merge=mlgit in .gitattributes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from mlgit.git.merge_driver import (
    merge_driver_registered,
    register_merge_driver,
    unregister_merge_driver,
)
from tests.conftest import git, write


def test_register_is_idempotent_and_keeps_other_attributes(gitrepo: Path) -> None:
    write(gitrepo / ".gitattributes", "*.png binary")
    assert not merge_driver_registered(str(gitrepo))
    assert register_merge_driver(str(gitrepo)) == ["git config", ".gitattributes"]
    assert git(gitrepo, "config", "merge.mlgit.driver").strip() == \
        "mlgit merge-driver -- %O %A %B %P"
    assert (gitrepo / ".gitattributes").read_text() == (
        "*.png binary\n*.mlgit merge=mlgit\nmlgit.lock merge=mlgit\n.gitignore merge=union\n")
    assert git(gitrepo, "check-attr", "merge", "--", "d/x.mlgit", "sub/mlgit.lock",
               "d/.gitignore") == ("d/x.mlgit: merge: mlgit\nsub/mlgit.lock: merge: mlgit\n"
                                   "d/.gitignore: merge: union\n")
    assert merge_driver_registered(str(gitrepo))
    assert register_merge_driver(str(gitrepo)) == []
    assert unregister_merge_driver(str(gitrepo)) == ["git config", ".gitattributes"]
    assert (gitrepo / ".gitattributes").read_text() == "*.png binary\n"
    left = subprocess.run(["git", "config", "--get-regexp", "merge"], cwd=gitrepo,
                          capture_output=True, text=True)
    assert left.stdout == ""
