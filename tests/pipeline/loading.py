"""Writing pipeline files into a real Git work tree and loading them, for the loader tests."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from mlgit.pipeline.load import PipelineError, load_pipeline
from mlgit.pipeline.model import Pipeline, Stage
from tests.conftest import make_tree


def load(root: Path, files: dict[str, str]) -> Pipeline:
    """Write `files` (text dedented) under `root`, then load the pipeline."""
    make_tree(root, {rel: textwrap.dedent(text).lstrip("\n") for rel, text in files.items()})
    return load_pipeline(str(root))


def stages(root: Path, files: dict[str, str]) -> dict[str, Stage]:
    return {s.address: s for s in load(root, files).stages}


def refused(root: Path, files: dict[str, str], *needles: str) -> PipelineError:
    """Loading fails with one line that contains every needle (a needle that starts with ^
    is a regular expression for the start of the message)."""
    with pytest.raises(PipelineError) as info:
        load(root, files)
    message = info.value.message
    assert "\n" not in message, message
    for needle in needles:
        if needle.startswith("^"):
            assert re.match(needle, message), (needle, message)
        else:
            assert needle in message, (needle, message)
    return info.value
