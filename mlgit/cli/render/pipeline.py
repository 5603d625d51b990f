"""What `mlgit repro` prints as it goes: why each stage runs, the lines of stages running in
parallel (prefixed with their name), what became of each stage, and the failures."""

from __future__ import annotations

import sys

from mlgit.cli import output
from mlgit.pipeline.model import Stage
from mlgit.pipeline.scheduler import (
    FAILED,
    FROZEN,
    NOT_RUN,
    RAN,
    UP_TO_DATE,
    WOULD_RUN,
    Events,
    StageResult,
)
from mlgit.pipeline.stale import Change, Check


def reasons_text(reasons: list[Change]) -> str:
    return "; ".join(str(r) for r in reasons)


class PrintedEvents(Events):
    """Each event as a line on stdout, flushed at once: a stage's own output goes to the same
    terminal straight from its process."""

    def waiting(self, stage: Stage, holder: str) -> None:
        who = f" (pid {holder})" if holder else ""
        _say(f"waiting for {stage.address}: another mlgit repro is running it{who}")

    def starting(self, stage: Stage, reasons: list[Change]) -> None:
        _say(f"running {stage.address}: {reasons_text(reasons)}")

    def line(self, stage: Stage, text: bytes, err: bool) -> None:
        stream = sys.stderr if err else sys.stdout
        stream.flush()
        stream.buffer.write(f"[{stage.address}] ".encode() + text + b"\n")
        stream.buffer.flush()

    def finished(self, result: StageResult) -> None:
        name = result.stage.address
        if result.state == WOULD_RUN:
            output.out(f"would run {name}: {reasons_text(result.reasons)}")
        elif result.state in (UP_TO_DATE, FROZEN):
            output.out(f"{name}: {result.state}")
        elif result.state == RAN:
            output.out(f"{name}: done")
        elif result.state == NOT_RUN:
            output.out(f"{name}: not run ({result.error})")


def _say(text: str) -> None:
    """A line printed at once: what a stage prints next goes to the terminal directly."""
    output.out(text)
    sys.stdout.flush()


def show_failures(results: list[StageResult]) -> bool:
    """The `error:` line of each stage that failed and one hint; whether any did."""
    failed = [r for r in results if r.state == FAILED]
    for r in failed:
        output.err(f"error: {r.error}")
    if failed:
        output.err(f"hint: {failed[-1].hint}")
    return bool(failed)


def show_stale_stages(stages: list[Check]) -> None:
    """`mlgit status`: each stale stage and why."""
    output.out("stale stages (run 'mlgit repro'):")
    for found in stages:
        output.out(f"  {found.stage.address}: {reasons_text(found.reasons)}")
