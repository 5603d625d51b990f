"""docs/commands.md is exactly what docs/gen_commands.py makes from the CLI now, with a section
for every command the CLI lists."""

from __future__ import annotations

import difflib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Annotated

import click
import pytest
import typer
import typer.main

import mlgit.cli.app
from tests.docs.markdown import DOCS, ROOT, anchors, read_doc

REGENERATE = "python docs/gen_commands.py > docs/commands.md"


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mlgit_docs_gen_commands",
                                                  DOCS / "gen_commands.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cli() -> tuple[click.Group, click.Context]:
    group = typer.main.get_command(mlgit.cli.app.app)
    assert isinstance(group, click.Group)
    return group, click.Context(group, info_name="mlgit", **group.context_settings)


def _commands_listed_by_help(*group: str) -> list[str]:
    """The command names `mlgit [GROUP] --help` prints under "Commands:"."""
    proc = subprocess.run([sys.executable, "-m", "mlgit", *group, "--help"],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    lines = proc.stdout.split("Commands:", 1)[1].splitlines()
    return [line.split()[0] for line in lines if line.startswith("  ") and line.strip()]


def _all_commands_listed_by_help() -> list[str]:
    """Every command `--help` lists, sub-commands of a group as "GROUP NAME"."""
    group, ctx = _cli()
    names = []
    for name in _commands_listed_by_help():
        names.append(name)
        if isinstance(group.get_command(ctx, name), click.Group):
            names += [f"{name} {sub}" for sub in _commands_listed_by_help(name)]
    return names


def test_commands_md_is_generated_from_the_current_cli(gen: ModuleType) -> None:
    on_disk = read_doc("commands.md")
    fresh = gen.render()
    if on_disk != fresh:
        diff = "".join(list(difflib.unified_diff(
            on_disk.splitlines(keepends=True), fresh.splitlines(keepends=True),
            "docs/commands.md", "from the CLI"))[:60])
        pytest.fail(f"docs/commands.md is out of date with the CLI; run: {REGENERATE}\n{diff}")


def test_every_command_the_cli_lists_has_a_section() -> None:
    listed = _all_commands_listed_by_help()
    assert "add" in listed and "status" in listed  # the --help parsing works
    sections = re.findall(r"^## mlgit (.+)$", read_doc("commands.md"), re.MULTILINE)
    missing = [name for name in listed if name not in sections]
    assert not missing, f"commands with no '## mlgit NAME' section in docs/commands.md: " \
                        f"{missing}; run: {REGENERATE}"
    stale = [name for name in sections if name not in listed]
    assert not stale, f"docs/commands.md documents commands the CLI no longer has: {stale}"


def test_every_command_has_details_in_the_generator(gen: ModuleType) -> None:
    group, _ = _cli()
    leaves, everything = set(gen.leaf_names(group)), set(gen.command_names(group))
    assert {"add", "status"} <= leaves
    assert not leaves - set(gen.NOTES), "gen_commands.NOTES has no entry for these commands"
    assert not set(gen.NOTES) - everything, "gen_commands.NOTES describes commands the CLI " \
                                            "does not have"


def _toy_app() -> typer.Typer:
    """A CLI with a sub-group inside a sub-group, to test the generator on."""
    app = typer.Typer(help="A toy.", add_completion=False, rich_markup_mode=None,
                      context_settings={"help_option_names": ["-h", "--help"]})
    shelf = typer.Typer(help="Manage shelves.", no_args_is_help=True)
    box = typer.Typer(help="Boxes on a shelf.")
    app.add_typer(shelf, name="shelf")
    shelf.add_typer(box, name="box")

    @app.command()
    def hello(who: Annotated[str, typer.Argument(help="Whom to greet.")]) -> None:
        """Say hello."""

    @shelf.command("add")
    def shelf_add(
        name: Annotated[str, typer.Argument(help="Shelf name.")],
        url: Annotated[str, typer.Argument(help="Where it is.")],
        default: Annotated[bool, typer.Option("--default", help="Use it by default.")] = False,
    ) -> None:
        """Add a shelf.

        Second paragraph.
        """

    @shelf.command("list")
    def shelf_list(jobs: Annotated[int, typer.Option("--jobs", "-j", help="Threads.")] = 4,
                   ) -> None:
        """List shelves."""

    @box.command("open")
    def box_open() -> None:
        """Open a box."""

    return app


def test_sub_groups_get_a_section_per_command(gen: ModuleType) -> None:
    group = gen.cli_group(_toy_app())
    assert gen.command_names(group) == ["hello", "shelf", "shelf add", "shelf list",
                                        "shelf box", "shelf box open"]
    assert gen.leaf_names(group) == ["hello", "shelf add", "shelf list", "shelf box open"]
    notes = {"shelf add": ["Adds it for real."], "shelf": ["Shelves are kept in a file."]}
    text = gen.render(_toy_app(), notes)
    sections = re.findall(r"^## mlgit (.+)$", text, re.MULTILINE)
    assert sections == gen.command_names(group)
    add = text.split("## mlgit shelf add\n", 1)[1].split("\n## ", 1)[0]
    assert "```text\nmlgit shelf add [OPTIONS] NAME URL\n```" in add
    assert "Add a shelf.\n\nSecond paragraph." in add
    assert "- `NAME` (required): Shelf name." in add
    assert "- `--default`: Use it by default." in add
    assert "**Details**\n\n- Adds it for real." in add
    listing = text.split("## mlgit shelf list\n", 1)[1].split("\n## ", 1)[0]
    assert "- `-j INTEGER`, `--jobs INTEGER` (default: `4`): Threads." in listing
    shelf = text.split("## mlgit shelf\n", 1)[1].split("\n## ", 1)[0]
    assert "mlgit shelf [OPTIONS] COMMAND [ARGS]..." in shelf
    assert "- [`mlgit shelf add`](#mlgit-shelf-add): Add a shelf." in shelf
    assert "- [`mlgit shelf box`](#mlgit-shelf-box): Boxes on a shelf." in shelf
    assert "shelf box open" not in shelf  # a group lists only its own commands
    assert "- Shelves are kept in a file." in shelf
    assert "| [`mlgit shelf box open`](#mlgit-shelf-box-open) | Open a box. |" in text
    index = re.findall(r"^\| \[`mlgit ([^`]+)`\]\(#([^)]+)\)", text, re.MULTILINE)
    assert [name for name, _ in index] == sections
    assert {anchor for _, anchor in index} <= anchors(text)


def test_check_mode_reports_a_stale_file(gen: ModuleType, tmp_path: Path) -> None:
    stale = tmp_path / "commands.md"
    stale.write_text(gen.render().replace("## mlgit add", "## mlgit plus"), encoding="utf-8")
    assert gen.check(stale) == 1
    stale.write_text(gen.render(), encoding="utf-8")
    assert gen.check(stale) == 0


def test_argument_help_reaches_the_reference() -> None:
    """Argument help is declared in cli.py; the reference must carry it."""
    text = read_doc("commands.md")
    assert "`PATHS...` (required, one or more): Files, folders or glob patterns." in text
    assert "`KEY` (required): Setting name" in text
