"""The handlers of `mlgit stage add` and `mlgit stage list`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlgit.cli import exit_codes
from mlgit.cli.handlers.repository import closed_after, find_repo

if TYPE_CHECKING:
    from mlgit.commands.stage import StageSpec


def stage_add(spec: StageSpec, force: bool, json: bool) -> int:
    from mlgit.cli.render.stage import show_stage_add
    from mlgit.commands.stage import stage_add as run

    with closed_after(find_repo()) as repo:
        added = run(repo, spec, force)
    show_stage_add(added, json, repo.root)
    return exit_codes.EXIT_OK


def stage_list(json: bool) -> int:
    from mlgit.cli.render.stage import show_stage_list
    from mlgit.commands.stage import stage_list as run

    with closed_after(find_repo()) as repo:
        rows = run(repo)
    show_stage_list(rows, json)
    return exit_codes.EXIT_OK
