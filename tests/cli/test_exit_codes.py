"""Exit codes: each verb's rule for its result, and how the entry point maps what a verb
raises (docs/exit-codes.md)."""

from __future__ import annotations

import errno
from collections.abc import Callable
from pathlib import Path

import pytest

from mlgit.cli import exit_codes, main, parser
from mlgit.cli.exit_codes import EXIT_BUG, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from mlgit.cli.parser import Verb
from mlgit.commands.fsck import Damaged, FsckResult
from mlgit.commands.ls import Listed
from mlgit.commands.remote import RemoteRow
from mlgit.commands.remote_status import RemoteStatus
from mlgit.commands.status import StatusEntry
from mlgit.commands.unprotect import Unprotected
from mlgit.errors import BadPointer, DiskFull, MlgitError
from mlgit.remote.failures import Failure, FailureKind
from mlgit.remote.transfer import Outcome, TransferResult
from mlgit.workspace.checkout_result import CheckoutResult
from mlgit.workspace.status import ArtifactStatus
from tests.conftest import mlgit


def _entry(state: str, missing: int = 0) -> StatusEntry:
    status = ArtifactStatus("data", "file", state)
    status.missing_objects = missing
    return StatusEntry("data.mlgit", status)


UNREADABLE = StatusEntry("bad.mlgit", None, BadPointer("bad.mlgit: not a pointer"))


@pytest.mark.parametrize(("entries", "quiet", "indexes", "code"), [
    ([], False, [], EXIT_OK),
    ([_entry("unchanged")], True, [], EXIT_OK),
    ([_entry("modified")], False, [], EXIT_OK),
    ([_entry("modified")], True, [], EXIT_FAILED),
    ([_entry("unchanged", missing=1)], False, [], EXIT_OK),
    ([_entry("unchanged", missing=1)], True, [], EXIT_FAILED),
    ([_entry("damaged")], False, [], EXIT_FAILED),
    ([_entry("unchanged"), UNREADABLE], False, [], EXIT_FAILED),
    ([_entry("unchanged")], False, [".mlgit/cache/packs/p.idx"], EXIT_FAILED),
])
def test_status(entries: list[StatusEntry], quiet: bool, indexes: list[str],
                code: int) -> None:
    assert exit_codes.for_status(entries, quiet, indexes) == code


@pytest.mark.parametrize(("row", "quiet", "code"), [
    (RemoteStatus("d", "d.mlgit", 3, 3, 3, 0), True, EXIT_OK),
    (RemoteStatus("d", "d.mlgit", 3, 3, 1, 0), False, EXIT_OK),
    (RemoteStatus("d", "d.mlgit", 3, 3, 1, 0), True, EXIT_FAILED),
    (RemoteStatus("d", "d.mlgit", 3, 1, 1, 1), False, EXIT_FAILED),
    (RemoteStatus("d", "d.mlgit", 0, 0, 0, 0, "unreadable"), False, EXIT_FAILED),
])
def test_remote_status(row: RemoteStatus, quiet: bool, code: int) -> None:
    assert exit_codes.for_remote_status([row], quiet) == code


def _result(conflicts: list[str] = [], failed: list[tuple[str, str]] = []) -> CheckoutResult:  # noqa: B006
    result = CheckoutResult("data")
    result.conflicts += conflicts
    result.failed += failed
    return result


def test_checkout_and_pull() -> None:
    assert exit_codes.for_checkout([_result(), _result()]) == EXIT_OK
    assert exit_codes.for_checkout([_result(), _result(conflicts=["data/a"])]) == EXIT_FAILED
    assert exit_codes.for_checkout([_result(failed=[("data/a", "why")])]) == EXIT_FAILED
    fine, failed = TransferResult(), TransferResult()
    failed.failed.append(Failure("data", "0" * 32, FailureKind.NOT_ON_REMOTE))
    assert exit_codes.for_transfer(Outcome("o", "/r", fine, [_result()])) == EXIT_OK
    assert exit_codes.for_transfer(Outcome("o", "/r", failed, [])) == EXIT_FAILED
    assert exit_codes.for_transfer(Outcome("o", "/r", fine, [_result(["a"])])) == EXIT_FAILED


def test_listings_fail_on_an_unreadable_row() -> None:
    good = Listed("d", "file", 1, 1, "0" * 32, True)
    assert exit_codes.for_ls([good]) == EXIT_OK
    assert exit_codes.for_ls([good, Listed("e", "file", 0, 0, "", False, "bad")]) == EXIT_FAILED
    row = RemoteRow("origin", "/r", True, [], [])
    assert exit_codes.for_remote_list([row]) == EXIT_OK
    assert exit_codes.for_remote_list([row._replace(error="bad")]) == EXIT_FAILED


def test_unprotect_and_fsck() -> None:
    result = Unprotected()
    assert exit_codes.for_unprotect(result) == EXIT_OK
    result.failed.append(MlgitError("data: cannot"))
    assert exit_codes.for_unprotect(result) == EXIT_FAILED
    checked = FsckResult(None, ".mlgit/cache", 1, 1, 0, [], [], False)
    assert exit_codes.for_fsck(checked) == EXIT_OK
    checked.damaged.append(Damaged("object", "0" * 32, "loose", 1, "hash mismatch", []))
    assert exit_codes.for_fsck(checked) == EXIT_FAILED


# --- what the entry point makes of what a verb raises ---------------------------------------

def _raising(exc: BaseException) -> Callable[..., int]:
    def handler(paths: list[str], **options: object) -> int:
        raise exc
    return handler


@pytest.mark.parametrize(("exc", "code", "stderr"), [
    (MlgitError("it went wrong", "do this"), EXIT_FAILED, "error: it went wrong\nhint: do this\n"),
    (KeyboardInterrupt(), EXIT_INTERRUPTED, "interrupted\n"),
    (BrokenPipeError(), EXIT_OK, ""),
    (OSError(errno.ENOSPC, "No space left on device"), EXIT_FAILED, "error: no space left"),
    (RuntimeError("a bug"), EXIT_BUG, "error: mlgit hit an unexpected problem: RuntimeError"),
])
def test_what_a_verb_raises(exc: BaseException, code: int, stderr: str, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    monkeypatch.setitem(parser.FAST_VERBS, "boom", Verb(_raising(exc), ()))
    assert main.run(["boom"]) == code
    assert capsys.readouterr().err.startswith(stderr)


def test_the_verbs_own_codes_pass_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(parser.FAST_VERBS, "boom", Verb(lambda paths, **options: 5, ()))
    assert main.run(["boom"]) == 5
    assert DiskFull.exit_code == MlgitError.exit_code == EXIT_FAILED


def test_usage_errors(tmp_path: Path) -> None:
    assert mlgit(tmp_path, "no-such-verb", code=EXIT_USAGE).out == ""
    assert mlgit(tmp_path, "status", "--no-such-option", code=EXIT_USAGE).out == ""
    assert mlgit(tmp_path, "gc", "--grace", "-1", code=EXIT_USAGE).out == ""
    assert "Usage: mlgit" in mlgit(tmp_path, code=EXIT_USAGE).err  # no verb: the help
