"""The documentation in docs/ stays true to the code.

docs/commands.md must be exactly what docs/gen_commands.py makes from the CLI now, with a
section for every command the CLI lists; examples, links, exit codes, config keys and the
format examples in the other documents must match what mlgit does.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib.util
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Annotated

import click
import pytest
import typer
import typer.main
import yaml

import mlgit.cli.app
from mlgit import config, pointer
from mlgit.cli import exit_codes
from mlgit.config import KEYS
from mlgit.errors import MlgitError
from mlgit.hashing import hash_bytes
from mlgit.remote import filesystems, schemes
from mlgit.storage import manifests
from mlgit.workspace import gitignore

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
REGENERATE = "python docs/gen_commands.py > docs/commands.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


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


def _code_blocks(text: str, *langs: str) -> list[str]:
    return [body for lang, body in FENCE.findall(text) if lang in langs]


def _prose(text: str) -> str:
    return FENCE.sub("", text)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(text: str) -> set[str]:
    return {_slug(h) for h in re.findall(r"^#+ (.+)$", _prose(text), re.MULTILINE)}


# --- docs/commands.md ----------------------------------------------------------------------


def test_commands_md_is_generated_from_the_current_cli(gen: ModuleType) -> None:
    on_disk = _read("commands.md")
    fresh = gen.render()
    if on_disk != fresh:
        diff = "".join(list(difflib.unified_diff(
            on_disk.splitlines(keepends=True), fresh.splitlines(keepends=True),
            "docs/commands.md", "from the CLI"))[:60])
        pytest.fail(f"docs/commands.md is out of date with the CLI; run: {REGENERATE}\n{diff}")


def test_every_command_the_cli_lists_has_a_section() -> None:
    listed = _all_commands_listed_by_help()
    assert "add" in listed and "status" in listed  # the --help parsing works
    sections = re.findall(r"^## mlgit (.+)$", _read("commands.md"), re.MULTILINE)
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
    assert {anchor for _, anchor in index} <= _anchors(text)


def test_check_mode_reports_a_stale_file(gen: ModuleType, tmp_path: Path) -> None:
    stale = tmp_path / "commands.md"
    stale.write_text(gen.render().replace("## mlgit add", "## mlgit plus"), encoding="utf-8")
    assert gen.check(stale) == 1
    stale.write_text(gen.render(), encoding="utf-8")
    assert gen.check(stale) == 0


def test_argument_help_reaches_the_reference() -> None:
    """Argument help is declared in cli.py; the reference must carry it."""
    text = _read("commands.md")
    assert "`PATHS...` (required, one or more): Files, folders or glob patterns." in text
    assert "`KEY` (required): Setting name" in text


# --- examples and links in every document --------------------------------------------------


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
        for block in _code_blocks(doc.read_text(encoding="utf-8"), "console", "sh", "shell"):
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
        for target in re.findall(r"\]\(([^)\s]+)\)", _prose(text)):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            dest = (doc.parent / path) if path else doc
            assert dest.is_file(), f"{doc.name}: link to missing file {target}"
            if anchor and dest.suffix == ".md":
                assert anchor in _anchors(dest.read_text(encoding="utf-8")), \
                    f"{doc.name}: link to missing heading {target}"


def test_readme_indexes_every_document() -> None:
    index = _read("README.md")
    for doc in sorted(DOCS.glob("*.md")):
        if doc.name != "README.md":
            assert f"]({doc.name})" in index, f"docs/README.md does not link {doc.name}"


# --- docs/remotes.md ------------------------------------------------------------------------


_NEEDS_PACKAGE = sorted(s.name for s in schemes.SCHEMES.values() if s.package != "fsspec")
"""The schemes whose filesystem is a package of its own (the others are fsspec's)."""


def test_remote_config_examples_are_valid() -> None:
    """Every YAML example of remotes.md with a `remote:` section names URLs mlgit accepts and
    only options their URL kind has; `core.remote` names one of them."""
    every_option = {o for scheme in schemes.SCHEMES.values() for o in scheme.options}
    checked = 0
    for block in _code_blocks(_read("remotes.md"), "yaml"):
        data = yaml.safe_load(block)
        if not isinstance(data, dict) or "remote" not in data:
            continue
        for name, remote in data["remote"].items():
            config.parse_remote_name(name)
            settings = {k: str(v) for k, v in remote.items() if k != "url"}
            if "url" in remote:
                schemes.check_options(schemes.parse_url(remote["url"]).scheme, settings)
            else:  # config.local.yaml: options only
                assert set(settings) <= every_option, settings
        if "core" in data:
            assert data["core"]["remote"] in data["remote"]
        checked += 1
    assert checked >= 2


def test_remotes_md_lists_every_option_and_package() -> None:
    text = _read("remotes.md")
    section = text.split("## URLs and options", 1)[1].split("\n## ", 1)[0]
    for scheme in schemes.SCHEMES.values():
        for option in scheme.options:
            assert f"| `{option}` |" in section, f"{scheme.name} option {option} has no table row"
    for scheme in _NEEDS_PACKAGE:
        install = schemes.SCHEMES[scheme].install
        assert f"`{install}`" in text, f"remotes.md does not give '{install}' for {scheme}"


def _error(make: Callable[[], object]) -> MlgitError:
    with pytest.raises(MlgitError) as info:
        make()
    return info.value


def _kwargs(url: str, options: dict[str, str]) -> Callable[[], object]:
    return lambda: schemes.fs_kwargs(schemes.parse_url(url), options)


# (what raises, {text in the real message or hint: what remotes.md writes instead})
FS_ERRORS: list[tuple[Callable[[], object], dict[str, str]]] = [
    (lambda: schemes.parse_url("ftp://host/x"), {"'ftp'": "'SCHEME'"}),
    (lambda: schemes.parse_url("gs://b/a/../c"), {"'gs://b/a/../c'": "'URL'",
                                              "'.' and '..' are not allowed in a remote"
                                              " path": "WHY"}),
    (_kwargs("gs://b", {"region": "x"}), {"'region'": "'KEY'", "a gs": "a KIND",
                                           "for gs: project, credentials, anonymous,"
                                           " endpoint_url": "for KIND: ..."}),
    (_kwargs("gs://b", {"anonymous": "maybe"}), {"gs option 'anonymous'": "KIND option 'KEY'"}),
    (_kwargs("ssh://h/x", {"key_file": "/no/such/key"}),
     {"ssh option 'key_file'": "KIND option 'KEY'", "'key_file' option": "'KEY' option"}),
    (_kwargs("gs://b", {"anonymous": "true", "credentials": __file__}), {}),
    (_kwargs("s3://b", {"access_key_id": "k"}), {}),
    (_kwargs("ssh://h/x", {"port": "lots"}), {}),
    (_kwargs("ssh://h:22/x", {"port": "2222"}), {}),
]


@pytest.mark.parametrize(("make", "placeholders"), FS_ERRORS)
def test_remote_error_tables_match_fs(make: Callable[[], object],
                                      placeholders: dict[str, str]) -> None:
    text = _read("remotes.md")
    exc = _error(make)
    for part in (exc.message, exc.hint):
        for real, shown in placeholders.items():
            part = part.replace(real, shown)
        assert f"`{part}`" in text, f"remotes.md does not show {part!r}"


def test_bad_url_reasons_in_remotes_md_are_real() -> None:
    text = _read("remotes.md")
    for url in ("gs://", "gs://b/a/../c", "gs://me@b/x", "ssh://me:pw@host/x", "file://x"):
        reason = _error(lambda url=url: schemes.parse_url(url)).message.split("': ", 1)[1]
        assert f"`{reason}`" in text, reason


@pytest.mark.parametrize("scheme", _NEEDS_PACKAGE)
def test_missing_package_errors_match_fs(scheme: str, monkeypatch: pytest.MonkeyPatch) -> None:
    package = schemes.SCHEMES[scheme].package
    real = importlib.util.find_spec
    monkeypatch.setattr(filesystems.importlib.util, "find_spec",
                        lambda name, *a: None if name == package else real(name, *a))
    exc = _error(lambda: filesystems.open_fs(f"{scheme}://host/path", {}))
    text = _read("remotes.md")
    assert f"| `{exc.message}` | `{exc.hint}` |" in text


# --- exit codes and configuration -----------------------------------------------------------


def test_exit_code_table_matches_entry_point() -> None:
    table = re.findall(r"^\| `(\d+)` \|", _read("exit-codes.md"), re.MULTILINE)
    codes = {exit_codes.EXIT_OK, exit_codes.EXIT_FAILED, exit_codes.EXIT_USAGE,
             exit_codes.EXIT_BUG, exit_codes.EXIT_INTERRUPTED}
    assert sorted(int(c) for c in table) == sorted(codes)


def test_config_table_lists_exactly_the_known_keys() -> None:
    text = _read("formats.md")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([a-z_]+\.[a-z_.]+)` \|", section, re.MULTILINE)
    assert sorted(documented) == sorted(KEYS)


# --- docs/formats.md examples ---------------------------------------------------------------


def _pointer_examples() -> list[bytes]:
    blocks = _code_blocks(_read("formats.md"), "yaml")
    return [b.encode() for b in blocks if b.startswith("# mlgit pointer:")]


def _origin(raw: bytes) -> str:
    """The pointer file an example belongs in: its artifact's name plus .mlgit."""
    found = re.search(rb'^path: "([^"]+)"$', raw, re.MULTILINE)
    assert found, raw
    return found.group(1).decode() + ".mlgit"


def test_pointer_examples_are_canonical() -> None:
    examples = _pointer_examples()
    assert len(examples) >= 2
    for raw in examples:
        ptr = pointer.loads(raw, _origin(raw))
        assert pointer.dumps(ptr) == raw


def test_unknown_keys_example_survives_a_rewrite() -> None:
    with_extra = [raw for raw in _pointer_examples() if b"owner:" in raw]
    assert with_extra
    ptr = pointer.loads(with_extra[0], _origin(with_extra[0]))
    assert ptr.extra["owner"] == "vision-team"
    assert b"owner: vision-team" in pointer.dumps(ptr)


def test_manifest_example_is_canonical_and_matches_its_pointer() -> None:
    [raw] = [b.rstrip("\n").encode() for b in _code_blocks(_read("formats.md"), "json")]
    manifest = manifests.loads(raw, "example")
    assert manifests.dumps(manifest) == raw
    assert manifest.oids[:2] == [hash_bytes(b"meow\n"), hash_bytes(b"purr\n")]
    dirs = [pointer.loads(p, _origin(p)) for p in _pointer_examples()]
    dir_ptr = next(p for p in dirs if p.is_dir)
    assert dir_ptr.oid == hash_bytes(raw)
    assert (dir_ptr.size, dir_ptr.files) == (manifest.size, len(manifest))


def test_gitignore_escaping_table() -> None:
    section = _read("formats.md").split("## .gitignore entries", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)`[^|]* \| `([^`]+)` \|$", section, re.MULTILINE)
    assert len(rows) >= 6
    for name, line in rows:
        assert gitignore.escape(name.replace("␣", " ").replace("␍", "\r")) \
            == line.replace("␍", "\r")


def test_pack_files_follow_the_documented_layout(tmp_path: Path) -> None:
    """Build a pack with the real CLI and read it back with only what formats.md says."""
    text = _read("formats.md")
    assert "`MLGIT-PACK-INDEX 1\\n`" in text and "32-byte record" in text
    magic, record = b"MLGIT-PACK-INDEX 1\n", 32

    def run(*args: str) -> None:
        subprocess.run(args, cwd=tmp_path, check=True, capture_output=True)

    run("git", "init", "-q")
    run(sys.executable, "-m", "mlgit", "init")
    (tmp_path / "d").mkdir()
    contents = [b"meow\n", b"purr\n", b"x" * 5000]
    for i, data in enumerate(contents):
        (tmp_path / "d" / f"f{i}").write_bytes(data)
    run(sys.executable, "-m", "mlgit", "add", "d")

    [idx] = (tmp_path / ".mlgit" / "cache" / "packs").glob("*.idx")
    raw = idx.read_bytes()
    body, digest = raw[:-16], raw[-16:]
    assert len(magic) == 19 and body.startswith(magic)
    assert bytes.fromhex(hash_bytes(body)) == digest and idx.stem == digest.hex()
    records = body[len(magic):]
    assert len(records) == record * len(contents)
    pack = idx.with_suffix(".pack").read_bytes()
    oids = []
    for i in range(0, len(records), record):
        oid = records[i:i + 16].hex()
        offset = int.from_bytes(records[i + 16:i + 24], "little")
        size = int.from_bytes(records[i + 24:i + 32], "little")
        assert hash_bytes(pack[offset:offset + size]) == oid
        oids.append(oid)
    assert oids == sorted(oids) == sorted(hash_bytes(c) for c in contents)
    assert len(pack) == sum(len(c) for c in contents)
    # The manifest is a loose object at XX/YYYY..., named by the pointer's oid.
    ptr = pointer.loads((tmp_path / "d.mlgit").read_bytes(), "d.mlgit")
    loose = tmp_path / ".mlgit" / "cache" / ptr.oid[:2] / ptr.oid[2:]
    assert manifests.loads(loose.read_bytes(), "d").paths == ["f0", "f1", "f2"]
