"""The handlers of the revision-history verbs (diff, get, merge-driver): open the repository,
run the command, render its result, return the exit code."""

from __future__ import annotations

from mlgit.cli import exit_codes
from mlgit.cli.handlers.repository import closed_after, find_repo


def diff(revs: list[str], json: bool, md: bool) -> int:
    from mlgit.cli.render.history import show_diff
    from mlgit.commands.diff import diff as run

    with closed_after(find_repo()) as repo:
        result = run(repo, revs)
    show_diff(result, json, md)
    return exit_codes.EXIT_FAILED if result.errors else exit_codes.EXIT_OK


def get(rev: str, path: str, out: str | None, remote: str | None, force: bool, json: bool
        ) -> int:
    from mlgit.cli.render.history import show_get
    from mlgit.commands.get import get as run

    with closed_after(find_repo()) as repo:
        result = run(repo, rev, path, out, remote, force)
    show_get(result, json)
    return exit_codes.EXIT_OK


def merge_driver(files: list[str], install: bool, uninstall: bool, json: bool) -> int:
    """Git's merge driver (four files: base, ours, theirs, path), or its registration."""
    from mlgit.cli import output
    from mlgit.commands import merge_driver as cmd
    from mlgit.errors import MlgitError
    from mlgit.git.repository import find_root

    if install or uninstall:
        if files or (install and uninstall):
            raise MlgitError("--install and --uninstall take no files, and not both",
                             "run 'mlgit merge-driver --install' in the repository")
        result = (cmd.install if install else cmd.uninstall)(find_root())
        if json:
            output.json_out({"installed": result.installed, "changed": result.changed})
        else:
            verb = "registered" if result.installed else "unregistered"
            done = ", ".join(result.changed) if result.changed else "nothing to change"
            output.out(f"merge driver for *.mlgit and mlgit.lock {verb} ({done})")
        return exit_codes.EXIT_OK
    if len(files) != 4:
        raise MlgitError("merge-driver takes four files: BASE OURS THEIRS PATH (Git's %O %A"
                         " %B %P)", "register it with 'mlgit merge-driver --install'; Git"
                         " then runs it")
    merged = cmd.merge(*files)
    if not merged.conflicts:
        return exit_codes.EXIT_OK
    what = ("stage(s) " + ", ".join(merged.conflicts) if merged.conflicts != [merged.path]
            else "the lock file" if merged.path.rpartition("/")[2] == "mlgit.lock"
            else "the pointer")
    output.err(f"mlgit: merge conflict in {merged.path}: {what} changed differently on both"
               " sides; both versions are left between conflict markers ('mlgit status'"
               " says how to resolve it)")
    return exit_codes.EXIT_FAILED
