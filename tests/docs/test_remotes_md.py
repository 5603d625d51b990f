"""docs/remotes.md: its config examples, options, packages and error tables match mlgit.remote."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import pytest
import yaml

from mlgit import config
from mlgit.errors import MlgitError
from mlgit.remote import filesystems, schemes
from tests.docs.markdown import code_blocks, read_doc

_NEEDS_PACKAGE = sorted(s.name for s in schemes.SCHEMES.values() if s.package != "fsspec")


def test_remote_config_examples_are_valid() -> None:
    """Every YAML example of remotes.md with a `remote:` section names URLs mlgit accepts and
    only options their URL kind has; `core.remote` names one of them."""
    every_option = {o for scheme in schemes.SCHEMES.values() for o in scheme.options}
    checked = 0
    for block in code_blocks(read_doc("remotes.md"), "yaml"):
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
    text = read_doc("remotes.md")
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
    text = read_doc("remotes.md")
    exc = _error(make)
    for part in (exc.message, exc.hint):
        for real, shown in placeholders.items():
            part = part.replace(real, shown)
        assert f"`{part}`" in text, f"remotes.md does not show {part!r}"


def test_bad_url_reasons_in_remotes_md_are_real() -> None:
    text = read_doc("remotes.md")
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
    text = read_doc("remotes.md")
    assert f"| `{exc.message}` | `{exc.hint}` |" in text
