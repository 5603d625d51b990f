"""The handlers of `mlgit install`, `mlgit uninstall` and `mlgit hook NAME ARGS`, the entry
point the installed Git hook scripts exec (also the pre-commit framework's hooks, which pass
Git's arguments in PRE_COMMIT_* environment variables instead).

A hook must start as fast as `mlgit status`: the fast parser (parser.py) routes `hook` here,
and each hook imports only the command it runs."""

from __future__ import annotations

import os
import sys

from mlgit.cli import exit_codes, output
from mlgit.cli.handlers.repository import closed_after
from mlgit.errors import LockBusy, MlgitError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from mlgit.commands.hook_pre_push import PushedRef
    from mlgit.commands.install import Installed
    from mlgit.repo import Repo
    from mlgit.workspace.checkout_result import CheckoutResult

SKIP_VARIABLE = "MLGIT_SKIP_HOOKS"
_NULL = "0" * 40


def install(hooks: list[str], json: bool) -> int:
    from mlgit.commands.install import install as run

    _show_installed(run(hooks), json)
    return exit_codes.EXIT_OK


def uninstall(hooks: list[str], json: bool) -> int:
    from mlgit.commands.install import uninstall as run

    _show_installed(run(hooks), json)
    return exit_codes.EXIT_OK


def _show_installed(done: Installed, json: bool) -> None:
    if json:
        output.json_out({"hooks_dir": done.folder,
                         "hooks": [{"name": c.name, "outcome": c.outcome, "path": c.path}
                                   for c in done.changes],
                         "merge_driver": done.merge_driver})
        return
    for change in done.changes:
        described = _DESCRIBED[change.outcome].replace("NAME", change.name)
        output.out(f"{change.name}: {described} ({change.path})")
    if done.merge_driver is not None:
        what = " and ".join(done.merge_driver) or "nothing to change"
        output.out(f"merge driver for *.mlgit and mlgit.lock: {what}")
    if done.shared_by is not None:
        output.warning(f"core.hooksPath comes from {done.shared_by}: {done.folder} serves every"
                       " repository that uses it, so these hooks run there too (they do"
                       " nothing where there is no .mlgit/), and 'mlgit uninstall' in any"
                       " one of them removes them for all")


_DESCRIBED = {
    "installed": "installed",
    "upgraded": "upgraded to this mlgit's version",
    "unchanged": "already installed",
    "chained": "installed; the hook that was there runs first",
    "edited copy kept": "rewritten as this mlgit's script; the copy edited by hand is kept as"
                        " NAME.mlgit-edited",
    "removed": "removed",
    "restored": "removed; the hook that was there before is back",
    "not ours": "not mlgit's hook; left alone",
    "still run as legacy": "mlgit's hook is still run, as NAME.legacy, by the hook there"
                           " (the pre-commit framework's); delete NAME.legacy to stop it",
    "absent": "not installed",
}


def hook(args: list[str]) -> int:
    """`mlgit hook NAME ARGS...`: run the Git hook NAME. Exit 0 without a word when
    MLGIT_SKIP_HOOKS=1 or mlgit is not set up in this repository."""
    name, rest = args[0], args[1:]
    runner = _HOOKS.get(name)
    if runner is None:
        raise MlgitError(f"unknown hook {name!r}",
                         f"mlgit runs the hooks {', '.join(sorted(_HOOKS))}")
    if os.environ.get(SKIP_VARIABLE) == "1":
        return exit_codes.EXIT_OK
    from mlgit.git.process import SCRUBBED

    index = os.environ.get("GIT_INDEX_FILE")  # what `git commit -a` is about to commit
    for key in SCRUBBED:  # set by Git for the hook; nested git must find the repository itself
        os.environ.pop(key, None)
    repo = _repo_or_none()
    if repo is None:
        return exit_codes.EXIT_OK
    with closed_after(repo):
        try:
            return runner(repo, rest, os.path.abspath(index) if index else None)
        except LockBusy as exc:
            if name not in _FOLLOWING:  # pre-commit, pre-push: retrying the git command works
                raise
            raise LockBusy(exc.message, "Git's command is done but the data did not follow:"
                           " when that mlgit command has finished, run 'mlgit checkout'"
                           " (running the git command again changes nothing); raise"
                           " core.lock_timeout to wait longer next time") from None


def _repo_or_none() -> Repo | None:
    from mlgit.errors import NotAGitRepo, NotInitialized
    from mlgit.repo import Repo

    try:
        return Repo.find(warn=output.warning)
    except (NotAGitRepo, NotInitialized):
        return None


def _arguments(name: str, given: list[str], count: int, variables: tuple[str, ...],
               defaults: tuple[str, ...] = ()) -> list[str]:
    """The hook's arguments: Git's, or under the pre-commit framework (which passes none)
    its PRE_COMMIT_* variables."""
    if given:
        if len(given) < count:
            raise MlgitError(f"mlgit hook {name}: expected {count} arguments, got"
                             f" {len(given)}", f"Git runs it as '{name}' with {count}"
                             " arguments; reinstall the hooks with 'mlgit install'")
        return given[:count]
    values = [os.environ.get(v, "") for v in variables]
    return [v or (defaults[i] if i < len(defaults) else "") for i, v in enumerate(values)]


def _post_checkout(repo: Repo, args: list[str], _index: str | None) -> int:
    from mlgit.commands.hook_checkout import post_checkout

    old, new, flag = _arguments("post-checkout", args, 3, (
        "PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF", "PRE_COMMIT_CHECKOUT_TYPE"))
    if not new:
        return exit_codes.EXIT_OK
    return _show_followed(post_checkout(repo, old or _NULL, new, flag))


def _post_merge(repo: Repo, args: list[str], _index: str | None) -> int:
    from mlgit.commands.hook_checkout import post_merge

    (squash,) = _arguments("post-merge", args, 1, ("PRE_COMMIT_IS_SQUASH_MERGE",), ("0",))
    return _show_followed(post_merge(repo, squash == "1"))


def _post_rewrite(repo: Repo, args: list[str], _index: str | None) -> int:
    from mlgit.commands.hook_checkout import post_rewrite

    (kind,) = _arguments("post-rewrite", args, 1, ("PRE_COMMIT_REWRITE_COMMAND",))
    if args:
        sys.stdin.read()  # the rewritten commits: not needed, but Git writes them
    return _show_followed(post_rewrite(repo, kind))


def _show_followed(results: list[CheckoutResult]) -> int:
    """One line for what went well; the artifacts with something left undone in full, as
    `mlgit checkout` shows them. (Git shows a hook's output on its stderr.)"""
    from mlgit.cli.render.checkout import show_checkout

    troubled = [r for r in results if not r.ok or getattr(r, "kept", None)]
    done = [r for r in results if r not in troubled and (r.restored or r.removed)]
    if done:
        written = sum(len(r.restored) for r in done)
        removed = sum(len(r.removed) for r in done)
        output.err(f"mlgit: data updated for {_counted(len(done), 'artifact')}"
                   f" ({_counted(written, 'file')} written, {removed} removed)")
    if troubled:
        show_checkout(troubled, False)
    return exit_codes.for_checkout(results)


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _pre_commit(repo: Repo, args: list[str], index: str | None) -> int:
    from mlgit.commands.hook_pre_commit import pre_commit

    found = pre_commit(repo, index)
    for w in found.warnings:
        output.warning(f"{w.message}" + (f" ({w.hint})" if w.hint else ""))
    for r in found.refused:
        output.err(f"error: {r.message}")
    for hint in dict.fromkeys(r.hint for r in found.refused if r.hint):
        output.err(f"hint: {hint}")
    if found.refused:
        output.err("error: the commit is refused (MLGIT_SKIP_HOOKS=1 or 'git commit"
                   " --no-verify' commits anyway)")
        return exit_codes.EXIT_FAILED
    return exit_codes.EXIT_OK


def _pre_push(repo: Repo, args: list[str], _index: str | None) -> int:
    from mlgit.commands.hook_pre_push import parse_refs, pre_push, upload_failed

    remote, url = _arguments("pre-push", args, 2, (
        "PRE_COMMIT_REMOTE_NAME", "PRE_COMMIT_REMOTE_URL"))
    # under the pre-commit framework: its variables, not stdin
    refs = parse_refs(sys.stdin.read()) if args else _pre_commit_framework_ref()
    try:
        outcome = pre_push(repo, remote, refs, output.Progress, url, framework=not args)
    except MlgitError as exc:
        # "the push stopped" (mlgit push's words) would say it twice
        message = exc.message.removesuffix("; the push stopped")
        raise MlgitError(f"pre-push: {message}; the git push is stopped", exc.hint) from None
    result = outcome.result
    if result is None:
        return exit_codes.EXIT_OK
    if outcome.remote:
        output.err(f"mlgit: uploaded {result.transferred} objects to {outcome.remote};"
                   f" {result.already} already there; {len(result.failed)} failed")
    for f in result.failed[:20]:
        output.err(f"error: {f.path}: {f.reason}")
    if result.failed or result.stopped:
        raise upload_failed(outcome)
    return exit_codes.EXIT_OK


def _pre_commit_framework_ref() -> list[PushedRef]:
    """The ref the pre-commit framework describes in its variables (the first of the push
    only). With PRE_COMMIT_TO_REF unset (a push that includes the root commit) the local
    branch is pushed whole: every commit the Git remote's branches do not have."""
    from mlgit.commands.hook_pre_push import PushedRef

    local_branch = os.environ.get("PRE_COMMIT_LOCAL_BRANCH", "")
    local = os.environ.get("PRE_COMMIT_TO_REF", "") or local_branch
    if not local:
        return []
    return [PushedRef(local_branch or local, local,
                      os.environ.get("PRE_COMMIT_REMOTE_BRANCH", ""),
                      os.environ.get("PRE_COMMIT_FROM_REF", "") or _NULL)]


_FOLLOWING = ("post-checkout", "post-merge", "post-rewrite")
"""The hooks that make the data follow a move Git has already made."""

_HOOKS: dict[str, Callable[[Repo, list[str], str | None], int]] = {
    "post-checkout": _post_checkout,
    "post-merge": _post_merge,
    "post-rewrite": _post_rewrite,
    "pre-commit": _pre_commit,
    "pre-push": _pre_push,
}
