"""mlgit version: versions and the environment, for bug reports."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

from mlgit import __version__
from mlgit.errors import MlgitError
from mlgit.git import repository
from mlgit.progress import Warn, ignore_warning
from mlgit.repo import Repo
from mlgit.workspace.linker import probe_link_type

LIBRARIES = ("typer", "fsspec", "gcsfs", "xxhash", "tqdm", "PyYAML")


def version(warn: Warn = ignore_warning) -> dict[str, str]:
    info = {"mlgit": __version__, "python": platform.python_version(),
            "platform": platform.platform()}
    for name in LIBRARIES:
        info[name] = _dist_version(name)
    info.update(repository.library_versions())
    info.update(_repo_info(warn))
    return info


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _repo_info(warn: Warn) -> dict[str, str]:
    try:
        repo = Repo.find(warn=warn)
    except MlgitError:
        return {"repository": "none (not inside an initialised mlgit repository)"}
    links = repo.config.get("cache.link")
    return {"repository": repo.root,
            "cache": repo.cache_dir,
            "cache link type": probe_link_type(repo.odb, links, repo.tmp_dir),
            "cache link types configured": ",".join(links),
            "filesystem": filesystem_type(repo.cache_dir)}


def filesystem_type(path: str) -> str:
    """The type of the filesystem `path` lives on, from /proc/mounts (Linux)."""
    best, fstype = "", "unknown"
    real = os.path.realpath(path)
    try:
        with open("/proc/mounts", encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) < 3:
                    continue
                mount = parts[1].replace("\\040", " ")
                if (real == mount or real.startswith(mount.rstrip("/") + "/")) \
                        and len(mount) > len(best):
                    best, fstype = mount, parts[2]
    except OSError:
        return sys.platform
    return fstype
