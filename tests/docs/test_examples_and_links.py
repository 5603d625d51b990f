"""The examples in every document use real commands and options, and the links between documents
resolve."""

from __future__ import annotations

import contextlib
import re
import shlex

import click
import pytest
import typer
import typer.main

import mlgit.cli.app
from tests.docs.markdown import DOCS, anchors, code_blocks, prose, read_doc


def _cli() -> tuple[click.Group, click.Context]:
    group = typer.main.get_command(mlgit.cli.app.app)
    assert isinstance(group, click.Group)
    return group, click.Context(group, info_name="mlgit", **group.context_settings)


def _mlgit_invocations(script: str) -> list[list[str]]:
    calls = []
    for line in script.splitlines():
        if not line.startswith("$ "):
            continue
        for part in re.split(r"&&|\|\||;|\|", line[2:]):
            words = shlex.split(part, comments=True)
            if words and words[0] == "mlgit":
                calls.append(words[1:])
    return calls


def _parse_invocation(group: click.Group, ctx: click.Context, args: list[str]) -> None:
    """Parse `mlgit ARGS` as the CLI would, without running it: sub-commands, options,
    option values and the number of arguments. Raises click.UsageError when it is wrong."""
    cmd: click.Command = group
    name, words = "mlgit", list(args)
    while isinstance(cmd, click.Group):
        if not words or words[0].startswith("-"):
            return  # `mlgit remote` or `mlgit remote --help`: prints help
        found, sub, words = cmd.resolve_command(ctx, words)
        assert found is not None and sub is not None
        name, cmd = found, sub
        ctx = click.Context(cmd, info_name=name, parent=ctx, **cmd.context_settings)
    assert ctx.parent is not None
    with contextlib.suppress(click.exceptions.Exit):  # --help
        cmd.make_context(name, words, parent=ctx.parent)


def test_examples_use_real_commands_and_options() -> None:
    group, ctx = _cli()
    checked = 0
    for doc in sorted(DOCS.glob("*.md")):
        for block in code_blocks(doc.read_text(encoding="utf-8"), "console", "sh", "shell"):
            for args in _mlgit_invocations(block):
                if not args or args[0].startswith("-"):
                    continue
                try:
                    _parse_invocation(group, ctx, args)
                except click.UsageError as exc:
                    pytest.fail(f"{doc.name}: 'mlgit {shlex.join(args)}': {exc.format_message()}")
                checked += 1
    assert checked > 20


def test_example_check_catches_mistakes() -> None:
    group, ctx = _cli()
    _parse_invocation(group, ctx, ["status", "-q", "data"])
    _parse_invocation(group, ctx, ["status", "--remote"])
    _parse_invocation(group, ctx, ["remote", "modify", "origin", "project", "p", "--local"])
    for wrong in (["stat"], ["status", "--bogus"], ["add"], ["config", "a", "b", "c"],
                  ["remote", "ad", "x", "/y"], ["remote", "add", "x"], ["push", "-j", "0"],
                  ["push", "-r"]):
        with pytest.raises(click.UsageError):
            _parse_invocation(group, ctx, wrong)


def test_links_between_documents_resolve() -> None:
    for doc in sorted(DOCS.glob("*.md")):
        text = doc.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", prose(text)):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            dest = (doc.parent / path) if path else doc
            assert dest.is_file(), f"{doc.name}: link to missing file {target}"
            if anchor and dest.suffix == ".md":
                assert anchor in anchors(dest.read_text(encoding="utf-8")), \
                    f"{doc.name}: link to missing heading {target}"


def test_readme_indexes_every_document() -> None:
    index = read_doc("README.md")
    for doc in sorted(DOCS.glob("*.md")):
        if doc.name != "README.md":
            assert f"]({doc.name})" in index, f"docs/README.md does not link {doc.name}"
