"""Reproducing a pipeline: the selected stages in dependency order, each checked for
staleness once the stages it reads from are done, the stale ones run (up to `jobs` at once,
make-style) and recorded one by one (docs/pipelines.md, "Running stages")."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from typing import Any

from mlgit.errors import MlgitError
from mlgit.pipeline.dag import Graph
from mlgit.pipeline.lockfile import LockFiles
from mlgit.pipeline.model import Stage
from mlgit.pipeline.record import clear_outputs, declared_names, record, write_entry
from mlgit.pipeline.stale import Change, Check, WorkTree, check
from mlgit.repo import Repo

# Running a stage needs the run-cache, the process runner and the stage locks; a no-op
# repro needs none of them, so they are imported when a stage is stale (their imports,
# hashlib's and subprocess's among them, cost ~10 ms of a no-op's ~60).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from mlgit.pipeline.execute import Finished, StageRun
    from mlgit.pipeline.stage_lock import StageLock

RAN, UP_TO_DATE, FAILED, NOT_RUN, WOULD_RUN, FROZEN, RESTORED = (
    "ran", "up to date", "failed", "not run", "would run", "frozen", "restored")


class Options:
    __slots__ = ("allow_missing", "dry", "force", "jobs", "keep_going", "run_cache")

    def __init__(self, dry: bool = False, force: bool = False, keep_going: bool = False,
                 allow_missing: bool = False, jobs: int = 1, run_cache: bool = True) -> None:
        self.dry, self.force, self.keep_going = dry, force, keep_going
        self.allow_missing, self.jobs, self.run_cache = allow_missing, jobs, run_cache

    def __repr__(self) -> str:
        return (f"Options(dry={self.dry}, force={self.force}, keep_going={self.keep_going},"
                f" allow_missing={self.allow_missing}, jobs={self.jobs},"
                f" run_cache={self.run_cache})")


class StageResult:
    """What became of a stage: `state` one of the constants above; `reasons` why it ran (or
    would); `error` (with `hint`) why it failed or did not run."""

    __slots__ = ("error", "hint", "reasons", "stage", "state")

    def __init__(self, stage: Stage, state: str, reasons: list[Change] | None = None,
                 error: str = "", hint: str = "") -> None:
        self.stage, self.state = stage, state
        self.reasons: list[Change] = [] if reasons is None else reasons
        self.error, self.hint = error, hint

    def _key(self) -> tuple[Any, ...]:
        return (self.stage, self.state, self.reasons, self.error, self.hint)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StageResult) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return ("StageResult(stage={!r}, state={!r}, reasons={!r}, error={!r}, hint={!r})"
                .format(*self._key()))


class Events:
    """What a repro tells its caller as it goes; the defaults say nothing."""

    def waiting(self, stage: Stage, holder: str) -> None:
        """Another process runs `stage`; this one waits for it."""

    def starting(self, stage: Stage, reasons: list[Change]) -> None:
        """`stage` is about to run, because of `reasons`."""

    def line(self, stage: Stage, text: bytes, err: bool) -> None:
        """A whole line a stage printed (only when several may run at once)."""

    def finished(self, result: StageResult) -> None:
        """`stage` is done with (ran, up to date, failed or not run)."""


class Scheduler:
    def __init__(self, repo: Repo, graph: Graph, selected: list[Stage], options: Options,
                 events: Events) -> None:
        self.repo = repo
        self.graph = graph
        self.options = options
        self.events = events
        self.pending = list(selected)
        self.chosen = {s.address for s in selected}
        self.results: dict[str, StageResult] = {}
        self.running: dict[str, tuple[StageRun, Check, StageLock]] = {}
        self.waited: set[str] = set()
        self.locks = LockFiles(repo.root)
        self.tree = WorkTree(repo)
        self.declared = {f: declared_names(graph.order, f) for f in
                         {s.lock_file for s in graph.order}}
        self.done: queue.Queue[Finished] = queue.Queue()
        self.print_lock = threading.Lock()
        self.halted = False

    def run(self) -> list[StageResult]:
        for lock_file in dict.fromkeys(s.lock_file for s in self.pending):
            self.locks.entries(lock_file)  # a broken lock file stops the run before any stage
        try:
            while self.pending or self.running:
                self._launch_ready()
                if not self.running and not self.pending:
                    break
                try:
                    finished = self.done.get(timeout=0.1 if self.waited else 0.5)
                except queue.Empty:
                    continue
                self._finish(finished)
        except BaseException:
            if self.running:
                from mlgit.pipeline.execute import stop_all

                stop_all([run for run, _, _ in self.running.values()])
            for _, _, lock in self.running.values():
                lock.release()
            raise
        return [self.results[s.address] for s in self.graph.order if s.address in self.results]

    def _launch_ready(self) -> None:
        for stage in list(self.pending):
            if len(self.running) >= self.options.jobs:
                return
            ups = [u for u in self.graph.upstream[stage.address] if u in self.chosen]
            if any(u not in self.results for u in ups):
                continue
            blocked = [u for u in ups if self.results[u].state in (FAILED, NOT_RUN)]
            if blocked or self.halted:
                why = f"{blocked[0]} did not finish" if blocked else "an earlier stage failed"
                self._done_with(StageResult(stage, NOT_RUN, error=why))
                continue
            self._consider(stage, ups)

    def _consider(self, stage: Stage, ups: list[str]) -> None:
        """Run the stage if stale. It is checked first without its lock (a no-op repro takes
        none), then again under the lock, which another repro running it holds."""
        try:
            found, reasons = self._check(stage, ups)
            if not reasons or self.options.dry:
                self._up_to_date(stage, reasons)
                return
        except MlgitError as exc:
            self._failed(StageResult(stage, FAILED, error=_naming(stage, exc.message),
                                     hint=exc.hint))
            return
        from mlgit.pipeline.stage_lock import StageLock

        lock = StageLock(self.repo.tmp_dir, stage.address)
        if not lock.try_acquire():
            if self._inside_own_command(stage):
                self._failed(StageResult(
                    stage, FAILED, reasons, f"{stage.address}: this mlgit repro runs inside"
                    f" the command of {stage.address} itself, which it would wait for forever",
                    f"leave {stage.address} out of the targets of the 'mlgit repro' in its cmd"
                    " (or name them with -s)"))
                return
            if stage.address not in self.waited:
                self.waited.add(stage.address)
                self._say(self.events.waiting, stage, lock.holder())
            return
        try:
            if stage.address in self.waited:  # the other repro may have run it
                self.waited.discard(stage.address)
                found, reasons = self._check(stage, ups)
                if not reasons:
                    lock.release()
                    self._up_to_date(stage, reasons)
                    return
            self._start(stage, found, reasons, lock)
        except MlgitError as exc:
            lock.release()
            self._failed(StageResult(stage, FAILED, error=_naming(stage, exc.message),
                                     hint=exc.hint))
        except BaseException:
            if stage.address not in self.running:
                lock.release()
            raise

    def _inside_own_command(self, stage: Stage) -> bool:
        """Whether this process runs (below) the command of `stage`: a repro in a stage's
        cmd that needs that stage again."""
        return os.environ.get("MLGIT_STAGE") == stage.address and \
            os.environ.get("MLGIT_ROOT") == self.repo.root

    def _check(self, stage: Stage, ups: list[str]) -> tuple[Check, list[Change]]:
        entry = self.locks.entries(stage.lock_file).get(stage.name)
        found = check(self.tree, stage, entry, allow_missing=self.options.allow_missing)
        return found, self._reasons(stage, found, ups)

    def _up_to_date(self, stage: Stage, reasons: list[Change]) -> None:
        state = WOULD_RUN if reasons else FROZEN if stage.frozen else UP_TO_DATE
        self._done_with(StageResult(stage, state, reasons))

    def _start(self, stage: Stage, found: Check, reasons: list[Change],
               lock: StageLock) -> None:
        found.reasons = reasons
        if self._restored(found):
            lock.release()
            return
        self._say(self.events.starting, stage, reasons)
        clear_outputs(self.repo, found)
        from mlgit.pipeline.execute import StageRun

        run = StageRun(stage, self.repo.root, self.done.put,
                       self._line if self.options.jobs > 1 else None)
        self.running[stage.address] = (run, found, lock)
        self.pending.remove(stage)
        run.start()

    def _restored(self, found: Check) -> bool:
        """Put back the outputs of an earlier run with the same inputs, if the run-cache
        has one; whether it did."""
        stage = found.stage
        from mlgit.pipeline import runcache

        if not self.options.run_cache or self.options.force or not runcache.usable(stage):
            return False
        outs = runcache.lookup(self.repo, runcache.run_key(found), stage)
        if outs is None:
            return False
        clear_outputs(self.repo, found)
        with self.repo.lock():
            if not runcache.restore(self.repo, outs):
                return False  # run it instead
            write_entry(self.locks, found, outs, self.declared[stage.lock_file])
        self._done_with(StageResult(stage, RESTORED, found.reasons))
        return True

    def _reasons(self, stage: Stage, found: Check, ups: list[str]) -> list[Change]:
        if stage.frozen:
            return []
        reasons = list(found.reasons)
        if self.options.dry:
            reasons += [Change("upstream stage would run", u) for u in ups
                        if self.results[u].state == WOULD_RUN]
        if self.options.force and not reasons:
            reasons.append(Change("forced"))
        return reasons

    def _line(self, stage: Stage, text: bytes, err: bool) -> None:
        self._say(self.events.line, stage, text, err)

    def _say(self, event: Callable[..., None], *args: Any) -> None:
        """Report an event, never while another thread reports a stage's line."""
        with self.print_lock:
            event(*args)

    def _finish(self, finished: Finished) -> None:
        _, found, lock = self.running.pop(finished.stage.address)
        stage = finished.stage
        try:
            if finished.code != 0:
                self._failed(StageResult(stage, FAILED, found.reasons,
                                         _exit_message(finished), _FIX))
                return
            try:
                entry = record(self.tree, self.locks, found, self.declared[stage.lock_file])
            except MlgitError as exc:
                self._failed(StageResult(stage, FAILED, found.reasons,
                                         _naming(stage, exc.message), exc.hint))
                return
            from mlgit.pipeline import runcache

            if runcache.usable(stage):
                runcache.save(self.repo, runcache.run_key(found), entry.outs)
            self._done_with(StageResult(stage, RAN, found.reasons))
        finally:
            lock.release()

    def _failed(self, result: StageResult) -> None:
        if not self.options.keep_going:
            self.halted = True
        self._done_with(result)

    def _done_with(self, result: StageResult) -> None:
        self.results[result.stage.address] = result
        if result.stage in self.pending:
            self.pending.remove(result.stage)
        self._say(self.events.finished, result)


def _naming(stage: Stage, message: str) -> str:
    """`message` about a stage, starting with the stage's name unless it names it already
    (`train: ...`, `mlgit.yaml: stages.train...`) or is about a whole file (`mlgit.lock:`)."""
    if message.startswith((f"{stage.address}: ", f"{stage.file}: stages.{stage.name}",
                           f"{stage.lock_file}: ", "merge conflict in ")):
        return message
    return f"{stage.address}: {message}"


_FIX = "fix it and run 'mlgit repro' again (the stages that finished are recorded)"


def _exit_message(finished: Finished) -> str:
    name = finished.stage.address
    if finished.problem:
        return f"{name} failed: {finished.problem}"
    if finished.code < 0:
        return f"{name} failed: {finished.cmd!r} was killed by signal {-finished.code}"
    return f"{name} failed: {finished.cmd!r} exited with code {finished.code}"
