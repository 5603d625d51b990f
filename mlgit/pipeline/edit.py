"""Writing a stage into a mlgit.yaml while keeping the rest of the file as it is written:
the new stage's lines are inserted after the last stage (or replace the old stage's lines),
so comments, order and formatting elsewhere stay. Only a file whose `stages` is written in
flow style (`stages: {a: {...}}`) is written again whole, and loses its comments."""

from __future__ import annotations

from typing import Any

from mlgit.pipeline.errors import PipelineError
from mlgit.pipeline.yamlsource import loader


def stage_lines(name: str, body: dict[str, Any], indent: int) -> str:
    """The YAML of one stage, `name:` at column `indent`."""
    from mlgit import yamlio

    text = yamlio.dump({name: body})
    pad = " " * indent
    return "".join(pad + line if line.strip() else line
                   for line in text.splitlines(keepends=True))


def with_stage(text: str, file: str, name: str, body: dict[str, Any], force: bool) -> str:
    """`text` (a pipeline file's content; "" for a new file) with stage `name` added, or
    replaced when `force`. Refuses an existing name without `force`."""
    import yaml

    document = yaml.compose(text, Loader=loader()) if text.strip() else None
    if document is None:
        return _joined(text, "stages:\n" + stage_lines(name, body, 2))
    if not isinstance(document, yaml.MappingNode):
        raise PipelineError(f"{file}: expected a mapping with a 'stages' key",
                            "fix the file first")
    found = [(k, v) for k, v in document.value
             if isinstance(k, yaml.ScalarNode) and k.value == "stages"]
    if not found:
        return _joined(text, "stages:\n" + stage_lines(name, body, 2))
    key, stages = found[0]
    if isinstance(stages, yaml.ScalarNode):  # `stages:` with nothing (or null) after it
        text = text[:stages.start_mark.index] + text[stages.end_mark.index:]
        end = _line_end(text, key.end_mark.index)
        return _joined(text[:end], stage_lines(name, body, key.start_mark.column + 2)) \
            + text[end:]
    if not isinstance(stages, yaml.MappingNode) or stages.flow_style:
        return _rewritten(text, name, body)
    existing = [(k, v) for k, v in stages.value
                if isinstance(k, yaml.ScalarNode) and k.value == name]
    indent = stages.value[0][0].start_mark.column if stages.value else 2
    if existing and not force:
        raise PipelineError(f"{file}: a stage named '{name}' already exists",
                            "choose another name, or use --force to replace it")
    lines = stage_lines(name, body, indent)
    if existing:
        old_key, old_value = existing[0]
        start = old_key.start_mark.index - old_key.start_mark.column
        end = _line_start(text, old_value.end_mark.index)
        return text[:start] + lines + text[end:]
    at = _line_start(text, stages.end_mark.index)
    return _joined(text[:at], lines) + text[at:]


def _joined(head: str, tail: str) -> str:
    if head and not head.endswith("\n"):
        head += "\n"
    return head + tail


def _line_start(text: str, index: int) -> int:
    """`index`, moved back to the start of its line when only spaces precede it there."""
    start = text.rfind("\n", 0, index) + 1
    return start if not text[start:index].strip() else index


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def _rewritten(text: str, name: str, body: dict[str, Any]) -> str:
    import yaml

    from mlgit import yamlio

    data = yaml.load(text, Loader=loader())  # a safe loader (yamlsource)
    data["stages"][name] = body
    return yamlio.dump(data)
