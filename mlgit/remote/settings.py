"""Remotes as configured: names, URLs and options in .mlgit/config.yaml and
.mlgit/config.local.yaml (which overrides config.yaml key by key).

    core:
      remote: origin            # the default remote
    remote:
      origin:
        url: gs://bucket/prefix
        project: my-project     # options: see schemes.SCHEMES

Option values may be credentials: nothing here puts a value into a message.
"""

from __future__ import annotations

import copy
import os
from typing import Any, NamedTuple

from mlgit.config import Config, parse_remote_name
from mlgit.errors import ConfigError, MlgitError
from mlgit.remote import schemes

SECRET_OPTIONS = frozenset({"access_key_id", "secret_access_key"})
"""Options refused in the committed config.yaml."""


class RemoteSpec(NamedTuple):
    name: str
    url: str
    options: dict[str, str]
    local_keys: frozenset[str]
    """Keys (url or options) whose value comes from config.local.yaml."""

    @property
    def scheme(self) -> str:
        return schemes.parse_url(self.url).scheme

    def resolved_url(self, repo_root: str) -> str:
        """The URL with a relative local path made absolute against the repo root."""
        parsed = schemes.parse_url(self.url)
        if parsed.scheme == "local" and "://" not in self.url:
            return os.path.normpath(os.path.join(repo_root, os.path.expanduser(self.url)))
        return self.url


def _section(config: Config, local: bool) -> dict[str, Any]:
    section = config.layer(local).get("remote")
    if section is None:
        return {}
    if not isinstance(section, dict):
        where = ".mlgit/config.local.yaml" if local else ".mlgit/config.yaml"
        raise ConfigError(f"{where}: 'remote' must be a mapping of remote names",
                          f"fix or remove the 'remote' section of {where}")
    return section


def _entry(config: Config, local: bool, name: str) -> dict[str, Any]:
    entry = _section(config, local).get(name, {})
    if not isinstance(entry, dict):
        where = ".mlgit/config.local.yaml" if local else ".mlgit/config.yaml"
        raise ConfigError(f"{where}: remote {name!r} must be a mapping of settings",
                          f"fix it with 'mlgit remote add --force {name} URL', or edit {where}")
    return entry


def names(config: Config) -> list[str]:
    found = dict.fromkeys(_section(config, False))
    found.update(dict.fromkeys(_section(config, True)))
    return [str(n) for n in found]


def load(config: Config, name: str) -> RemoteSpec:
    shared, local = _entry(config, False, name), _entry(config, True, name)
    if name not in names(config):  # an entry left empty is a remote without a url
        raise MlgitError(f"no remote named {name!r}",
                         _restore_hint(config) or _list_hint(config))
    merged = {**shared, **local}
    url = merged.pop("url", None)
    if not isinstance(url, str) or not url:
        raise ConfigError(f"remote {name!r} has no url",
                          f"set it with 'mlgit remote modify {name} url URL'")
    options = {str(k): _option_text(v) for k, v in merged.items()}
    spec = RemoteSpec(name, url, options, frozenset(str(k) for k in local))
    try:
        schemes.check_options(spec.scheme, options)
    except MlgitError as exc:
        raise ConfigError(f"remote {name!r}: {exc.message}",
                          f"remove it with 'mlgit remote modify {name} KEY --unset'"
                          f" ({exc.hint})") from None
    return spec


def _option_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def default_name(config: Config) -> str | None:
    name: str | None = config.get("core.remote")
    return name


def resolve(config: Config, name: str | None) -> RemoteSpec:
    """The remote called `name`, or the default one."""
    if name is None:
        name = default_name(config)
        if name is None:
            known = names(config)
            if len(known) != 1:
                hint = ("add one with 'mlgit remote add NAME URL --default'" if not known
                        else f"name one with -r ({', '.join(known)}) or set a default with"
                             " 'mlgit remote default NAME'")
                raise MlgitError("no remote given and no default remote set",
                                 _restore_hint(config) or hint)
            name = known[0]
        elif name not in names(config):
            raise MlgitError(f"no remote named {name!r} (the default remote, set by"
                             f" core.remote in .mlgit/{config.source('core.remote')})",
                             _restore_hint(config) or _default_hint(config))
    return load(config, name)


def _default_hint(config: Config) -> str:
    known = names(config)
    if not known:
        return ("add it with 'mlgit remote add NAME URL --default' (NAME becomes the"
                " default)")
    return (f"known remotes: {', '.join(known)}; make one the default with 'mlgit remote"
            " default NAME', or name one with -r")


def _restore_hint(config: Config) -> str:
    """When the committed config.yaml was deleted (Git still tracks it), the remotes are not
    gone: the file is. Asked only on the error path: it runs git."""
    from mlgit.config import CONFIG_FILE
    from mlgit.git import repository

    if os.path.lexists(os.path.join(config.dot_dir, CONFIG_FILE)):
        return ""
    root = os.path.dirname(config.dot_dir)
    rel = f".mlgit/{CONFIG_FILE}"
    try:
        tracked = repository.tracked_under(root, [rel])
    except MlgitError:
        return ""
    if not tracked:
        return ""
    return (f"{rel} is deleted (Git still tracks it), and with it the remotes:"
            f" restore it with 'git checkout -- {rel}'")


def add(config: Config, name: str, url: str, make_default: bool, force: bool) -> RemoteSpec:
    _check_name(name)
    schemes.parse_url(url)  # refuses a bad URL before anything is written
    if name in names(config) and not force:
        raise MlgitError(f"a remote named {name!r} already exists",
                         f"use 'mlgit remote modify {name} url URL', or --force to replace it")
    _section(config, False).pop(name, None)
    if _section(config, True).pop(name, None) is not None:
        config.save(True)  # a replaced remote keeps none of the old one's options
    config.layer(False).setdefault("remote", {})[name] = {"url": url}
    if make_default or default_name(config) is None:
        config.layer(False).setdefault("core", {})["remote"] = name
    config.save(False)
    return load(config, name)


def remove(config: Config, name: str) -> None:
    if name not in names(config):
        raise MlgitError(f"no remote named {name!r}", _list_hint(config))
    for local in (False, True):
        layer = config.layer(local)
        section = _section(config, local)
        changed = section.pop(name, None) is not None
        core = layer.get("core")
        if isinstance(core, dict) and core.get("remote") == name:
            del core["remote"]
            changed = True
        if changed:
            config.save(local)


def set_default(config: Config, name: str) -> None:
    load(config, name)  # it must exist
    config.set("core.remote", name, local=False)


def modify(config: Config, name: str, key: str, value: str | None, local: bool) -> None:
    """Set (or with value None, unset) the url or an option of a remote. A remote broken by
    hand (no url, an unknown option) can be repaired this way, one key at a time."""
    broken = _why_broken(config, name)
    if key != "url" and value is not None:
        schemes.check_options(load(config, name).scheme, {key: ""})
    elif value is not None:
        schemes.parse_url(value)
    if value is not None and key in SECRET_OPTIONS and not local:
        raise MlgitError(f"{key!r} is a credential and does not belong in the committed"
                         " .mlgit/config.yaml",
                         f"run 'mlgit remote modify {name} {key} VALUE --local'")
    layer = config.layer(local)
    before = copy.deepcopy(layer)
    entry = _section(config, local).get(name)
    if value is None:
        if not isinstance(entry, dict) or key not in entry:
            where = "config.local.yaml" if local else "config.yaml"
            raise MlgitError(f"remote {name!r} has no {key!r} in .mlgit/{where}",
                             "see 'mlgit remote list'" + ("" if local else
                                                          " (or add --local)"))
        if key == "url" and not local:
            raise MlgitError("a remote needs a url", f"'mlgit remote remove {name}' removes it")
        del entry[key]
        if not entry:
            del _section(config, local)[name]
    else:
        layer.setdefault("remote", {}).setdefault(name, {})[key] = value
    try:
        check(load(config, name))
    except MlgitError as exc:
        if broken:
            config.save(local)  # a step of its repair: the next command names what is left
            return
        layer.clear()
        layer.update(before)  # nothing was written
        raise MlgitError(f"remote {name!r} would not work after this change: {exc.message}",
                         exc.hint) from None
    config.save(local)


def _why_broken(config: Config, name: str) -> str:
    """Why the remote `name` cannot be loaded as configured ("" when it can); MlgitError when
    there is no such remote, ConfigError when its entry is not a mapping at all."""
    _entry(config, False, name), _entry(config, True, name)
    try:
        load(config, name)
    except ConfigError as exc:
        return exc.message
    return ""


def check(spec: RemoteSpec) -> None:
    """Refuse option values the remote's kind cannot use (without connecting). An access
    key without its secret (or the reverse) is allowed here: they are set one at a time."""
    options = dict(spec.options)
    if len(SECRET_OPTIONS & options.keys()) == 1:
        for key in SECRET_OPTIONS:
            options.pop(key, None)
    schemes.fs_kwargs(schemes.parse_url(spec.url), options)


def _check_name(name: str) -> None:
    try:
        parse_remote_name(name)
    except ValueError as exc:
        raise MlgitError(str(exc), "e.g. 'origin', 'gcs-eu', 'backup_2'") from None


def _list_hint(config: Config) -> str:
    known = names(config)
    if not known:
        return "add one with 'mlgit remote add NAME URL'"
    return "known remotes: " + ", ".join(known)
