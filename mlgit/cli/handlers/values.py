"""The handlers of params show/diff and metrics show/diff: find the repository's root, run
the command, render its result, return the exit code."""

from __future__ import annotations

from mlgit.cli import exit_codes


def _root() -> str:
    from mlgit.git.repository import find_root

    return find_root()


def params_show(json: bool, md: bool) -> int:
    from mlgit.cli.render.values import show_values
    from mlgit.commands.params import show

    files = show(_root())
    show_values("params", files, json, md)
    return exit_codes.for_values(files)


def params_diff(revs: list[str], show_all: bool, json: bool, md: bool) -> int:
    from mlgit.cli.render.values import show_values_diff
    from mlgit.commands.params import diff

    result = diff(_root(), show_all, revs)
    show_values_diff("params", result, json, md)
    return exit_codes.for_values_diff(result)


def metrics_show(targets: list[str], json: bool, md: bool) -> int:
    from mlgit.cli.render.values import show_values
    from mlgit.commands.metrics import show

    files = show(_root(), targets)
    show_values("metrics", files, json, md)
    return exit_codes.for_values(files)


def metrics_diff(targets: list[str], show_all: bool, json: bool, md: bool) -> int:
    from mlgit.cli.render.values import show_values_diff
    from mlgit.commands.metrics import diff

    result = diff(_root(), targets, show_all)
    show_values_diff("metrics", result, json, md)
    return exit_codes.for_values_diff(result)
