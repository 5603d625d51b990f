"""The fast parser: every option of add, status and checkout, `--`, and what it leaves to the
typer app (help, unknown options, missing paths), which then answers for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mlgit.cli import parser
from mlgit.cli.handlers import workspace
from mlgit.cli.parser import Option, Verb, parse
from tests.conftest import mlgit


def _parsed(args: list[str]) -> tuple[object, list[str], dict[str, bool | str | None]]:
    found = parse(args)
    assert found is not None, args
    return found.verb.handler, found.paths, found.options


@pytest.mark.parametrize(("args", "paths", "options"), [
    (["add", "x"], ["x"], {"force": False, "json": False}),
    (["add", "-f", "x"], ["x"], {"force": True, "json": False}),
    (["add", "x", "--force", "y"], ["x", "y"], {"force": True, "json": False}),
    (["add", "--json", "x"], ["x"], {"force": False, "json": True}),
    (["add", "-", "x"], ["-", "x"], {"force": False, "json": False}),
])
def test_add_options(args: list[str], paths: list[str], options: dict[str, bool]) -> None:
    assert _parsed(args) == (workspace.add, paths, options)


@pytest.mark.parametrize(("args", "paths", "options"), [
    (["status"], [], {"quiet": False, "json": False, "remote": None}),
    (["status", "-q"], [], {"quiet": True, "json": False, "remote": None}),
    (["status", "--quiet", "--json", "a", "b"], ["a", "b"],
     {"quiet": True, "json": True, "remote": None}),
    (["status", "--remote=origin"], [], {"quiet": False, "json": False, "remote": "origin"}),
    (["status", "--remote="], [], {"quiet": False, "json": False, "remote": ""}),
    (["status", "--remote", "--json"], [], {"quiet": False, "json": True, "remote": ""}),
])
def test_status_options(args: list[str], paths: list[str], options: dict[str, object]) -> None:
    assert _parsed(args) == (workspace.status, paths, options)


@pytest.mark.parametrize(("args", "paths", "options"), [
    (["checkout"], [], {"force": False, "json": False, "rev": None}),
    (["checkout", "-f", "a"], ["a"], {"force": True, "json": False, "rev": None}),
    (["checkout", "--force", "--json"], [], {"force": True, "json": True, "rev": None}),
    (["checkout", "--rev", "v1", "a"], ["a"], {"force": False, "json": False, "rev": "v1"}),
    (["checkout", "--rev=HEAD~1"], [], {"force": False, "json": False, "rev": "HEAD~1"}),
    (["checkout", "--rev", "-f"], [], {"force": True, "json": False, "rev": ""}),
])
def test_checkout_options(args: list[str], paths: list[str], options: dict[str, bool]) -> None:
    assert _parsed(args) == (workspace.checkout, paths, options)


@pytest.mark.parametrize("verb", ["add", "status", "checkout"])
def test_after_a_double_dash_everything_is_a_path(verb: str) -> None:
    _, paths, options = _parsed([verb, "--json", "--", "-weird", "--json", "--", "x"])
    assert paths == ["-weird", "--json", "--", "x"]
    assert options["json"] is True


@pytest.mark.parametrize("args", [
    [], ["stat"], ["ls"], ["--version"], ["remote", "list"],
    ["status", "--help"], ["status", "-h"], ["add", "--help", "x"], ["checkout", "-h"],
    ["status", "-x"], ["status", "--bogus"], ["checkout", "-q"], ["add", "-q", "x"],
    ["status", "-qq"], ["status", "--json=yes"], ["add", "--force=1", "x"],
    ["add"], ["add", "-f"], ["add", "--"],
])
def test_what_it_does_not_understand_goes_to_typer(args: list[str]) -> None:
    assert parse(args) is None


def test_an_optional_value_is_taken_only_when_the_verb_says_so() -> None:
    verbs = {"look": Verb(lambda paths, **options: 0, (
        Option("at", ("--at",), value_if=lambda word: word == "origin"),))}
    assert _options(parse(["look", "--at", "origin", "data"], verbs)) == (["data"], "origin")
    assert _options(parse(["look", "--at", "data", "origin"], verbs)) == (["data", "origin"], "")
    assert _options(parse(["look", "data", "--at"], verbs)) == (["data"], "")
    assert _options(parse(["look", "--at=data"], verbs)) == ([], "data")


def _options(found: parser.Parsed | None) -> tuple[list[str], object]:
    assert found is not None
    return found.paths, found.options["at"]


def test_a_new_verb_is_a_table_row() -> None:
    calls: list[tuple[list[str], dict[str, object]]] = []

    def hook(paths: list[str], **options: object) -> int:
        calls.append((paths, options))
        return 7

    verbs = {"hook": Verb(hook, (Option("quiet", ("-q",)),), needs_paths=True)}
    found = parse(["hook", "-q", "pre-push"], verbs)
    assert found is not None and found.run() == 7
    assert calls == [(["pre-push"], {"quiet": True})]
    assert parse(["hook", "-q"], verbs) is None


def test_status_remote_takes_a_configured_remote_name(gitrepo: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    mlgit(gitrepo, "init")
    mlgit(gitrepo, "remote", "add", "origin", str(tmp_path / "store"))
    monkeypatch.chdir(gitrepo)
    assert _parsed(["status", "--remote", "origin", "data"])[1:] == (
        ["data"], {"quiet": False, "json": False, "remote": "origin"})
    assert _parsed(["status", "--remote", "data", "origin"])[1:] == (
        ["data", "origin"], {"quiet": False, "json": False, "remote": ""})


def test_status_remote_outside_a_repository_is_the_default_remote(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _parsed(["status", "--remote", "origin"])[1:] == (
        ["origin"], {"quiet": False, "json": False, "remote": ""})


# --- what typer then does with it ------------------------------------------------------------

@pytest.mark.parametrize("args", [["status", "--bogus"], ["checkout", "-q"], ["add"],
                                  ["add", "-q", "x"], ["status", "--remote", "--bogus"],
                                  ["status", "--json=yes"]])
def test_an_unknown_option_or_a_missing_path_is_a_usage_error(
        gitrepo: Path, args: list[str]) -> None:
    mlgit(gitrepo, "init")
    result = mlgit(gitrepo, *args, code=2)
    assert "Error: " in result.err, result.err
    assert result.out == ""


@pytest.mark.parametrize("args", [["status", "--help"], ["add", "-h"], ["checkout", "--help"],
                                  ["status", "--remote", "-h"]])
def test_help_comes_from_typer(tmp_path: Path, args: list[str]) -> None:
    result = mlgit(tmp_path, *args)
    assert result.out.startswith(f"Usage: mlgit {args[0]} [OPTIONS]"), result.out
    assert "--json" in result.out


@pytest.mark.parametrize("args", [["add", "data"], ["status", "-q", "--", "data"],
                                  ["checkout", "--json"], ["status", "--remote", "origin"]])
def test_fast_verbs_run_without_typer_or_click(gitrepo: Path, tmp_path: Path,
                                               args: list[str]) -> None:
    mlgit(gitrepo, "init")
    mlgit(gitrepo, "remote", "add", "origin", str(tmp_path / "store"))
    (gitrepo / "data").write_text("x")
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "mlgit", *args],
                          cwd=gitrepo, capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr  # status -q: 1 when data is untracked
    loaded = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
              if line.startswith("import time:") and "|" in line}
    assert "mlgit.cli.parser" in loaded  # the measurement works
    assert not {"typer", "click", "mlgit.cli.app"} & loaded
