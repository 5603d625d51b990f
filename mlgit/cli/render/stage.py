"""Rendering `mlgit stage add` and `mlgit stage list` (text or --json)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlgit.cli import output
from mlgit.cli.render.text import as_dict, git_add_line
from mlgit.paths import printable

if TYPE_CHECKING:
    from mlgit.commands.stage import AddedStage, ListedStage


def show_stage_add(added: AddedStage, json: bool, root: str) -> None:
    if json:
        output.json_out({"file": added.file, "name": added.name, "replaced": added.replaced,
                         "address": added.stage.address, "cmd": list(added.stage.cmd),
                         "deps": list(added.stage.deps),
                         "outs": [o.path for o in added.stage.outs]})
        return
    verb = "Replaced" if added.replaced else "Added"
    output.out(printable(f"{verb} stage '{added.stage.address}' in {added.file}"))
    output.out("\nTo track the change with Git, run:\n\n    "
               + git_add_line([added.file, *added.gitignores], root) + "\n")


def show_stage_list(rows: list[ListedStage], json: bool) -> None:
    if json:
        output.json_out([as_dict(r) for r in rows])
        return
    if not rows:
        output.out("No stages. Add one with 'mlgit stage add NAME --cmd COMMAND'.")
        return
    width = min(max(len(r.address) for r in rows), 40)
    for r in rows:
        about = r.desc or " && ".join(r.cmd)
        outs = f"  -> {', '.join(r.outs)}" if r.outs else ""
        output.out(printable(f"{r.address:<{width}}  {about}{outs}"))
