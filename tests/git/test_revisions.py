"""git/revisions.py: files as a commit has them, whatever the work tree holds now."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlgit.errors import MlgitError
from mlgit.git.revisions import file_at_revision, revision_reader
from tests.conftest import commit_all, git, write


def test_a_file_is_read_as_committed_not_as_edited(gitrepo: Path) -> None:
    write(gitrepo / "conf" / "params.yaml", "lr: 1\n")
    commit_all(gitrepo)
    write(gitrepo / "conf" / "params.yaml", "lr: 2\n")
    assert file_at_revision(str(gitrepo), "HEAD", "conf/params.yaml") == b"lr: 1\n"
    write(gitrepo / "conf" / "params.yaml", "lr: 3\n")
    commit_all(gitrepo)
    assert file_at_revision(str(gitrepo), "HEAD~1", "conf/params.yaml") == b"lr: 1\n"
    assert file_at_revision(str(gitrepo), "main", "conf/params.yaml") == b"lr: 3\n"


def test_what_the_revision_lacks_is_none(gitrepo: Path) -> None:
    write(gitrepo / "conf" / "params.yaml", "lr: 1\n")
    commit_all(gitrepo)
    write(gitrepo / "new.yaml", "x: 1\n")
    for rel in ("new.yaml", "conf", "conf/params.yaml/x", "nothing/here.yaml"):
        assert file_at_revision(str(gitrepo), "HEAD", rel) is None, rel


def test_a_committed_link_is_followed_inside_the_revision(gitrepo: Path) -> None:
    write(gitrepo / "conf" / "real.yaml", "lr: 1\n")
    os.symlink("conf/real.yaml", gitrepo / "params.yaml")
    os.symlink("../../outside.yaml", gitrepo / "conf" / "escape.yaml")
    commit_all(gitrepo)
    assert file_at_revision(str(gitrepo), "HEAD", "params.yaml") == b"lr: 1\n"
    assert file_at_revision(str(gitrepo), "HEAD", "conf/escape.yaml") is None


def test_no_commit_yet_means_no_reader(gitrepo: Path) -> None:
    write(gitrepo / "params.yaml", "lr: 1\n")
    git(gitrepo, "add", "-A")
    assert revision_reader(str(gitrepo), "HEAD") is None
    assert file_at_revision(str(gitrepo), "HEAD", "params.yaml") is None


def test_an_unknown_revision_is_an_error(gitrepo: Path) -> None:
    write(gitrepo / "params.yaml", "lr: 1\n")
    commit_all(gitrepo)
    with pytest.raises(MlgitError, match="unknown revision 'nope'") as err:
        revision_reader(str(gitrepo), "nope")
    assert err.value.hint
