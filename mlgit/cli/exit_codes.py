"""Every exit code mlgit gives, and each verb's rule for it (docs/exit-codes.md).

0 ok, 1 an expected failure or a finding the verb reports, 2 usage, 3 a bug (crash log
written), 130 interrupted. main.py maps exceptions; the rules below map a verb's result.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mlgit.commands.fsck import FsckResult
    from mlgit.commands.ls import Listed
    from mlgit.commands.remote import RemoteRow
    from mlgit.commands.remote_status import RemoteStatus
    from mlgit.commands.status import StatusEntry
    from mlgit.commands.unprotect import Unprotected
    from mlgit.pipeline.values import FileValues, ValuesDiff
    from mlgit.remote.transfer import Outcome
    from mlgit.workspace.checkout_result import CheckoutResult

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _failed_if(condition: bool) -> int:
    return EXIT_FAILED if condition else EXIT_OK


def for_status(entries: list[StatusEntry], quiet: bool, damaged_indexes: list[str]) -> int:
    """--quiet: 1 if anything is not clean; else 1 only for what could not be read or is
    damaged."""
    if quiet and not all(e.clean for e in entries):
        return EXIT_FAILED
    return _failed_if(bool(damaged_indexes) or any(e.error or e.damaged for e in entries))


def for_remote_status(rows: list[RemoteStatus], quiet: bool) -> int:
    """1 if an object is in neither place or a pointer is unreadable; with --quiet, also if
    anything is not on the remote."""
    return _failed_if(any(r.error or r.nowhere for r in rows)
                      or (quiet and any(r.on_remote < r.objects for r in rows)))


def for_checkout(results: list[CheckoutResult]) -> int:
    return _failed_if(not all(r.ok for r in results))


def for_transfer(outcome: Outcome[CheckoutResult]) -> int:
    """push, fetch and pull: 1 if any object failed or (pull) the checkout left anything."""
    return _failed_if(bool(outcome.result.failed) or not all(c.ok for c in outcome.checkouts))


def for_ls(rows: list[Listed]) -> int:
    return _failed_if(any(r.error for r in rows))


def for_remote_list(rows: list[RemoteRow]) -> int:
    return _failed_if(any(r.error for r in rows))


def for_unprotect(result: Unprotected) -> int:
    return _failed_if(bool(result.failed))


def for_fsck(result: FsckResult) -> int:
    """1 if anything is damaged (also after --repair set it aside)."""
    return _failed_if(bool(result.damaged))


def for_values(files: list[FileValues]) -> int:
    """params show, metrics show: 1 if a file could not be read (the others are shown)."""
    return _failed_if(any(f.error for f in files))


def for_values_diff(diff: ValuesDiff) -> int:
    """params diff, metrics diff: 1 if a file could not be read on a side; 0 otherwise,
    whether or not anything changed."""
    return _failed_if(bool(diff.errors))
