"""The handlers of the pipeline verbs: open the repository, run the command, print what it
reports as it goes, return the exit code."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

from mlgit.cli import exit_codes
from mlgit.cli.handlers.repository import closed_after, find_repo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mlgit.repo import Repo


def repro(targets: list[str], dry: bool = False, force: bool = False,
          downstream: bool = False, single_item: bool = False, keep_going: bool = False,
          allow_missing: bool = False, jobs: int | str | None = None,
          no_run_cache: bool = False, pull: bool = False) -> int:
    from mlgit.cli.render.pipeline import PrintedEvents, show_failures
    from mlgit.commands.repro import repro as run
    from mlgit.pipeline.scheduler import Options

    options = Options(dry=dry, force=force, keep_going=keep_going,
                      allow_missing=allow_missing, jobs=max(1, int(jobs or 1)),
                      run_cache=not no_run_cache)
    pull_failed = False
    with closed_after(find_repo()) as repo, _stopped_like_ctrl_c():
        if pull:
            pull_failed = _pull_missing(repo, targets, downstream, single_item)
        results = run(repo, targets, options, downstream=downstream, single=single_item,
                      events=PrintedEvents())
    failed = show_failures(results) or pull_failed
    return exit_codes.EXIT_FAILED if failed else exit_codes.EXIT_OK


def _pull_missing(repo: Repo, targets: list[str], downstream: bool, single: bool) -> bool:
    """`repro --pull`'s transfer, shown as `mlgit pull` shows one; whether it failed."""
    from mlgit.cli.render.remote import show_transfer
    from mlgit.commands.fetch import run_fetch
    from mlgit.commands.repro import missing_inputs

    paths = missing_inputs(repo, targets, downstream=downstream, single=single)
    outcome = run_fetch(repo, paths, None, None, checkout=True, run_cache=True,
                        nothing_named_is_all=False)
    show_transfer(outcome, "pull", False)
    return exit_codes.for_transfer(outcome) != exit_codes.EXIT_OK


@contextlib.contextmanager
def _stopped_like_ctrl_c() -> Iterator[None]:
    """SIGTERM (a CI timeout, `kill`) and SIGHUP (the terminal closed) stop a repro as
    Ctrl-C does: the stages run in process groups of their own, so without this they would
    go on writing their outputs after mlgit has gone."""
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    stops = (signal.SIGTERM, signal.SIGHUP)
    before = {sig: signal.signal(sig, interrupt) for sig in stops
              if signal.getsignal(sig) is signal.SIG_DFL}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def dag(targets: list[str], form: str) -> int:
    from mlgit.cli.render.pipeline import show_dag
    from mlgit.commands.dag import dag as run

    with closed_after(find_repo()) as repo:
        nodes = run(repo, targets)
    show_dag(nodes, form)
    return exit_codes.EXIT_OK


def lineage(path: str, json: bool, rev: str | None = None) -> int:
    from mlgit.cli.render.lineage import show_lineage
    from mlgit.commands.lineage import lineage as run

    with closed_after(find_repo()) as repo:
        found = run(repo, path, rev)
    show_lineage(found, json)
    return exit_codes.EXIT_OK
