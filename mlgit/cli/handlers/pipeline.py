"""The handlers of the pipeline verbs: open the repository, run the command, print what it
reports as it goes, return the exit code."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

from mlgit.cli import exit_codes
from mlgit.cli.handlers.repository import closed_after, find_repo


def repro(targets: list[str], dry: bool = False, force: bool = False,
          downstream: bool = False, single_item: bool = False, keep_going: bool = False,
          allow_missing: bool = False, jobs: int | str | None = None,
          no_run_cache: bool = False) -> int:
    from mlgit.cli.render.pipeline import PrintedEvents, show_failures
    from mlgit.commands.repro import repro as run
    from mlgit.pipeline.scheduler import Options

    options = Options(dry=dry, force=force, keep_going=keep_going,
                      allow_missing=allow_missing, jobs=max(1, int(jobs or 1)),
                      run_cache=not no_run_cache)
    with closed_after(find_repo()) as repo, _stopped_like_ctrl_c():
        results = run(repo, targets, options, downstream=downstream, single=single_item,
                      events=PrintedEvents())
    return exit_codes.EXIT_FAILED if show_failures(results) else exit_codes.EXIT_OK


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


def lineage(path: str, json: bool) -> int:
    from mlgit.cli.render.lineage import show_lineage
    from mlgit.commands.lineage import lineage as run

    with closed_after(find_repo()) as repo:
        found = run(repo, path)
    show_lineage(found, json)
    return exit_codes.EXIT_OK
