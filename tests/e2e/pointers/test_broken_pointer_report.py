"""status, ls and status --json name a pointer they cannot read once, with the hint that fixes
it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import mlgit, write


def test_status_names_a_broken_pointer_once_and_gives_the_hint(repo: Path) -> None:
    write(repo / "good.bin", "g")
    mlgit(repo, "add", "good.bin")
    write(repo / "bad.bin.mlgit", "version: 2\n")
    write(repo / "worse.bin.mlgit", "version: 3\n")
    result = mlgit(repo, "status", code=1)
    assert result.lines == ["good.bin: unchanged"]
    # errors and their hint on stderr (docs/exit-codes.md, "Where output goes")
    assert result.err.splitlines() == [
        "error: bad.bin.mlgit: unsupported pointer format version 2 (this mlgit reads"
        " version 1)",
        "hint: upgrade mlgit, or restore the file from Git",
        "error: worse.bin.mlgit: unsupported pointer format version 3 (this mlgit reads"
        " version 1)",
    ]
    listed = mlgit(repo, "ls", code=1).out
    assert "bad.bin.mlgit  (error: unsupported pointer format version 2" in listed
    as_json = json.loads(mlgit(repo, "status", "--json", code=1).out)
    assert as_json[0] == {"pointer": "bad.bin.mlgit",
                          "error": "unsupported pointer format version 2 (this mlgit reads"
                                   " version 1)",
                          "hint": "upgrade mlgit, or restore the file from Git"}
