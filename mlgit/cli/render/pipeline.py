"""What `mlgit repro` prints as it goes: why each stage runs, the lines of stages running in
parallel (prefixed with their name), what became of each stage, and the failures."""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

from mlgit.cli import output
from mlgit.commands.dag import DagNode
from mlgit.pipeline.model import Stage
from mlgit.pipeline.scheduler import (
    FAILED,
    FROZEN,
    NOT_RUN,
    RAN,
    RESTORED,
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
    terminal straight from its process.

    Once a reader of the output goes away (`mlgit repro | head`), what would go to it is
    dropped: the stages still run to the end and are recorded."""

    def waiting(self, stage: Stage, holder: str) -> None:
        who = f" (pid {holder})" if holder else ""
        _say(f"waiting for {stage.address}: another mlgit repro is running it{who}")

    def starting(self, stage: Stage, reasons: list[Change]) -> None:
        _say(f"running {stage.address}: {reasons_text(reasons)}")

    def line(self, stage: Stage, text: bytes, err: bool) -> None:
        stream = sys.stderr if err else sys.stdout
        try:
            stream.flush()
            stream.buffer.write(f"[{stage.address}] ".encode() + text + b"\n")
            stream.buffer.flush()
        except BrokenPipeError:
            _drop_output_of(stream)

    def finished(self, result: StageResult) -> None:
        try:
            self._finished(result)
            sys.stdout.flush()
        except BrokenPipeError:
            _drop_output_of(sys.stdout)

    def _finished(self, result: StageResult) -> None:
        name = result.stage.address
        if result.state == WOULD_RUN:
            output.out(f"would run {name}: {reasons_text(result.reasons)}")
        elif result.state in (UP_TO_DATE, FROZEN):
            output.out(f"{name}: {result.state}")
        elif result.state == RAN:
            output.out(f"{name}: done")
        elif result.state == RESTORED:
            output.out(f"restored {name} from the run-cache (an earlier run used the same"
                       f" cmd, deps and params): {reasons_text(result.reasons)}")
        elif result.state == NOT_RUN:
            output.out(f"{name}: not run ({result.error})")


def _say(text: str) -> None:
    """A line printed at once: what a stage prints next goes to the terminal directly."""
    try:
        output.out(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _drop_output_of(sys.stdout)


def _drop_output_of(stream: TextIO) -> None:
    """Send what is still to be written to `stream` (by mlgit, and by the stages that start
    from now on) to /dev/null: nobody reads it any more."""
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, stream.fileno())
    finally:
        os.close(null)


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


def stale_stages_json(stages: list[Check]) -> list[dict[str, Any]]:
    """`mlgit status --json`: a row per stale stage, after the artifacts' rows."""
    return [{"stage": found.stage.address, "file": found.stage.file, "state": "stale",
             "reasons": [{"kind": c.kind, "subject": c.subject, "old": c.old, "new": c.new,
                          "text": str(c)} for c in found.reasons]}
            for found in stages]


def show_dag(nodes: list[DagNode], form: str) -> None:
    """`form`: "text", "mermaid", "dot" or "json"."""
    if form == "json":
        output.json_out([{"name": n.stage.address, "file": n.stage.file,
                          "cmd": list(n.stage.cmd), "deps": list(n.stage.deps),
                          "outs": [o.path for o in n.stage.outs], "upstream": n.upstream}
                         for n in nodes])
        return
    lines = {"text": _dag_text, "mermaid": _dag_mermaid, "dot": _dag_dot}[form](nodes)
    for line in lines:
        output.out(line)


def _dag_text(nodes: list[DagNode]) -> list[str]:
    """Each stage after those it reads from, with them after an arrow."""
    return [f"{n.stage.address} <- {', '.join(n.upstream)}" if n.upstream
            else n.stage.address for n in nodes]


def _dag_mermaid(nodes: list[DagNode]) -> list[str]:
    ids = {n.stage.address: f"n{i}" for i, n in enumerate(nodes)}
    lines = ["flowchart TD"]
    lines += [f'    {ids[n.stage.address]}["{_mermaid_label(n.stage.address)}"]'
              for n in nodes]
    lines += [f"    {ids[up]} --> {ids[n.stage.address]}" for n in nodes for up in n.upstream]
    return lines


def _mermaid_label(name: str) -> str:
    return name.replace("&", "#amp;").replace('"', "#quot;")


def _dag_dot(nodes: list[DagNode]) -> list[str]:
    lines = ["strict digraph {"]
    lines += [f"    {_dot_id(n.stage.address)};" for n in nodes]
    lines += [f"    {_dot_id(up)} -> {_dot_id(n.stage.address)};"
              for n in nodes for up in n.upstream]
    return [*lines, "}"]


def _dot_id(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
